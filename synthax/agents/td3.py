"""Twin Delayed DDPG (Fujimoto et al., 2018, arXiv:1802.09477, Algorithm 1).

DDPG (`synthax.agents.ddpg`, whose update loop TD3 reuses) with three changes:

- clipped double-Q learning: two critics, both regressed on
  `y = r + gamma * (1 - terminated) * min_i Q'_i(s', a')` (Eq. 10);
- delayed policy updates: the actor and all target networks are updated once every
  `policy_delay` critic updates (Section 5.2);
- target policy smoothing: `a' = clip(mu'(s') + clip(eps, -c, c), low, high)` with
  `eps ~ N(0, sigma^2)` (Eq. 14).

The actor ascends the first critic, `Q_1(s, mu(s))`.
"""

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from ._fields import f32, i32
from .ddpg import (
    DDPGState,
    DeterministicActorCritic,
    _bounds,
    clipped_gaussian_noise,
)
from .networks import DeterministicActor

TD3State = DDPGState
"""TD3 carries the same state as DDPG, with a stack of two critics."""


class TD3(DeterministicActorCritic):
    """TD3 with hyperparameters as arrays.

    **Array hyperparameters:** those of
    [`DeterministicActorCritic`][synthax.agents.ddpg.DeterministicActorCritic], plus
    `policy_noise` (`sigma`, std of the target-smoothing noise) and `noise_clip` (`c`), both as
    fractions of the action box's half-range (paper: 0.2 and 0.5), and `policy_delay` (int32,
    `d`, critic updates per actor and target update; paper: 2; values below 1 act as 1).

    **Static and raises:** as for DDPG.
    """

    num_critics: ClassVar[int] = 2

    policy_noise: Float[Array, ""] = eqx.field(converter=f32, default=0.2)
    noise_clip: Float[Array, ""] = eqx.field(converter=f32, default=0.5)
    policy_delay: Int[Array, ""] = eqx.field(converter=i32, default=2)

    def _target_action(
        self, target_actor: DeterministicActor, obs: Array, key: PRNGKeyArray
    ) -> Array:
        low, high, half_range = _bounds(target_actor)
        action = target_actor(obs)
        noise = clipped_gaussian_noise(
            key, action.shape, self.policy_noise, half_range, self.noise_clip
        )
        return jnp.clip(action + noise, low, high)

    def _actor_period(self) -> Array:
        return self.policy_delay
