"""`jax.jit(env.step)` and `jax.jit(env.reset)` work on synthax's environments."""

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

import synthax


@pytest.mark.parametrize("env_id", ["Synthetic-CartPole-v1", "CartPole-v1"])
def test_jax_jit_of_bound_step_and_reset(env_id):
    env = synthax.make(env_id)
    key = jax.random.PRNGKey(0)
    obs, state = jax.jit(env.reset)(key)
    eager_obs, eager_state = env.reset(key)
    assert jnp.allclose(obs, eager_obs)
    action = env.action_space.sample(key)
    compiled = jax.jit(env.step)(key, state, action)
    eager = env.step(key, eager_state, action)
    assert jax.tree.all(jax.tree.map(lambda a, b: bool(jnp.allclose(a, b)), compiled, eager))


def test_environments_holding_arrays_hash_by_identity():
    env = synthax.make("Synthetic-CartPole-v1")
    assert hash(env) == hash(env)
    # A copy with equal arrays is a different object, so it may hash differently; equality is
    # still Equinox's (tree equality).
    copy = jax.tree.map(lambda x: x, env)
    assert copy is not env and bool(eqx.tree_equal(copy, env))


def test_filter_jit_takes_an_environment_as_argument():
    env = synthax.make("Synthetic-CartPole-v1")
    reset = eqx.filter_jit(lambda e, k: e.reset(k))
    obs, _ = reset(env, jax.random.PRNGKey(0))
    assert obs.shape == env.observation_space.shape
