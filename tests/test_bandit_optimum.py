"""The optimal policy of a synthetic contextual bandit (argmax of its reward network)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import make_agent
from synthax.checkpoints import load_shipped
from synthax.envs import SyntheticContextualBandit, make
from synthax.evaluation import bandit_candidate_actions, evaluate, optimal_bandit_policy
from synthax.meta import InnerLoop, OptimalPolicyReturn, TrueCriticReturn

from .conftest import TINY_DQN


class _Reward(eqx.Module):
    """A known reward function of the bandit network's input `[obs, encoded action]`."""

    kind: str = eqx.field(static=True)

    def __call__(self, x):
        if self.kind == "discrete":  # reward 1 for action 2 (one-hot after one observation)
            return x[1 + 2]
        return -((x[1] - x[0]) ** 2)  # Box: the best action equals the observation


def _bandit(kind):
    key = jax.random.PRNGKey(0)
    if kind == "discrete":
        env = SyntheticContextualBandit([-1.0], [1.0], num_actions=4, key=key)
    else:
        env = SyntheticContextualBandit([-1.0], [1.0], action_low=[-2.0], action_high=[2.0],
                                        key=key)
    return eqx.tree_at(lambda e: e.reward_net, env, _Reward(kind))


def test_discrete_policy_picks_the_rewarded_action():
    env = _bandit("discrete")
    assert bandit_candidate_actions(env).tolist() == [0, 1, 2, 3]
    policy = optimal_bandit_policy(env)
    for obs in (-0.7, 0.0, 0.9):
        assert int(policy(jnp.asarray([obs]), jax.random.PRNGKey(0))) == 2


def test_box_policy_finds_the_maximum_on_the_grid():
    env = _bandit("box")
    candidates = bandit_candidate_actions(env)
    assert candidates.shape == (41, 1)
    assert float(candidates[0, 0]) == -2.0 and float(candidates[-1, 0]) == 2.0
    policy = jax.jit(optimal_bandit_policy(env))
    for obs in (-0.83, -0.2, 0.0, 0.46, 1.0):
        action = policy(jnp.asarray([obs]), jax.random.PRNGKey(0))
        assert action.shape == (1,) and abs(float(action[0]) - obs) <= 0.05 + 1e-6


def test_grid_over_several_action_dimensions_includes_the_corners():
    env = SyntheticContextualBandit([-1.0], [1.0],
                                    action_low=[-1.0, 0.0], action_high=[1.0, 3.0],
                                    key=jax.random.PRNGKey(0))
    grid = np.asarray(bandit_candidate_actions(env, points_per_dim=5))
    assert grid.shape == (25, 2)
    corners = {(-1.0, 0.0), (-1.0, 3.0), (1.0, 0.0), (1.0, 3.0)}
    assert corners <= {tuple(row) for row in grid.tolist()}


def test_bad_input_is_refused_with_what_is_allowed():
    box = _bandit("box")
    with pytest.raises(ValueError, match="points_per_dim must be >= 2"):
        bandit_candidate_actions(box, points_per_dim=1)
    wide = SyntheticContextualBandit([-1.0], [1.0],
                                     action_low=[-1.0] * 3, action_high=[1.0] * 3,
                                     key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="at most 4096"):
        optimal_bandit_policy(wide)
    with pytest.raises(TypeError, match="SyntheticContextualBandit"):
        optimal_bandit_policy(make("CartPole-v1"))


def test_shipped_cartpole_bandit_asks_for_a_balancing_policy():
    env = load_shipped("Synthetic-CartPole-v1")
    real = make("CartPole-v1")
    result = eqx.filter_jit(lambda e: evaluate(optimal_bandit_policy(e), real,
                                               jax.random.PRNGKey(0), 4))(env)
    # The real time limit: the shipped bandit rewards the actions that balance the pole.
    assert np.asarray(result.returns).tolist() == [500.0] * 4


class _LinearReward(eqx.Module):
    """CartPole reward `sign * (a1 - a0) * (angle + angular velocity)`: with `sign` 1 the
    argmax policy pushes the cart under the falling pole (balances), with -1 away from it."""

    sign: jax.Array

    def __call__(self, x):
        return self.sign * (x[5] - x[4]) * (x[2] + x[3])


def test_optimal_policy_return_ranks_a_population_without_training():
    real = make("CartPole-v1")
    bandit = SyntheticContextualBandit.for_environment(real, hidden_size=8,
                                                       key=jax.random.PRNGKey(0))
    bandit = eqx.tree_at(lambda e: e.reward_net, bandit, _LinearReward(jnp.asarray(1.0)))
    # A population of two: the balancing reward and its negation.
    population = eqx.tree_at(lambda e: e.reward_net.sign, bandit, jnp.asarray([1.0, -1.0]))
    population = eqx.tree_at(
        lambda e: e.init_net, population,
        jax.tree.map(lambda x: jnp.stack([x, x]) if eqx.is_array(x) else x, bandit.init_net))
    inner = InnerLoop(make_agent("dqn", **TINY_DQN), objective=OptimalPolicyReturn())
    key = jax.random.PRNGKey(1)
    scores = inner.population_fitness(population, real, jnp.asarray(0), key, 4)
    assert scores.shape == (2,)
    assert float(scores[0]) > 400 and float(scores[1]) < 50
    # The objective is the mean real return of optimal_bandit_policy, no agent involved.
    direct = OptimalPolicyReturn()(None, bandit, real, key, 4)
    expected = evaluate(optimal_bandit_policy(bandit), real, key, 4).returns.mean()
    assert float(direct) == float(expected)
    # A softmax policy at a tiny temperature acts like the argmax one; at a huge one it acts
    # at random, and the balancing reward no longer helps.
    assert float(OptimalPolicyReturn(temperature=1e-4)(None, bandit, real, key, 4)) > 400
    assert float(OptimalPolicyReturn(temperature=1e4)(None, bandit, real, key, 4)) < 100


