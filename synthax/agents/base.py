"""The agent interface."""

import abc
from typing import Any

import equinox as eqx
from jaxtyping import PRNGKeyArray

from synthax.envs import AbstractEnvironment

from ._fields import check_off_policy_sizes
from .policy import Policy


class AbstractAgent(eqx.Module):
    """A reinforcement-learning algorithm as a pytree.

    Hyperparameters that are numbers are array fields, so `eqx.filter_vmap` over a stack of
    agents trains many configurations in one compiled program; sizes are static fields.
    """

    @abc.abstractmethod
    def train(
        self, env: AbstractEnvironment, key: PRNGKeyArray
    ) -> tuple[Policy, dict[str, Any]]:
        """Train from scratch on `env`.

        **Returns:** the final policy and a dict of per-iteration metric arrays.
        """

    # Agents also provide `init(env, key) -> state`, `update(env, state) -> (state, metrics)`
    # (one iteration), `policy(state)` and `num_iterations`; `train` scans `update`.


class AbstractOffPolicyAgent(AbstractAgent):
    """A replay-buffer agent (DQN, SAC, DDPG, TD3): each iteration steps every one of
    `num_envs` environments once, stores the transitions and takes `gradient_steps` updates.

    Subclasses define the static sizes named here; they are validated on construction.

    **Raises:** `ValueError` when a size is not positive or `total_timesteps` or `buffer_size`
    is smaller than `num_envs`.
    """

    total_timesteps: eqx.AbstractVar[int]
    num_envs: eqx.AbstractVar[int]
    buffer_size: eqx.AbstractVar[int]
    batch_size: eqx.AbstractVar[int]
    gradient_steps: eqx.AbstractVar[int]

    def __check_init__(self):
        check_off_policy_sizes(self)

    @property
    def num_iterations(self) -> int:
        """`total_timesteps // num_envs`."""
        return self.total_timesteps // self.num_envs
