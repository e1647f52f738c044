"""Learning curves: evaluate an agent in the real environment while it trains anywhere.

The efficiency measures of Ferreira et al. (2022, arXiv:2202.02790, Section 5): how many agent
steps an environment (real, synthetic or with a reward network) needs before the agent's policy
solves the *real* task.
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment
from synthax.loops import filter_scan

from .rollout import evaluate


class LearningCurve(eqx.Module):
    """Real-environment returns measured during training.

    **Fields:** `steps`, int32 `(num_points,)`: agent steps (environment transitions in the
    training environment) taken before each evaluation; `returns`, float32
    `(num_points, num_episodes)`: undiscounted real returns of the policy at that point.
    Curves of vmapped runs carry the same leading batch axes on both fields.
    """

    steps: Int[Array, "*batch num_points"]
    returns: Float[Array, "*batch num_points num_episodes"]

    @property
    def mean_returns(self) -> Float[Array, "*batch num_points"]:
        """Mean real return at each point."""
        return jnp.mean(self.returns, axis=-1)


def steps_per_iteration(agent: Any) -> int:
    """Environment steps one `agent.update` takes: `total_timesteps // num_iterations`."""
    return int(agent.total_timesteps) // int(agent.num_iterations)


def learning_curve(
    agent: Any,
    train_env: AbstractEnvironment,
    eval_env: AbstractEnvironment,
    key: PRNGKeyArray,
    num_points: int,
    num_eval_episodes: int = 10,
) -> LearningCurve:
    """Train `agent` on `train_env` for `total_timesteps`, evaluating its policy on `eval_env`
    `num_points` times at equal intervals (the last one at the end of training).

    **Arguments:** `agent`, any synthax agent (it needs `init`, `update`, `policy` and
    `num_iterations`); `train_env` (bound to the agent with `for_agent`, e.g. a reward
    network's discount); `eval_env`, usually the real environment; `key`; `num_points` and
    `num_eval_episodes` (static).

    **Returns:** a [`LearningCurve`][synthax.evaluation.LearningCurve]. Jittable and vmappable
    over keys or agents.

    **Raises:** `ValueError` if `num_points` is below 1 or does not divide the agent's
    `num_iterations` (the message lists the numbers that do).
    """
    iterations = int(agent.num_iterations)
    if num_points < 1 or iterations % num_points:
        divisors = [d for d in range(1, min(iterations, 200) + 1) if iterations % d == 0]
        raise ValueError(f"num_points must divide the agent's {iterations} iterations; got "
                         f"{num_points}, allowed e.g. {divisors}")
    chunk = iterations // num_points
    train_env = train_env.for_agent(agent)
    k_init, k_eval = jax.random.split(key)
    state = agent.init(train_env, k_init)

    def segment(state, k):
        state, _ = filter_scan(lambda s, _: agent.update(train_env, s), state, None, chunk)
        returns = evaluate(agent.policy(state), eval_env, k, num_eval_episodes).returns
        return state, returns

    _, returns = filter_scan(segment, state, jax.random.split(k_eval, num_points))
    steps = (jnp.arange(1, num_points + 1) * chunk * steps_per_iteration(agent)).astype(jnp.int32)
    return LearningCurve(steps=steps, returns=returns)


def steps_to_solve(
    curve: LearningCurve, threshold: float
) -> tuple[Bool[Array, "*batch"], Int[Array, "*batch"]]:
    """The first point at which the mean real return reaches `threshold`.

    **Arguments:** `curve` (possibly batched: leading axes before `num_points`); `threshold`,
    the real task's solved return (e.g. 475 for CartPole-v1, -100 for Acrobot-v1).

    **Returns:** `(solved, steps)`: bool and int32 arrays of the batch shape; `steps` is the
    agent steps taken by the first point that solves it, or the last point's steps if none does.
    """
    reached = curve.mean_returns >= threshold
    solved = jnp.any(reached, axis=-1)
    first = jnp.argmax(reached, axis=-1)
    steps = jnp.broadcast_to(curve.steps, reached.shape)
    last = steps[..., -1]
    at_first = jnp.take_along_axis(steps, first[..., None], axis=-1)[..., 0]
    return solved, jnp.where(solved, at_first, last)