def test_optimal_policy_return_rejects_bad_settings():
    with pytest.raises(ValueError, match="points_per_dim must be >= 2, got 1"):
        OptimalPolicyReturn(points_per_dim=1)
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0, got -1"):
        OptimalPolicyReturn(temperature=-1.0)


class _Spread(eqx.Module):
    """An initial-state network that scales its Gaussian latent: resets spread by `scale`."""

    scale: jax.Array

    def __call__(self, z):
        return self.scale * z


def test_nearest_state_policy_needs_resets_that_cover_the_real_states():
    real = make("CartPole-v1")
    bandit = SyntheticContextualBandit.for_environment(real, hidden_size=8,
                                                       key=jax.random.PRNGKey(0))
    bandit = eqx.tree_at(lambda e: e.reward_net, bandit, _LinearReward(jnp.asarray(1.0)))
    key = jax.random.PRNGKey(2)
    objective = OptimalPolicyReturn(num_states=256)

    def score(scale):
        env = eqx.tree_at(lambda e: e.init_net, bandit, _Spread(jnp.asarray(scale)))
        return float(objective(None, env, real, key, 4))

    # Resets spread over CartPole's states: the policy learned at them balances; resets all at
    # one state: one action everywhere, and the pole falls at once.
    assert score(0.1) > 400
    assert score(0.0) < 20
    with pytest.raises(ValueError, match="num_states must be None or >= 1, got 0"):
        OptimalPolicyReturn(num_states=0)


class _Pump(eqx.Module):
    """MountainCarContinuous: reward for pushing along the velocity (`sign` 1; forward when at
    rest), which pumps the car up the hill, or against it (`sign` -1). Input `[position,
    velocity, action]`."""

    sign: float = eqx.field(static=True)

    def __call__(self, x):
        return -((x[2] - self.sign * jnp.tanh(200.0 * x[1] + 2.0)) ** 2)


class _Uniform(eqx.Module):
    """Resets spread over MountainCarContinuous's positions and velocities."""

    def __call__(self, z):
        return jnp.stack([-0.3 + 0.9 * jnp.tanh(z[0]), 0.07 * jnp.tanh(z[1])])


def test_true_critic_return_trains_an_actor_on_the_bandits_reward():
    real = make("MountainCarContinuous-v0")
    bandit = SyntheticContextualBandit.for_environment(real, hidden_size=8,
                                                       key=jax.random.PRNGKey(0))
    bandit = eqx.tree_at(lambda e: e.init_net, bandit, _Uniform())
    objective = TrueCriticReturn(steps=1000, batch_size=64, hidden_size=16)
    key = jax.random.PRNGKey(3)

    def score(sign):
        env = eqx.tree_at(lambda e: e.reward_net, bandit, _Pump(sign))
        return float(eqx.filter_jit(objective)(None, env, real, key, 2))

    # The actor learns the pumping policy from the reward alone and reaches the goal (+100 less
    # the action cost); pushing against the velocity never gets there.
    assert score(1.0) > 80
    assert score(-1.0) < 0
    # Two actors, each from its own initialisation, score their mean.
    two = TrueCriticReturn(steps=1000, batch_size=64, hidden_size=16, num_actors=2)
    assert float(eqx.filter_jit(two)(None, eqx.tree_at(lambda e: e.reward_net, bandit,
                                                       _Pump(1.0)), real, key, 2)) > 80


def test_true_critic_return_rejects_what_it_cannot_score():
    with pytest.raises(ValueError, match="steps must be an integer >= 1, got 0"):
        TrueCriticReturn(steps=0)
    with pytest.raises(ValueError, match="num_actors must be an integer >= 1, got 0"):
        TrueCriticReturn(num_actors=0)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0, got nan"):
        TrueCriticReturn(learning_rate=float("nan"))
    real = make("CartPole-v1")
    discrete = SyntheticContextualBandit.for_environment(real, hidden_size=8,
                                                         key=jax.random.PRNGKey(0))
    with pytest.raises(TypeError, match="needs Box actions; this bandit's are discrete"):
        TrueCriticReturn()(None, discrete, real, jax.random.PRNGKey(0), 2)
    with pytest.raises(TypeError, match="SyntheticContextualBandit, got GymnaxEnvironment"):
        TrueCriticReturn()(None, real, real, jax.random.PRNGKey(0), 2)
