"""Agents: reinforcement-learning algorithms as vmappable Equinox modules."""

from .base import AbstractAgent as AbstractAgent
from .policy import Policy as Policy
from .ppo import PPO as PPO
from .ppo import PPOState as PPOState

AGENTS = {"ppo": PPO}


def make_agent(name: str, **hyperparameters) -> AbstractAgent:
    """The agent called `name` (e.g. `"ppo"`) with its default configuration.

    **Raises:** `KeyError` naming the allowed agents.
    """
    try:
        cls = AGENTS[name.lower()]
    except KeyError:
        raise KeyError(f"unknown agent {name!r}; allowed: {sorted(AGENTS)}") from None
    return cls(**hyperparameters)
