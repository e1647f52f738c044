import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import DQN
from synthax.envs import AbstractEnvironment, make, with_max_steps
from synthax.envs.curiosity import Curiosity, CuriosityState

from .conftest import TINY_DQN

SMALL = dict(feature_dim=4, hidden_size=8)


@eqx.filter_jit
def _step(env, key, state, action):
    return env.step(key, state, action)


@eqx.filter_jit
def _transition(env, key, state, action):
    return env.transition(key, state, action)


def _leaves(params):
    return jax.tree.leaves(params)


def _changed(a, b):
    return any(not np.array_equal(x, y) for x, y in zip(_leaves(a), _leaves(b)))


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


@pytest.mark.parametrize("exclusive", [False, True])
def test_reward_is_extrinsic_plus_scaled_bonus(cartpole, exclusive):
    env = Curiosity(cartpole, eta=0.5, exclusive=exclusive, **SMALL, key=jax.random.PRNGKey(0))
    obs, state = env.reset(jax.random.PRNGKey(1))
    assert isinstance(state, CuriosityState)
    action = jnp.asarray(1, jnp.int32)
    out = _step(env, jax.random.PRNGKey(2), state, action)
    _, new_state, reward, terminated, truncated, info = out
    intrinsic, extrinsic = info["intrinsic_reward"], info["extrinsic_reward"]
    assert reward.shape == () and reward.dtype == jnp.float32
    assert intrinsic.dtype == jnp.float32 and float(intrinsic) >= 0.0
    # The extrinsic reward is the wrapped env's (the same key split as AbstractEnvironment.step).
    key_step, _ = jax.random.split(jax.random.PRNGKey(2))
    real = cartpole.transition(key_step, state.inner, action)
    np.testing.assert_allclose(extrinsic, real[2])
    np.testing.assert_allclose(info["final_observation"], real[0])
    # The bonus is the forward error of the pre-update ICM.
    forward_loss, _ = env.losses(env.initial_params(), obs, action, real[0])
    np.testing.assert_allclose(intrinsic, forward_loss, rtol=1e-5)
    expected = 0.5 * intrinsic if exclusive else extrinsic + 0.5 * intrinsic
    np.testing.assert_allclose(reward, expected, rtol=1e-6)
    assert _changed(state.params, new_state.params)
    assert int(new_state.opt_state[0].count) == 1


def test_icm_survives_episode_end_inner_state_resets(cartpole):
    env = Curiosity(with_max_steps(cartpole, 2), **SMALL, key=jax.random.PRNGKey(0))
    _, state = env.reset(jax.random.PRNGKey(1))
    one = jnp.asarray(0, jnp.int32)
    _, state1, *_ = _step(env, jax.random.PRNGKey(2), state, one)
    assert int(state1.inner.time) == 1
    key = jax.random.PRNGKey(3)
    obs2, state2, _, terminated, truncated, info = _step(env, key, state1, one)
    assert bool(truncated) and not bool(terminated)
    # The wrapped env restarted exactly as AbstractEnvironment.step would restart it ...
    assert int(state2.inner.time) == 0
    obs_re, _ = env.env.reset(jax.random.split(key)[1])
    np.testing.assert_allclose(obs2, obs_re)
    np.testing.assert_allclose(state2.obs, obs_re)
    assert not np.allclose(info["final_observation"], obs2)
    # ... while the ICM kept its weights and Adam state (not the initial ones).
    _, after = _transition(env, jax.random.split(key)[0], state1, one)[:2]
    for x, y in zip(_leaves(state2.params), _leaves(after.params)):
        np.testing.assert_array_equal(x, y)
    assert _changed(env.initial_params(), state2.params)
    assert int(state2.opt_state[0].count) == 2


def test_icm_learns_a_repeated_transition(cartpole):
    env = Curiosity(cartpole, learning_rate=1e-2, **SMALL, key=jax.random.PRNGKey(0))
    _, start = env.reset(jax.random.PRNGKey(1))
    key, action = jax.random.PRNGKey(2), jnp.asarray(1, jnp.int32)

    @eqx.filter_jit
    def repeat(env, state):
        def body(state, _):
            _, new, _, _, _, info = env.transition(key, state, action)
            # Same (s, a, s') again: keep the observation and inner state, carry the ICM.
            state = eqx.tree_at(lambda s: (s.params, s.opt_state), state,
                                (new.params, new.opt_state))
            return state, info["intrinsic_reward"]

        return jax.lax.scan(body, state, None, length=50)[1]

    bonus = repeat(env, start)
    assert bool(jnp.all(bonus >= 0))
    assert float(bonus[-1]) < 0.2 * float(bonus[0])


