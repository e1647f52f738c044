import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.checkpoints import (
    CheckpointError,
    load_environment,
    load_shipped,
    read_header,
    save_environment,
    shipped_env_ids,
)
from synthax.checkpoints.io import header_hash
from synthax.envs import SyntheticContextualBandit, brax_name, make, real_env_id


@pytest.fixture
def bandit():
    return SyntheticContextualBandit.for_environment(make("CartPole-v1"), key=jax.random.PRNGKey(3))


def test_round_trip(tmp_path, bandit):
    path = tmp_path / "env.eqx"
    save_environment(path, bandit, "CartPole-v1", {"note": "test"})
    loaded = load_environment(path, env_id="CartPole-v1")
    assert eqx.tree_equal(loaded, bandit) is True or bool(eqx.tree_equal(loaded, bandit))
    header = read_header(path)
    assert header["class"] == "SyntheticContextualBandit"
    assert header["env_id"] == "CartPole-v1"
    assert header["metadata"] == {"note": "test"}
    assert header["shapes"][0] == [[32, 4], "float32"]
    # The file starts with a JSON header line: no pickle anywhere.
    first_line = path.read_bytes().split(b"\n", 1)[0]
    assert json.loads(first_line)["format"] == "synthax.checkpoint"


def test_round_trip_keeps_input_scaling(tmp_path):
    env = SyntheticContextualBandit.for_environment(
        make("MountainCar-v0"), scale_reward_input=True,
        scale_initial_state=True, key=jax.random.PRNGKey(3),
    )
    path = tmp_path / "env.eqx"
    save_environment(path, env, "MountainCar-v0")
    loaded = load_environment(path, env_id="MountainCar-v0")
    assert loaded.scale_reward_input is True and loaded.scale_initial_state is True
    obs, _ = loaded.reset(jax.random.PRNGKey(0))
    np.testing.assert_array_equal(obs, env.reset(jax.random.PRNGKey(0))[0])
    action = jnp.asarray(1, jnp.int32)
    assert float(loaded.reward(obs, action)) == float(env.reward(obs, action))


def test_wrong_env_id(tmp_path, bandit):
    path = tmp_path / "env.eqx"
    save_environment(path, bandit, "CartPole-v1")
    with pytest.raises(CheckpointError, match="env_id"):
        load_environment(path, env_id="Acrobot-v1")


def test_corrupt_payload(tmp_path, bandit):
    path = tmp_path / "env.eqx"
    save_environment(path, bandit, "CartPole-v1")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="hash"):
        load_environment(path)


def test_shape_mismatch(tmp_path, bandit):
    path = tmp_path / "env.eqx"
    save_environment(path, bandit, "CartPole-v1")
    lines = path.read_bytes().split(b"\n", 1)
    header = json.loads(lines[0])
    header["config"]["hidden_size"] = 16
    path.write_bytes(json.dumps(header).encode() + b"\n" + lines[1])
    with pytest.raises(CheckpointError, match="header does not match its hash"):
        load_environment(path)
    header["header_sha256"] = header_hash(header)  # a consistent header for other shapes
    path.write_bytes(json.dumps(header).encode() + b"\n" + lines[1])
    with pytest.raises(CheckpointError, match="shapes"):
        load_environment(path)


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "x.eqx"
    path.write_bytes(b"\x80\x04garbage")
    with pytest.raises(CheckpointError, match="not a synthax checkpoint"):
        load_environment(path)


def test_cannot_save_real_env(tmp_path):
    with pytest.raises(TypeError, match="allowed"):
        save_environment(tmp_path / "x.eqx", make("CartPole-v1"), "CartPole-v1")


def test_shipped_cartpole_loads():
    assert "Synthetic-CartPole-v1" in shipped_env_ids()
    env = load_shipped("Synthetic-CartPole-v1")
    assert isinstance(env, SyntheticContextualBandit)
    obs, _ = env.reset(jax.random.PRNGKey(0))
    assert obs.shape == (4,) and bool(jnp.all(jnp.isfinite(obs)))
    with pytest.raises(KeyError, match="shipped"):
        load_shipped("Synthetic-Nothing-v0")


@pytest.mark.parametrize("env_id", [
    pytest.param(e, marks=pytest.mark.brax) if brax_name(real_env_id(e)) else e
    for e in shipped_env_ids()
])
def test_every_shipped_env_matches_its_real_env_and_gymnax(env_id):
    import gymnax

    from synthax.envs import real_env_id

    real = make(real_env_id(env_id))
    env = load_shipped(env_id)
    obs, _ = jax.vmap(env.reset)(jax.random.split(jax.random.PRNGKey(0), 512))
    assert bool(jnp.all(jax.vmap(real.observation_space.contains)(obs)))
    assert env.action_space.__class__ is real.action_space.__class__
    assert env.action_dim == real.action_dim
    genv, params = gymnax.make(env_id)
    obs, state = genv.reset(jax.random.PRNGKey(1), params)
    action = genv.action_space(params).sample(jax.random.PRNGKey(2))
    assert len(genv.step(jax.random.PRNGKey(3), state, action, params)) == 6
