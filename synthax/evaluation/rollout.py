"""Roll a policy out in an environment: episode returns and lengths, vmapped over episodes."""

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment


class EvalResult(eqx.Module):
    """Returns (float32 `(num_episodes,)`, undiscounted) and lengths (int32, steps)."""

    returns: Float[Array, " num_episodes"]
    lengths: Int[Array, " num_episodes"]


def evaluate(
    policy: Callable[[Array, PRNGKeyArray], Array],
    env: AbstractEnvironment,
    key: PRNGKeyArray,
    num_episodes: int = 16,
    max_steps: int | None = None,
) -> EvalResult:
    """Run `num_episodes` episodes of `policy` in `env` in parallel.

    **Arguments:**

    - `policy`: `policy(obs, key) -> action` (a [`Policy`][synthax.agents.Policy] acts
      deterministically by default).
    - `env`: the environment, usually the real one.
    - `key`: PRNG key.
    - `num_episodes`: number of parallel episodes (static).
    - `max_steps`: stop after this many steps (static); defaults to the environment's time limit.
      Episodes still running then are counted as they stand.

    **Returns:** an [`EvalResult`][synthax.evaluation.EvalResult]. The loop ends as soon as every
    episode has ended, so failing policies are evaluated quickly.

    **Raises:** `ValueError` if `num_episodes < 1` or `max_steps < 1`.
    """
    if num_episodes < 1:
        raise ValueError(f"num_episodes must be >= 1, got {num_episodes}")
    horizon = env.max_steps_in_episode if max_steps is None else int(max_steps)
    if horizon < 1:
        raise ValueError(f"max_steps must be >= 1, got {horizon}")
    k_reset, key = jax.random.split(key)
    obs, state = jax.vmap(env.reset)(jax.random.split(k_reset, num_episodes))

    def cond(carry):
        _, _, _, _, _, alive, t = carry
        return jnp.logical_and(t < horizon, jnp.any(alive))

    def body(carry):
        obs, state, key, returns, lengths, alive, t = carry
        key, k_act, k_env = jax.random.split(key, 3)
        action = jax.vmap(policy)(obs, jax.random.split(k_act, num_episodes))
        obs, state, reward, terminated, truncated, _ = jax.vmap(env.step)(
            jax.random.split(k_env, num_episodes), state, action
        )
        returns = returns + jnp.where(alive, reward, 0.0)
        lengths = lengths + alive.astype(jnp.int32)
        alive = jnp.logical_and(alive, jnp.logical_not(jnp.logical_or(terminated, truncated)))
        return obs, state, key, returns, lengths, alive, t + 1

    init = (
        obs, state, key, jnp.zeros(num_episodes), jnp.zeros(num_episodes, jnp.int32),
        jnp.ones(num_episodes, bool), jnp.asarray(0, jnp.int32),
    )
    _, _, _, returns, lengths, _, _ = jax.lax.while_loop(cond, body, init)
    return EvalResult(returns=returns, lengths=lengths)