def test_vmap_over_keys_gives_independent_icms(cartpole):
    env = Curiosity(cartpole, **SMALL, key=jax.random.PRNGKey(0))
    keys = jax.random.split(jax.random.PRNGKey(1), 3)
    obs, states = jax.vmap(env.reset)(keys)
    assert obs.shape == (3, 4) and states.obs.shape == (3, 4)
    actions = jnp.asarray([0, 1, 1], jnp.int32)
    step = eqx.filter_jit(lambda e, k, s, a: jax.vmap(e.step)(k, s, a))
    obs, new, reward, terminated, truncated, info = step(env, keys, states, actions)
    assert reward.shape == (3,) and info["intrinsic_reward"].shape == (3,)
    assert bool(jnp.all(info["intrinsic_reward"] >= 0))
    weight = new.params["forward_model"].layers[0].weight
    assert weight.shape[0] == 3 and not np.allclose(weight[0], weight[1])


def test_box_actions(cartpole):
    pendulum = make("Pendulum-v1")
    env = Curiosity(pendulum, **SMALL, key=jax.random.PRNGKey(0))
    assert env.action_space is not None and not env.is_discrete
    assert env.inverse_model.out_size == 1
    obs, state = env.reset(jax.random.PRNGKey(1))
    action = jnp.array([1.5], jnp.float32)
    _, new, reward, _, _, info = _step(env, jax.random.PRNGKey(2), state, action)
    assert bool(jnp.isfinite(reward)) and float(info["intrinsic_reward"]) >= 0
    np.testing.assert_allclose(
        reward, info["extrinsic_reward"] + env.eta * info["intrinsic_reward"], rtol=1e-6
    )
    _, inverse_loss = env.losses(env.initial_params(), obs, action, new.obs)
    assert inverse_loss.shape == () and float(inverse_loss) >= 0
    assert _changed(state.params, new.params)


def test_dqn_trains_on_curious_cartpole(cartpole):
    env = Curiosity(cartpole, **SMALL, key=jax.random.PRNGKey(0))
    policy, metrics = DQN(**TINY_DQN).train(env, jax.random.PRNGKey(1))
    assert metrics["loss"].shape == (16,)
    assert bool(jnp.any(jnp.isfinite(metrics["loss"])))
    assert policy(jnp.zeros(4), jax.random.PRNGKey(0)).dtype == jnp.int32


def test_spaces_learnable_and_validation(cartpole):
    env = Curiosity(cartpole, **SMALL, key=jax.random.PRNGKey(0))
    assert env.observation_space.shape == cartpole.observation_space.shape
    assert env.action_dim == 2 and env.max_steps_in_episode == cartpole.max_steps_in_episode
    spec = env.learnable()
    assert not any(jax.tree.leaves(spec.env)) and not spec.eta and not spec.learning_rate
    assert all(jax.tree.leaves(eqx.filter(spec.encoder, eqx.is_array)))
    assert all(jax.tree.leaves(eqx.filter(spec.inverse_model, eqx.is_array)))
    key = jax.random.PRNGKey(0)
    for kwargs, match in [
        (dict(feature_dim=0), "feature_dim"),
        (dict(hidden_size=0), "hidden_size"),
        (dict(eta=-1.0), "eta"),
        (dict(beta=1.5), "beta"),
        (dict(learning_rate=0.0), "learning_rate"),
        (dict(eta=float("nan")), "finite"),
        (dict(beta=jnp.array([0.1, 0.2])), "scalar"),
    ]:
        with pytest.raises(ValueError, match=match):
            Curiosity(cartpole, **kwargs, key=key)
    with pytest.raises(TypeError, match="AbstractEnvironment"):
        Curiosity("CartPole-v1", key=key)
    assert isinstance(env, AbstractEnvironment)
