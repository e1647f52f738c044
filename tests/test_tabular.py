import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents.tabular import SARSA, QLearning, TabularGreedyPolicy
from synthax.envs import SyntheticContextualBandit, make
from synthax.envs.cliff_walking import CliffWalking
from synthax.evaluation import evaluate

from .probes import BoxProbe

# Chosen so that every one of 64 seeds tried reached the asserted return.
Q_LEARNING = dict(total_timesteps=3000, exploration_fraction=0.3)
SARSA_CLIFF = dict(total_timesteps=5000, exploration_fraction=0.3, eps_end=0.0)


def _greedy_return(policy, env):
    result = evaluate(policy, env, jax.random.PRNGKey(0), num_episodes=2)
    return float(jnp.mean(result.returns))


def test_q_learning_finds_optimal_cliff_path():
    env = CliffWalking()
    policy, metrics = eqx.filter_jit(QLearning(**Q_LEARNING).train)(env, jax.random.PRNGKey(0))
    assert isinstance(policy, TabularGreedyPolicy) and policy.q_table.shape == (48, 4)
    assert policy.q_table.dtype == jnp.float32
    assert metrics["episode_return"].shape == (3000,) and metrics["epsilon"].shape == (3000,)
    np.testing.assert_allclose(np.asarray(metrics["epsilon"])[[0, -1]], [1.0, 0.01], rtol=1e-5)
    assert _greedy_return(policy, env) == -12.0
    action = policy(jnp.zeros(48).at[36].set(1.0), jax.random.PRNGKey(0))
    assert action.dtype == jnp.int32 and int(action) == 0  # up, off the cliff


def test_sarsa_solves_cliff_walking():
    env = CliffWalking()
    policy, metrics = eqx.filter_jit(SARSA(**SARSA_CLIFF).train)(env, jax.random.PRNGKey(0))
    assert _greedy_return(policy, env) >= CliffWalking.solved_return
    assert np.isfinite(metrics["td_error"]).all()


@pytest.mark.parametrize("cls", [QLearning, SARSA])
def test_bootstraps_through_truncation_not_termination(cls):
    # One-step episodes: "up" is truncated (bootstrap from the untouched q_init = 5 of the cell
    # above), "right" falls into the cliff (terminated, no bootstrap).
    env = CliffWalking(max_steps_in_episode=1)
    agent = cls(total_timesteps=200, learning_rate=1.0, gamma=0.9, q_init=5.0,
                eps_start=1.0, eps_end=1.0)
    policy, _ = eqx.filter_jit(agent.train)(env, jax.random.PRNGKey(0))
    q = policy.q_table
    np.testing.assert_allclose(q[36, 0], -1.0 + 0.9 * 5.0, rtol=1e-6)
    np.testing.assert_allclose(q[36, 1], -100.0, rtol=1e-6)
    np.testing.assert_allclose(q[24], 5.0)


def test_rejects_unsupported_envs_and_sizes():
    bandit = SyntheticContextualBandit.for_environment(make("CartPole-v1"),
                                                       key=jax.random.PRNGKey(0))
    for cls in (QLearning, SARSA):
        with pytest.raises(ValueError, match="one-hot"):
            cls(total_timesteps=8).init(bandit, jax.random.PRNGKey(0))
        with pytest.raises(ValueError, match="Discrete"):
            cls(total_timesteps=8).train(BoxProbe("constant"), jax.random.PRNGKey(0))
        with pytest.raises(ValueError, match="num_envs"):
            cls(total_timesteps=2, num_envs=4)
        with pytest.raises(ValueError, match="total_timesteps"):
            cls(total_timesteps=0)
        with pytest.raises(ValueError, match="num_envs"):
            cls(num_envs=0)


def test_vmap_over_learning_rates_and_num_envs():
    env = CliffWalking()
    learning_rates = jnp.asarray([0.1, 0.9])
    agents = eqx.filter_vmap(
        lambda lr: SARSA(learning_rate=lr, total_timesteps=64, num_envs=4, gamma=0.9)
    )(learning_rates)
    assert agents.learning_rate.shape == (2,) and agents.gamma.shape == (2,)
    keys = jnp.stack([jax.random.PRNGKey(0)] * 2)  # same key: only the learning rate differs
    policies, metrics = eqx.filter_jit(eqx.filter_vmap(lambda a, k: a.train(env, k)))(agents, keys)
    assert policies.q_table.shape == (2, 48, 4)
    assert metrics["episode_return"].shape == (2, 16)
    assert not np.allclose(policies.q_table[0], policies.q_table[1])
    state = QLearning(total_timesteps=64, num_envs=4).init(env, jax.random.PRNGKey(0))
    assert state.q_table.shape == (48, 4) and state.next_action.shape == (4,)
