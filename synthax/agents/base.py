"""The agent interface."""

import abc
from typing import Any

import equinox as eqx
from jaxtyping import PRNGKeyArray

from synthax.envs import AbstractEnvironment
from synthax.loops import filter_scan

from ._fields import check_off_policy_sizes


class AbstractAgent(eqx.Module):
    """A reinforcement-learning algorithm as a pytree.

    Hyperparameters that are numbers are array fields, so `eqx.filter_vmap` over a stack of
    agents trains many configurations in one compiled program; sizes are static fields.

    Subclasses implement `init`, `update` (one iteration), `policy` and `num_iterations`;
    `train` scans `update` over all iterations, and
    [`learning_curve`][synthax.evaluation.learning_curve] scans it in segments.
    """

    @abc.abstractmethod
    def init(self, env: AbstractEnvironment, key: PRNGKeyArray) -> Any:
        """The training state before the first iteration (networks, optimiser, environments)."""

    @abc.abstractmethod
    def update(self, env: AbstractEnvironment, state: Any) -> tuple[Any, dict[str, Any]]:
        """One iteration: the new state and a dict of scalar metrics."""

    @abc.abstractmethod
    def policy(self, state: Any) -> Any:
        """The policy of a training state (what `train` returns and evaluation runs): a module
        called as `policy(obs, key) -> action`, e.g. a [`Policy`][synthax.agents.Policy]."""

    @property
    @abc.abstractmethod
    def num_iterations(self) -> int:
        """Iterations of `update` in `total_timesteps` environment steps."""

    def train(
        self, env: AbstractEnvironment, key: PRNGKeyArray
    ) -> tuple[Any, dict[str, Any]]:
        """Train from scratch on `env` (real or synthetic) for `total_timesteps` steps.

        **Returns:** the final policy (`policy` of the last state) and the metrics of every
        iteration, each an array of shape `(num_iterations,)`.

        **Raises:** `ValueError` as the agent's `init` (e.g. an action space it cannot handle).
        """
        state = self.init(env, key)
        state, metrics = filter_scan(lambda s, _: self.update(env, s), state, None,
                                     self.num_iterations)
        return self.policy(state), metrics


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
