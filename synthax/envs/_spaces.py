"""Spaces of synthetic environments: static bounds taken from a real environment's spaces."""

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from gymnax.environments import spaces

from .base import AbstractEnvironment


def bounds(values: Any, size: int) -> tuple[float, ...]:
    """`values` broadcast to `size` floats (a hashable, static tuple)."""
    array = np.broadcast_to(np.asarray(values, dtype=np.float64), (size,))
    return tuple(float(v) for v in array)


def checked_spaces(observation_low, observation_high, num_actions, action_low, action_high):
    """Validated static space arguments of a synthetic environment.

    **Returns:** `(observation_low, observation_high, num_actions, action_low, action_high,
    action_dim)` with bounds as float tuples; `action_dim` is the size of the action's network
    encoding (`num_actions` one-hot entries, or the `Box` size).

    **Raises:** `ValueError` when neither or both of `num_actions` and the action bounds are
    given, `num_actions < 1`, a bound is NaN, or `low > high` anywhere.
    """
    obs_dim = len(np.atleast_1d(np.asarray(observation_low)))
    obs_low, obs_high = bounds(observation_low, obs_dim), bounds(observation_high, obs_dim)
    if any(math.isnan(b) for b in (*obs_low, *obs_high)):
        raise ValueError("observation bounds must not be NaN")
    if any(lo > hi for lo, hi in zip(obs_low, obs_high)):
        raise ValueError("observation_low must be <= observation_high in every dimension")
    if (num_actions is None) == (action_low is None or action_high is None):
        raise ValueError(
            "give either num_actions (Discrete actions) or action_low and action_high "
            "(Box actions), not both and not neither"
        )
    if num_actions is not None:
        if int(num_actions) < 1:
            raise ValueError(f"num_actions must be >= 1, got {num_actions}")
        return obs_low, obs_high, int(num_actions), None, None, int(num_actions)
    action_dim = len(np.atleast_1d(np.asarray(action_low)))
    act_low, act_high = bounds(action_low, action_dim), bounds(action_high, action_dim)
    if any(math.isnan(b) for b in (*act_low, *act_high)):
        raise ValueError("action bounds must not be NaN")
    if any(lo > hi for lo, hi in zip(act_low, act_high)):
        raise ValueError("action_low must be <= action_high in every dimension")
    return obs_low, obs_high, None, act_low, act_high, action_dim


def space_arguments(env: AbstractEnvironment) -> dict[str, Any]:
    """`observation_low`, `observation_high` and either `num_actions` or `action_low` and
    `action_high` of `env`'s spaces, flattened, as synthetic environments' constructors take
    them."""
    obs_space = env.observation_space
    act_space = env.action_space
    shape = obs_space.shape
    arguments = {
        "observation_low": np.broadcast_to(np.asarray(obs_space.low, np.float64), shape).ravel(),
        "observation_high": np.broadcast_to(np.asarray(obs_space.high, np.float64), shape).ravel(),
    }
    if isinstance(act_space, spaces.Discrete):
        arguments["num_actions"] = int(act_space.n)
    else:
        shape = act_space.shape
        arguments["action_low"] = np.broadcast_to(np.asarray(act_space.low), shape).ravel()
        arguments["action_high"] = np.broadcast_to(np.asarray(act_space.high), shape).ravel()
    return arguments


def box(
    low: tuple[float, ...], high: tuple[float, ...], clip_to_float32: bool = True
) -> spaces.Box:
    """A float32 gymnax `Box` with NumPy bounds (static under `jit`). Observation spaces clip
    infinite bounds to float32's range; action spaces keep them (`clip_to_float32=False`), so
    agents that need finite action bounds can tell."""
    low_array = np.asarray(low, np.float64)
    high_array = np.asarray(high, np.float64)
    if clip_to_float32:
        f32 = np.finfo(np.float32)
        low_array = np.clip(low_array, f32.min, f32.max)
        high_array = np.clip(high_array, f32.min, f32.max)
    low_array, high_array = low_array.astype(np.float32), high_array.astype(np.float32)
    return spaces.Box(low_array, high_array, low_array.shape, jnp.float32)


def encode_action(action: Any, num_actions: int | None, action_low, action_high) -> jnp.ndarray:
    """A network input for `action`: one-hot (float32 `(num_actions,)`) for discrete actions
    (an integer index; a `bool` is read as 0 or 1; an index outside `[0, num_actions)` encodes
    as all zeros, unchecked: the gymnax adapter [`ToGymnax`][synthax.envs.ToGymnax] checks
    them), the action clipped to its bounds (float32 `(action_dim,)`) for `Box` ones."""
    if num_actions is not None:
        action = jnp.asarray(action)
        if action.dtype == jnp.bool_:
            action = action.astype(jnp.int32)
        return jax.nn.one_hot(action, num_actions)
    low = np.asarray(action_low, np.float32)
    high = np.asarray(action_high, np.float32)
    return jnp.clip(jnp.reshape(jnp.asarray(action, jnp.float32), low.shape), low, high)


class SpacesFromBounds(AbstractEnvironment):
    """Base of synthetic environments whose spaces are static bounds copied from a real one
    (`SyntheticContextualBandit`, `SyntheticMDP`): the five static space fields, their
    validation, the network encoding of actions and the two space properties."""

    observation_low: tuple[float, ...] = eqx.field(static=True)
    observation_high: tuple[float, ...] = eqx.field(static=True)
    num_actions: int | None = eqx.field(static=True)
    action_low: tuple[float, ...] | None = eqx.field(static=True)
    action_high: tuple[float, ...] | None = eqx.field(static=True)

    def _set_spaces(self, observation_low, observation_high, num_actions, action_low,
                    action_high) -> int:
        """Validate and store the space arguments (in `__init__`); returns the size of the
        action's network encoding. **Raises:** as `checked_spaces`."""
        (self.observation_low, self.observation_high, self.num_actions, self.action_low,
         self.action_high, action_dim) = checked_spaces(
            observation_low, observation_high, num_actions, action_low, action_high)
        return action_dim

    def _space_config(self) -> dict[str, Any]:
        """The space arguments, JSON-serialisable (for `config`)."""
        return {
            "observation_low": list(self.observation_low),
            "observation_high": list(self.observation_high),
            "num_actions": self.num_actions,
            "action_low": None if self.action_low is None else list(self.action_low),
            "action_high": None if self.action_high is None else list(self.action_high),
        }

    def _encode_action(self, action: Any) -> jnp.ndarray:
        return encode_action(action, self.num_actions, self.action_low, self.action_high)

    @property
    def observation_space(self) -> spaces.Box:
        return box(self.observation_low, self.observation_high)

    @property
    def action_space(self) -> spaces.Discrete | spaces.Box:
        if self.num_actions is not None:
            return spaces.Discrete(self.num_actions)
        return box(self.action_low, self.action_high, clip_to_float32=False)
