"""Fitness of a synthetic environment: train an agent in it, evaluate the agent in the real one.

Liesen et al. (2024), arXiv:2406.12589, Eq. 1: the meta-objective is the expected real-environment
return of an agent trained for a fixed budget in the synthetic environment.
"""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from synthax.agents import AbstractAgent
from synthax.envs import AbstractEnvironment
from synthax.evaluation import evaluate


def train_and_evaluate(
    agent: AbstractAgent,
    train_env: AbstractEnvironment,
    eval_env: AbstractEnvironment,
    key: PRNGKeyArray,
    num_eval_episodes: int = 16,
) -> Float[Array, " num_eval_episodes"]:
    """Train `agent` from scratch on `train_env`, then roll its policy out in `eval_env`.

    **Arguments:** `agent`; `train_env` (synthetic or real); `eval_env` (the real environment);
    `key`; `num_eval_episodes` (static).

    **Returns:** float32 `(num_eval_episodes,)` undiscounted returns in `eval_env`.
    """
    k_train, k_eval = jax.random.split(key)
    policy, _ = agent.train(train_env, k_train)
    return evaluate(policy, eval_env, k_eval, num_eval_episodes).returns


def fitness(
    agent: AbstractAgent,
    synthetic_env: AbstractEnvironment,
    real_env: AbstractEnvironment,
    key: PRNGKeyArray,
    num_eval_episodes: int = 16,
) -> Float[Array, ""]:
    """Mean real-environment return of `agent` trained on `synthetic_env` (higher is better).

    **Returns:** a float32 scalar. Pass the same `key` to every population member for common
    random numbers.
    """
    returns = train_and_evaluate(agent, synthetic_env, real_env, key, num_eval_episodes)
    return jnp.mean(returns)
