"""The optimal policy of a synthetic contextual bandit: what its reward network asks agents to do.

A contextual bandit's state never changes within an episode, so its optimal policy picks, in
each observation, the action of highest reward: `pi*(s) = argmax_a r(s, a)` (Sutton & Barto,
*Reinforcement Learning: An Introduction*, 2nd ed., 2018, section 2.9). An agent that solves the
bandit acts like `pi*`, so `pi*`'s return in the real environment is what the bandit's reward
network encodes, apart from how well agents learn it: a diagnostic that needs no agent training.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from synthax.envs.synthetic_bandit import SyntheticContextualBandit

MAX_CANDIDATES = 4096


def bandit_candidate_actions(env: SyntheticContextualBandit, points_per_dim: int = 41) -> Array:
    """The actions among which [`optimal_bandit_policy`][synthax.evaluation.optimal_bandit_policy]
    chooses.

    **Arguments:** `env`; `points_per_dim`, the grid size per `Box` action dimension (ignored
    for discrete actions).

    **Returns:** int32 `(num_actions,)` (every action) for a discrete action space, or float32
    `(points_per_dim ** action_dim, action_dim)`, the evenly spaced grid from `action_low` to
    `action_high` (both included), for a `Box` one.

    **Raises:** `TypeError` if `env` is not a `SyntheticContextualBandit`; `ValueError` if
    `points_per_dim < 2`, if a `Box` bound is infinite, or if the grid would have more than
    4096 actions.
    """
    if not isinstance(env, SyntheticContextualBandit):
        raise TypeError(f"expected a SyntheticContextualBandit, got {type(env).__name__}")
    if env.num_actions is not None:
        return jnp.arange(env.num_actions, dtype=jnp.int32)
    if points_per_dim < 2:
        raise ValueError(f"points_per_dim must be >= 2, got {points_per_dim}")
    low = np.asarray(env.action_low, np.float32)
    high = np.asarray(env.action_high, np.float32)
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise ValueError("a grid of Box actions needs finite action bounds, got "
                         f"low={env.action_low}, high={env.action_high}")
    if points_per_dim ** low.size > MAX_CANDIDATES:
        raise ValueError(f"{points_per_dim} points per dimension over {low.size} action "
                         f"dimensions is {points_per_dim ** low.size} actions; at most "
                         f"{MAX_CANDIDATES} are allowed, so lower points_per_dim")
    axes = [np.linspace(lo, hi, points_per_dim, dtype=np.float32) for lo, hi in zip(low, high)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, low.size)
    return jnp.asarray(grid)


def optimal_bandit_policy(
    env: SyntheticContextualBandit, points_per_dim: int = 41
) -> Callable[[Float[Array, " obs_dim"], PRNGKeyArray], Array]:
    """The bandit's optimal policy `pi*(s) = argmax_a r(s, a)` over its candidate actions.

    **Arguments:** `env`, a synthetic contextual bandit; `points_per_dim`, as for
    [`bandit_candidate_actions`][synthax.evaluation.bandit_candidate_actions] (exact for
    discrete actions, a grid search for `Box` ones).

    **Returns:** `policy(obs, key) -> action` for [`evaluate`][synthax.evaluation.evaluate]:
    `obs` float32 `(obs_dim,)`; the action is an int32 scalar (discrete) or float32
    `(action_dim,)` (`Box`); the key is unused (the policy is deterministic; ties go to the
    first candidate).

    **Raises:** as `bandit_candidate_actions`.
    """
    candidates = bandit_candidate_actions(env, points_per_dim)

    def policy(obs: Float[Array, " obs_dim"], key: PRNGKeyArray) -> Array:
        del key
        rewards = jax.vmap(lambda action: env.reward(obs, action))(candidates)
        return candidates[jnp.argmax(rewards)]

    return policy
