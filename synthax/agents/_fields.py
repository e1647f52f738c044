"""Converters for agents' array hyperparameters, and the concrete bounds of a `Box` space."""

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from synthax.envs import AbstractEnvironment


def f32(x) -> Array:
    """A float32 array (hyperparameters stay arrays, so stacks of agents vmap)."""
    return jnp.asarray(x, jnp.float32)


def i32(x) -> Array:
    """An int32 array."""
    return jnp.asarray(x, jnp.int32)


def boolean(x) -> Array:
    """A bool array."""
    return jnp.asarray(x, bool)


def f32_or_inf(x) -> Array:
    """A float32 array; `None` becomes `inf` (e.g. no gradient clipping)."""
    return f32(jnp.inf if x is None else x)


def f32_or_nan(x) -> Array:
    """A float32 array; `None` becomes NaN (meaning "the agent's default for this space")."""
    return f32(jnp.nan if x is None else x)


def box_bounds(env: AbstractEnvironment) -> tuple[np.ndarray, np.ndarray]:
    """Flattened float32 NumPy `(low, high)` of `env`'s `Box` action space.

    Evaluated at trace time, so environments that build their spaces with `jnp` still give
    concrete bounds under `jit` (agents keep them as static fields).
    """
    with jax.ensure_compile_time_eval():
        space = env.action_space
        low = np.broadcast_to(np.asarray(space.low, np.float32), space.shape).ravel()
        high = np.broadcast_to(np.asarray(space.high, np.float32), space.shape).ravel()
    return low, high


OFF_POLICY_SIZES = ("total_timesteps", "num_envs", "buffer_size", "batch_size",
                    "gradient_steps", "hidden_size", "num_layers")


def check_off_policy_sizes(agent) -> None:
    """Validate the static sizes shared by the replay-buffer agents (DQN, SAC, DDPG, TD3).

    **Raises:** `ValueError` naming the offending field when a size is not positive, or when
    `total_timesteps` or `buffer_size` is smaller than `num_envs`.
    """
    name = type(agent).__name__
    for field in OFF_POLICY_SIZES:
        if getattr(agent, field) < 1:
            raise ValueError(f"{name}.{field} must be >= 1, got {getattr(agent, field)}")
    if agent.total_timesteps < agent.num_envs:
        raise ValueError(f"{name}: total_timesteps must be >= num_envs")
    if agent.buffer_size < agent.num_envs:
        raise ValueError(f"{name}: buffer_size must be >= num_envs")
