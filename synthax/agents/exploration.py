"""Epsilon-greedy exploration schedules shared by DQN, Q-learning and SARSA."""

import jax.numpy as jnp
from jaxtyping import Array, Float


def linear_epsilon(
    eps_start: Array, eps_end: Array, exploration_fraction: Array, total_timesteps: int,
    env_steps: Array,
) -> Float[Array, ""]:
    """Epsilon decayed linearly from `eps_start` to `eps_end` over the first
    `exploration_fraction * total_timesteps` environment steps, then held (Mnih et al. 2015,
    Methods: "annealed linearly ... and fixed thereafter").

    **Arguments:** float32 scalars `eps_start`, `eps_end`, `exploration_fraction`; the static
    `total_timesteps`; `env_steps`, the environment steps taken so far (all envs).

    **Returns:** a float32 scalar.
    """
    duration = jnp.maximum(exploration_fraction * total_timesteps, 1.0)
    frac = jnp.clip(env_steps / duration, 0.0, 1.0)
    return eps_start + frac * (eps_end - eps_start)
