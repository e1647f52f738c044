"""A time limit that may be a traced value: the evaluation-horizon curriculum's environment."""

import dataclasses
from typing import Any

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Int, PRNGKeyArray

from .base import AbstractEnvironment, Observation, StepResult
from .brax_env import BraxEnvironment
from .gymnax_env import GymnaxEnvironment
from .wrapper import AbstractWrapper


def with_max_steps(env: AbstractEnvironment, max_steps: int) -> AbstractEnvironment:
    """`env` with its own time limit set to `max_steps` (a Python int).

    Gymnax and Brax environments take any limit (their `EnvParams.max_steps_in_episode`, or
    [`BraxEnvironment.time_limit`][synthax.envs.BraxEnvironment]); other environments can only
    keep or shorten theirs, through [`TimeLimit`][synthax.envs.TimeLimit].

    **Raises:** `ValueError` if `max_steps < 1`, or if it exceeds the limit of an environment that
    is not a [`GymnaxEnvironment`][synthax.envs.GymnaxEnvironment] or a
    [`BraxEnvironment`][synthax.envs.BraxEnvironment].
    """
    max_steps = int(max_steps)
    if max_steps < 1:
        raise ValueError(f"max_steps must be >= 1, got {max_steps}")
    if isinstance(env, GymnaxEnvironment):
        params = env.params.replace(max_steps_in_episode=max_steps)
        return GymnaxEnvironment(env.env, params)
    if isinstance(env, BraxEnvironment):
        return dataclasses.replace(env, time_limit=max_steps)
    if max_steps > env.max_steps_in_episode:
        raise ValueError(
            f"{type(env).__name__} has a time limit of {env.max_steps_in_episode} steps, which "
            f"only gymnax environments can raise; got max_steps={max_steps}"
        )
    return TimeLimit(env, max_steps, bound=env.max_steps_in_episode)


class TimeLimitState(eqx.Module):
    """The wrapped environment's state and the steps taken in this episode (int32)."""

    inner: Any
    time: Int[Array, ""]


class TimeLimit(AbstractWrapper):
    """Truncate episodes of `env` after `max_steps` steps, where `max_steps` may be traced.

    **Arguments:**

    - `env`: the wrapped environment; its own time limit still applies.
    - `max_steps`: int32 scalar (a traced value is fine, e.g. a curriculum over generations).
    - `bound`: a static upper bound on `max_steps` (default: `env.max_steps_in_episode`); it is
      this environment's `max_steps_in_episode`, so rollouts that need a static horizon use it.

    Truncation is as in gymnax 1.x: `truncated` is set when the limit is reached and the
    transition did not terminate.
    """

    env: AbstractEnvironment
    max_steps: Int[Array, ""]
    bound: int = eqx.field(static=True)

    def __init__(self, env: AbstractEnvironment, max_steps: Any, bound: int | None = None):
        self.env = env
        self.max_steps = jnp.asarray(max_steps, jnp.int32)
        self.bound = int(env.max_steps_in_episode if bound is None else bound)

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, TimeLimitState]:
        obs, state = self.env.reset(key)
        return obs, TimeLimitState(state, jnp.asarray(0, jnp.int32))

    def transition(self, key: PRNGKeyArray, state: TimeLimitState, action: Array) -> StepResult:
        obs, inner, reward, terminated, truncated, info = self.env.transition(
            key, state.inner, action
        )
        time = state.time + 1
        cut = jnp.logical_and(time >= self.max_steps, jnp.logical_not(terminated))
        return obs, TimeLimitState(inner, time), reward, terminated, truncated | cut, info

    @property
    def max_steps_in_episode(self) -> int:
        return self.bound
