"""`WeightedSum`: several objectives scored as one (e.g. PPO agents' real return and the true
critic's), with your own objective classes too, inside a population's fitness."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import make_agent
from synthax.envs import SyntheticContextualBandit, make
from synthax.meta import (
    ConfigError,
    FinalReturn,
    InnerLoop,
    MetaLearnConfig,
    TrueCriticReturn,
    WeightedSum,
)
from synthax.meta.run import build_learner

from .conftest import TINY_PPO


class _KeyValue(eqx.Module):
    """A user's own objective: `scale` times a uniform draw from the key it is given."""

    scale: float

    def __call__(self, agent, train_env, real_env, key, num_eval_episodes):
        return self.scale * jax.random.uniform(key)


def test_weighted_sum_adds_its_objectives_each_with_its_own_key():
    first, second = _KeyValue(1.0), _KeyValue(10.0)
    real = make("Pendulum-v1")
    key = jax.random.PRNGKey(0)
    total = eqx.filter_jit(WeightedSum((first, second), (0.25, 0.75)))(None, real, real, key, 2)
    k1, k2 = jax.random.split(key)
    expected = 0.25 * first(None, real, real, k1, 2) + 0.75 * second(None, real, real, k2, 2)
    assert np.isclose(float(total), float(expected))
    # The same objective twice, weight 1 each: two different draws, not one doubled.
    twice = WeightedSum((first, first), (1.0, 1.0))(None, real, real, key, 2)
    assert not np.isclose(float(twice), 2 * float(first(None, real, real, k1, 2)))


def test_weighted_sum_rejects_bad_weights():
    with pytest.raises(ValueError, match="objectives must hold at least one objective"):
        WeightedSum((), ())
    with pytest.raises(ValueError, match=r"one number per objective \(2\), got \(1.0,\)"):
        WeightedSum((_KeyValue(1.0), _KeyValue(2.0)), (1.0,))
    with pytest.raises(ValueError, match="weights must be finite numbers, got"):
        WeightedSum((_KeyValue(1.0),), (float("nan"),))


def test_agents_and_true_critic_score_a_population_together():
    real = make("Pendulum-v1")
    bandit = SyntheticContextualBandit.for_environment(real, hidden_size=8,
                                                       key=jax.random.PRNGKey(0))
    population = jax.tree.map(lambda x: jnp.stack([x, x + 0.1]) if eqx.is_inexact_array(x)
                              else x, bandit)
    critic = TrueCriticReturn(steps=2, batch_size=4, hidden_size=8)
    key = jax.random.PRNGKey(1)

    def scores(weights):
        inner = InnerLoop(make_agent("ppo", **TINY_PPO),
                          objective=WeightedSum((FinalReturn(), critic), weights))
        return eqx.filter_jit(inner.population_fitness)(population, real, jnp.asarray(0), key,
                                                        2, 2)

    both = scores((0.5, 0.5))
    assert both.shape == (2,) and bool(jnp.all(jnp.isfinite(both)))
    # Pendulum's returns are negative; so is their mean.
    assert bool(jnp.all(both < 0))
    # Each member's score is the weighted sum of what each objective alone gives it (the same
    # agents, draws and keys), through num_rollouts and the population's vmap.
    agents_only, critic_only = scores((1.0, 0.0)), scores((0.0, 1.0))
    assert np.allclose(both, 0.5 * agents_only + 0.5 * critic_only, rtol=1e-5)
    assert not np.allclose(agents_only, critic_only)


def test_final_and_true_critic_return_config():
    base = dict(env_id="Pendulum-v1", agents=["ppo"], objective="final_and_true_critic_return")
    config = MetaLearnConfig(**base, objective_kwargs={"true_critic_weight": 0.25, "steps": 3})
    built = config.build_objective()
    assert type(built) is WeightedSum
    assert [type(o) for o in built.objectives] == [FinalReturn, TrueCriticReturn]
    assert built.weights == (0.75, 0.25) and built.objectives[1].steps == 3
    assert MetaLearnConfig(**base).build_objective().weights == (0.5, 0.5)
    with pytest.raises(ConfigError, match=r"objective_kwargs: true_critic_weight must be a "
                                          r"number in \[0, 1\], got 2"):
        MetaLearnConfig(**base, objective_kwargs={"true_critic_weight": 2})
    with pytest.raises(ConfigError, match="true_critic_weight must be a number in"):
        MetaLearnConfig(**base, objective_kwargs={"true_critic_weight": True})
    with pytest.raises(ConfigError, match="objective_kwargs: steps must be an integer >= 1"):
        MetaLearnConfig(**base, objective_kwargs={"steps": 0})
    with pytest.raises(ConfigError, match="'final_and_true_critic_return' scores a bandit"):
        MetaLearnConfig(**base, environment="mdp")
    with pytest.raises(ConfigError, match="'final_and_true_critic_return' needs Box actions; "
                                          "CartPole-v1's are discrete"):
        build_learner(MetaLearnConfig(**{**base, "env_id": "CartPole-v1"}))
