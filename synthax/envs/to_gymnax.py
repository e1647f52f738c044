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

    **Discrete actions** are integer indices in `[0, n)`; a `bool` is read as 0 or 1 (as
    gymnax does), and a float that holds a whole number in range as that index. Any other
    action (out of range, fractional, NaN) raises an error when the step runs
    (`eqx.error_if`; under `jax.jit` an `EqxRuntimeError`) instead of giving a plausible
    reward. `Box` actions are clipped to the action space by the environment.
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
        module = self._module(params)
        obs, state, reward, terminated, truncated, info = module.step(
            key, state, self._checked_action(module, action)
        )
        info = {**info, "terminated": terminated, "truncated": truncated}
        return obs, state, reward, terminated, truncated, info

    def _checked_action(self, module: AbstractEnvironment, action):
        """A discrete action as an int32 index, or an error for one that is not a valid index
        (see the class docstring); other actions unchanged."""
        space = module.action_space
        if not isinstance(space, spaces.Discrete):
            return action
        action = jnp.asarray(action)
        if action.dtype == jnp.bool_:
            return action.astype(jnp.int32)
        valid = (action >= 0) & (action < space.n)
        if jnp.issubdtype(action.dtype, jnp.floating):
            valid = valid & (action == jnp.round(action))
        elif not jnp.issubdtype(action.dtype, jnp.integer):
            raise TypeError(f"{self._name}: a discrete action is an integer index, got dtype "
                            f"{action.dtype}")
        action = eqx.error_if(
            action, ~valid, f"{self._name}: a discrete action is an integer index in "
            f"[0, {space.n}) (or a bool); got one out of range, fractional or NaN"
        )
        return action.astype(jnp.int32)

    def step_env(self, key, state, action, params: SynthaxEnvParams):
        module = self._module(params)
        obs, state, reward, terminated, _, info = module.transition(
            key, state, self._checked_action(module, action)
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
