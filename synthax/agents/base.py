"""The agent interface."""

import abc
from typing import Any

import equinox as eqx
from jaxtyping import PRNGKeyArray

from synthax.envs import AbstractEnvironment

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
