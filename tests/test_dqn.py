import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import DQN
from synthax.envs import SyntheticContextualBandit, make

from .conftest import TINY_DQN
from .probes import BoxProbe, Probe

PROBE_DQN = dict(
    total_timesteps=3000, num_envs=8, buffer_size=512, batch_size=64, learning_starts=64,
    hidden_size=16, learning_rate=3e-3, exploration_fraction=0.5, target_update_freq=10,
)


def _q(kind, dueling=False, **overrides):
    agent = DQN(dueling=dueling, **{**PROBE_DQN, **overrides})
    env = Probe(kind)
    state = agent.init(env, jax.random.PRNGKey(0))
    step = eqx.filter_jit(lambda s: agent.update(env, s))
    for _ in range(agent.num_iterations):
        state, _ = step(state)
    return state.q_network


@pytest.mark.parametrize("dueling", [False, True])
def test_probe_constant_reward(dueling):
    q = _q("constant", dueling)
    np.testing.assert_allclose(q(jnp.zeros(1)), [1.0, 1.0], atol=0.1)


@pytest.mark.parametrize("dueling", [False, True])
def test_probe_action_and_observation(dueling):
    q = _q("obs_action", dueling)
    assert int(jnp.argmax(q(jnp.ones(1)))) == 1
    assert int(jnp.argmax(q(-jnp.ones(1)))) == 0
    np.testing.assert_allclose(q(jnp.ones(1)), [0.0, 1.0], atol=0.15)


def test_probe_two_step_discounting():
    q = _q("two_step", gamma=0.9)
    np.testing.assert_allclose(q(jnp.ones(1)), [1.0, 1.0], atol=0.15)
    np.testing.assert_allclose(q(jnp.zeros(1)), [0.9, 0.9], atol=0.15)


def test_probe_bootstraps_through_truncation():
    q = _q("truncation", gamma=0.5)
    np.testing.assert_allclose(q(jnp.zeros(1)), [2.0, 2.0], atol=0.2)


def test_epsilon_schedule():
    agent = DQN(total_timesteps=1000, eps_start=1.0, eps_end=0.1, exploration_fraction=0.5)
    np.testing.assert_allclose(agent.epsilon(jnp.asarray(0)), 1.0)
    np.testing.assert_allclose(agent.epsilon(jnp.asarray(250)), 0.55, rtol=1e-5)
    np.testing.assert_allclose(agent.epsilon(jnp.asarray(900)), 0.1, rtol=1e-5)


def test_trains_on_synthetic_bandit_and_rejects_box():
    env = SyntheticContextualBandit.for_environment(make("CartPole-v1"), key=jax.random.PRNGKey(0))
    policy, metrics = DQN(**TINY_DQN).train(env, jax.random.PRNGKey(1))
    assert metrics["episode_return"].shape == (16,)
    action = policy(jnp.zeros(4), jax.random.PRNGKey(0))
    assert action.dtype == jnp.int32
    with pytest.raises(ValueError, match="Discrete"):
        DQN(**TINY_DQN).init(BoxProbe("constant"), jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="num_envs"):
        DQN(total_timesteps=2, num_envs=4)
