"""Agents: reinforcement-learning algorithms as vmappable Equinox modules."""

from jaxtyping import PRNGKeyArray

from .base import AbstractAgent as AbstractAgent, AbstractOffPolicyAgent as AbstractOffPolicyAgent
from .buffer import ReplayBuffer as ReplayBuffer
from .ddpg import DDPG as DDPG, DDPGState as DDPGState, DeterministicPolicy as DeterministicPolicy
from .dqn import DQN as DQN, DQNState as DQNState, GreedyPolicy as GreedyPolicy
from .hyperparameters import (
    INNER_LOOP as INNER_LOOP,
    SEARCH_SPACES as SEARCH_SPACES,
    SearchSpace as SearchSpace,
    sample_from as sample_from,
    sample_hyperparameters as sample_hyperparameters,
)
from .policy import Policy as Policy
from .ppo import PPO as PPO, PPOState as PPOState
from .sac import SAC as SAC, SACPolicy as SACPolicy, SACState as SACState
from .tabular import (
    SARSA as SARSA,
    QLearning as QLearning,
    TabularGreedyPolicy as TabularGreedyPolicy,
    TabularState as TabularState,
)
from .td3 import TD3 as TD3, TD3State as TD3State

AGENTS: dict[str, type] = {"ppo": PPO, "dqn": DQN, "sac": SAC, "ddpg": DDPG, "td3": TD3,
                           "q_learning": QLearning, "sarsa": SARSA}


def agent_class(name: str) -> type:
    """The agent class called `name`.

    **Raises:** `KeyError` naming the allowed agents.
    """
    try:
        return AGENTS[name.lower()]
    except KeyError:
        raise KeyError(f"unknown agent {name!r}; allowed: {sorted(AGENTS)}") from None


def make_agent(name: str, **hyperparameters) -> AbstractAgent:
    """The agent called `name` (e.g. `"ppo"`), its defaults overridden by `hyperparameters`.

    **Raises:** `KeyError` naming the allowed agents; `TypeError` for unknown hyperparameters.
    """
    return agent_class(name)(**hyperparameters)


def sample_agent(name: str, key: PRNGKeyArray, **fixed) -> AbstractAgent:
    """An agent with hyperparameters drawn from its search space (`SEARCH_SPACES[name]`) and
    `fixed` sizes (e.g. `**INNER_LOOP[name]`).

    Traceable: `eqx.filter_vmap(lambda k: sample_agent("ppo", k, **fixed))(keys)` builds a
    stack of configurations that trains in one compiled program.
    """
    sampled = sample_hyperparameters(name, key)
    overlap = set(sampled) & set(fixed)
    if overlap:
        raise ValueError(f"{sorted(overlap)} are sampled; do not also fix them")
    return make_agent(name, **fixed, **sampled)
