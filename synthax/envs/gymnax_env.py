"""Adapter from a gymnax environment `(env, params)` to the synthax interface."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp
from gymnax.environments import environment, spaces
from jaxtyping import Array, PRNGKeyArray

from .base import AbstractEnvironment, Observation, StepResult


class GymnaxEnvironment(AbstractEnvironment):
    """A gymnax 1.x environment seen through the synthax interface.

    **Arguments:**

    - `env`: a `gymnax.environments.environment.Environment` (held as static data).
    - `params`: its `EnvParams` (a pytree, so it may be vmapped or changed with `eqx.tree_at`).

    `terminated` and `truncated` come straight from gymnax 1.x, which keeps them apart.
    """

    env: environment.Environment = eqx.field(static=True)
    params: Any

    def __check_init__(self):
        if not isinstance(self.env, environment.Environment):
            raise TypeError(
                f"GymnaxEnvironment needs a gymnax Environment, got {type(self.env).__name__}"
            )

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, Any]:
        obs, state = self.env.reset_env(key, self.params)
        return jnp.asarray(obs, jnp.float32), state

    def transition(self, key: PRNGKeyArray, state: Any, action: Array) -> StepResult:
        obs, state, reward, terminated, info = self.env.step_env(key, state, action, self.params)
        truncated = jnp.logical_and(
            jnp.logical_not(terminated), self.env.is_truncated(state, self.params)
        )
        return (
            jnp.asarray(obs, jnp.float32),
            state,
            jnp.asarray(reward, jnp.float32),
            jnp.asarray(terminated, bool),
            jnp.asarray(truncated, bool),
            {},
        )

    @property
    def observation_space(self) -> spaces.Box:
        return self.env.observation_space(self.params)

    @property
    def action_space(self) -> spaces.Discrete | spaces.Box:
        return self.env.action_space(self.params)

    @property
    def max_steps_in_episode(self) -> int:
        return int(self.params.max_steps_in_episode)
