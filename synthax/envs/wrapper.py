"""Environments that wrap another environment."""

from typing import Any

import equinox as eqx
from gymnax.environments import spaces

from .base import AbstractEnvironment


class AbstractWrapper(AbstractEnvironment):
    """An environment around another one, `env`, whose spaces and time limit it keeps.

    Subclasses declare the field `env` and implement `reset` and `transition`; `for_agent`
    passes the agent through to `env` (e.g. a wrapped reward network takes the agent's `gamma`).
    """

    env: eqx.AbstractVar[AbstractEnvironment]

    def for_agent(self, agent: Any) -> AbstractEnvironment:
        inner = self.env.for_agent(agent)
        if inner is self.env:
            return self
        return eqx.tree_at(lambda e: e.env, self, inner)

    @property
    def observation_space(self) -> spaces.Box:
        return self.env.observation_space

    @property
    def action_space(self) -> spaces.Discrete | spaces.Box:
        return self.env.action_space

    @property
    def max_steps_in_episode(self) -> int:
        return self.env.max_steps_in_episode
