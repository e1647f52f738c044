"""Interaction of an agent with `num_envs` copies of an environment (shared by all agents)."""

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from synthax.envs import AbstractEnvironment


class EnvBatch(eqx.Module):
    """`num_envs` running environments: their states, current observations (flattened,
    float32 `(num_envs, obs_dim)`) and the running undiscounted return of each episode."""

    env_state: object
    obs: Float[Array, "num_envs obs_dim"]
    episode_return: Float[Array, " num_envs"]


def reset_batch(env: AbstractEnvironment, key: PRNGKeyArray, num_envs: int) -> EnvBatch:
    """Reset `num_envs` environments."""
    obs, state = jax.vmap(env.reset)(jax.random.split(key, num_envs))
    return EnvBatch(state, obs.reshape(num_envs, -1), jnp.zeros(num_envs))


def step_batch(
    env: AbstractEnvironment, batch: EnvBatch, action: Array, key: PRNGKeyArray
) -> tuple[EnvBatch, dict[str, Array]]:
    """Step every environment once (with automatic reset).

    **Arguments:** `env`; `batch`; `action`, shape `(num_envs,)` (int32) or
    `(num_envs, action_dim)` (float32, already clipped); `key`.

    **Returns:** the new batch and the transitions, each with leading dimension `num_envs`:
    `obs`, `action`, `reward`, `next_obs` (the observation the action led to, before any reset:
    bootstrap from it on truncation), `terminated`, `done` (terminated or truncated) and
    `episode_return` (the return of episodes that ended at this step, else 0).
    """
    num_envs = batch.obs.shape[0]
    next_obs, env_state, reward, terminated, truncated, info = jax.vmap(env.step)(
        jax.random.split(key, num_envs), batch.env_state, action
    )
    done = jnp.logical_or(terminated, truncated)
    ep_ret = batch.episode_return + reward
    transition = {
        "obs": batch.obs,
        "action": action,
        "reward": reward,
        "next_obs": info["final_observation"].reshape(num_envs, -1),
        "terminated": terminated,
        "done": done,
        "episode_return": jnp.where(done, ep_ret, 0.0),
    }
    new = EnvBatch(env_state, next_obs.reshape(num_envs, -1), jnp.where(done, 0.0, ep_ret))
    return new, transition


def mean_episode_return(done: Array, episode_return: Array) -> Float[Array, ""]:
    """Mean return of the episodes that ended (`done`), NaN if none did."""
    num_done = jnp.sum(done)
    return jnp.where(
        num_done > 0, jnp.sum(episode_return) / jnp.maximum(num_done, 1), jnp.nan
    )
