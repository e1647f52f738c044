"""Adapter from a synthax environment to the gymnax 1.x `Environment` API.

gymnax compiles `step` and `reset` with the environment object as a static (hashed) argument, so a
module holding arrays cannot be that object. The adapter keeps the module's static part on itself
and its arrays in `EnvParams`, as gymnax intends for anything that varies.
"""

from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from flax import struct
from gymnax.environments import environment, spaces

from .base import AbstractEnvironment


@struct.dataclass
class SynthaxEnvParams(environment.EnvParams):
    """gymnax parameters of an adapted synthax environment: its array leaves and time limit."""

    arrays: Any = None
    max_steps_in_episode: int | jax.Array = 1


class ToGymnax(environment.Environment):
    """Expose a synthax environment as a gymnax 1.x environment.

    **Arguments:**

    - `env`: any [`AbstractEnvironment`][synthax.envs.AbstractEnvironment].
    - `name`: the id reported by `env.name` (e.g. `"Synthetic-CartPole-v1"`).

    `gymnax.make` returns `(adapter, adapter.default_params)`; `step` returns gymnax 1.x's six
    values `(obs, state, reward, terminated, truncated, info)` and works under `jax.jit` and
    `jax.vmap`.
    """

    def __init__(self, env: AbstractEnvironment, name: str = "SynthaxEnvironment"):
        super().__init__()
        if not isinstance(env, AbstractEnvironment):
            raise TypeError(f"ToGymnax needs an AbstractEnvironment, got {type(env).__name__}")
        arrays, self._static = eqx.partition(env, eqx.is_array)
        self._arrays = arrays
        self._name = name
        self._max_steps = env.max_steps_in_episode

    def _module(self, params: SynthaxEnvParams) -> AbstractEnvironment:
        return eqx.combine(params.arrays, self._static)

    @property
    def default_params(self) -> SynthaxEnvParams:
        return SynthaxEnvParams(arrays=self._arrays, max_steps_in_episode=self._max_steps)

    @partial(jax.jit, static_argnames=("self",))
    def step(self, key, state, action, params: SynthaxEnvParams | None = None):
        """gymnax 1.x `step` with automatic reset; `terminated` and `truncated` are the synthax
        environment's own (a one-step bandit episode is terminated, never truncated)."""
        if params is None:
            params = self.default_params
        obs, state, reward, terminated, truncated, info = self._module(params).step(
            key, state, action
        )
        info = {**info, "terminated": terminated, "truncated": truncated}
        return obs, state, reward, terminated, truncated, info

    def step_env(self, key, state, action, params: SynthaxEnvParams):
        obs, state, reward, terminated, _, info = self._module(params).transition(
            key, state, action
        )
        return obs, state, reward, terminated, info

    def reset_env(self, key, params: SynthaxEnvParams):
        return self._module(params).reset(key)

    def is_terminated(self, state, params: SynthaxEnvParams):
        return jnp.asarray(state.time >= params.max_steps_in_episode)

    @property
    def name(self) -> str:
        return self._name

    @property
    def num_actions(self) -> int:
        module = self._module(self.default_params)
        return module.action_dim

    def action_space(self, params: SynthaxEnvParams | None = None):
        return self._module(params or self.default_params).action_space

    def observation_space(self, params: SynthaxEnvParams | None = None) -> spaces.Box:
        return self._module(params or self.default_params).observation_space
