import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax.core.frozen_dict import FrozenDict

from synthax.checkpoints import CheckpointError
from synthax.checkpoints.synthetic_gymnax import import_synthetic_gymnax, read_params
from synthax.envs import make


def _peer_like_params(seed=0, obs=4, act=2, hidden=32):
    """Parameters laid out as synthetic-gymnax's `SynthEnvMLP` (flax kernels are (in, out))."""
    rng = np.random.default_rng(seed)

    def dense(i, o):
        return {"kernel": jnp.asarray(rng.normal(size=(i, o)), jnp.float32),
                "bias": jnp.asarray(rng.normal(size=(o,)), jnp.float32)}

    return FrozenDict({"params": {
        "initial_state": {"Dense_0": dense(obs, hidden), "Dense_1": dense(hidden, obs)},
        "reward": {"Dense_0": dense(obs + act, hidden), "Dense_1": dense(hidden, 1)},
    }})


def test_import_matches_the_flax_network(tmp_path):
    params = _peer_like_params()
    path = tmp_path / "checkpoint.pkl"
    path.write_bytes(pickle.dumps(params))  # pickled as synthetic-gymnax did: jax arrays
    raw = read_params(path)
    assert isinstance(raw["params"]["reward"]["Dense_0"]["kernel"], np.ndarray)

    env = import_synthetic_gymnax(path, make("CartPole-v1"))
    assert env.bound_observations is False and env.hidden_size == 32
    p = jax.tree.map(np.asarray, dict(params))["params"]
    relu = lambda x: np.maximum(x, 0)  # noqa: E731

    def flax_mlp(layers, x):
        h = relu(x @ layers["Dense_0"]["kernel"] + layers["Dense_0"]["bias"])
        return h @ layers["Dense_1"]["kernel"] + layers["Dense_1"]["bias"]

    z = np.linspace(-1, 1, 4).astype(np.float32)
    np.testing.assert_allclose(env.init_net(jnp.asarray(z)), flax_mlp(p["initial_state"], z),
                               rtol=1e-5, atol=1e-5)
    obs = jnp.asarray([0.1, -0.2, 0.03, 0.4])
    expected = flax_mlp(p["reward"], np.concatenate([np.asarray(obs), [0.0, 1.0]]))[0]
    np.testing.assert_allclose(env.reward(obs, jnp.asarray(1, jnp.int32)), expected, rtol=1e-5,
                               atol=1e-5)


def test_refuses_code_and_wrong_sizes(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps({"params": Evil()}))
    with pytest.raises(CheckpointError, match="refusing to load global builtins.print"):
        read_params(evil)

    path = tmp_path / "checkpoint.pkl"
    path.write_bytes(pickle.dumps(_peer_like_params(obs=3, act=1)))
    with pytest.raises(CheckpointError, match="do not fit"):
        import_synthetic_gymnax(path, make("CartPole-v1"))
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(CheckpointError, match="not a synthetic-gymnax checkpoint"):
        read_params(junk)
