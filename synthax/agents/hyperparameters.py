"""Hyperparameter search spaces and named configurations for every agent.

`SEARCH_SPACES` covers the lists synthetic-gymnax samples from during meta-training (Liesen et
al. 2024, Appendix; its `config.yaml` files): each entry maps an agent's array field to the
values it is drawn from uniformly. Names follow synthax's fields: synthetic-gymnax's `ddqn` is
`double_q`, `fill_buffer` is `learning_starts`, `target_noise`/`target_noise_clip` are
`policy_noise`/`noise_clip`, and its `tau` (the fraction of the target network *kept*) becomes
our `tau = 1 - kept` (the weight of the online network). A key that is a tuple of fields (the
actor's and critic's learning rates) sets all of them to one draw.

`INNER_LOOP` holds the fixed sizes synthetic-gymnax uses in the 10k-step inner loop; `CONFIGS`
the named configurations that train each agent on real environments (see `docs/agents.md`).
"""

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

LEARNING_RATES = (1e-2, 5e-3, 1e-3, 5e-4, 1e-4)
GAMMAS = (1.0, 0.99, 0.95, 0.9, 0.8)
TAUS = tuple(round(1.0 - keep, 4) for keep in (0.99, 0.95, 0.9, 0.7, 0.8))

SEARCH_SPACES: dict[str, dict[str | tuple[str, ...], tuple]] = {
    "ppo": {
        "learning_rate": LEARNING_RATES,
        "gamma": GAMMAS,
        "gae_lambda": (1.0, 0.95, 0.9, 0.8, 0.5),
        "clip_eps": (0.1, 0.2, 0.3, 0.4, 0.5),
        "ent_coef": (0.0, 0.01, 0.05, 0.1, 0.5),
        "vf_coef": (0.0, 0.5, 1.0, 1.5, 2.0),
    },
    "dqn": {
        "learning_rate": LEARNING_RATES,
        "gamma": GAMMAS,
        "eps_end": (0.01, 0.05, 0.1, 0.2),
        "double_q": (True, False),
    },
    "sac": {
        "learning_rate": LEARNING_RATES,
        "gamma": GAMMAS,
        "tau": TAUS,
        "target_entropy_ratio": (0.1, 0.3, 0.5, 0.7, 0.9),
    },
    "ddpg": {
        ("actor_learning_rate", "critic_learning_rate"): LEARNING_RATES,
        "gamma": GAMMAS,
        "tau": TAUS,
        "exploration_noise": (0.1, 0.3, 0.5, 0.7, 0.9),
    },
    "td3": {
        ("actor_learning_rate", "critic_learning_rate"): LEARNING_RATES,
        "gamma": GAMMAS,
        "tau": TAUS,
        "exploration_noise": (0.1, 0.3, 0.5, 0.7, 0.9),
        "policy_noise": (0.1, 0.3, 0.5, 0.7, 0.9),
        "noise_clip": (0.1, 0.4, 0.7, 1.0, 1.3),
    },
    # Tabular agents (not in synthetic-gymnax): step sizes, discounts and final exploration rates in
    # the ranges of Sutton & Barto's Cliff Walking example (alpha 0.1-0.5, epsilon 0.1).
    "q_learning": {
        "learning_rate": (1.0, 0.5, 0.25, 0.1),
        "gamma": (1.0, 0.99, 0.95, 0.9),
        "eps_end": (0.01, 0.05, 0.1),
    },
    "sarsa": {  # without 1.0: the on-policy target then overwrites each entry by one sample
        "learning_rate": (0.5, 0.25, 0.1),
        "gamma": (1.0, 0.99, 0.95, 0.9),
        "eps_end": (0.01, 0.05, 0.1),
    },
}

INNER_LOOP: dict[str, dict[str, Any]] = {
    "ppo": dict(total_timesteps=10_000, num_envs=5, num_steps=100, num_epochs=10,
                num_minibatches=10, max_grad_norm=10.0, anneal_lr=False),
    "dqn": dict(total_timesteps=10_000, num_envs=10, batch_size=100, buffer_size=2000,
                learning_starts=1000, eps_start=1.0, exploration_fraction=0.5,
                target_update_freq=5, gradient_steps=1, max_grad_norm=10.0, dueling=True,
                activation="tanh"),
    "sac": dict(total_timesteps=10_000, num_envs=5, batch_size=256, buffer_size=2000,
                learning_starts=1000, gradient_steps=2, hidden_size=64, activation="tanh"),
    "ddpg": dict(total_timesteps=10_000, num_envs=1, batch_size=100, buffer_size=2000,
                 learning_starts=1000, gradient_steps=1, max_grad_norm=10.0, hidden_size=64,
                 activation="relu"),
    "td3": dict(total_timesteps=10_000, num_envs=1, batch_size=100, buffer_size=10_000,
                learning_starts=1000, gradient_steps=1, max_grad_norm=10.0, policy_delay=2,
                hidden_size=64, activation="relu"),
}

CONFIGS: dict[str, dict[str, dict[str, Any]]] = {
    "ppo": {
        "CartPole-v1": dict(total_timesteps=500_000, num_envs=8, num_steps=128,
                            learning_rate=2.5e-4, num_epochs=4, num_minibatches=4),
        "Acrobot-v1": dict(total_timesteps=500_000, num_envs=8, num_steps=128,
                           learning_rate=2.5e-4, num_epochs=4, num_minibatches=4),
        "Pendulum-v1": dict(total_timesteps=1_000_000, num_envs=8, num_steps=256,
                            learning_rate=1e-3, gamma=0.9, num_epochs=10, num_minibatches=8,
                            ent_coef=0.0, clip_value_loss=False),
    },
    "sac": {
        "CartPole-v1": dict(total_timesteps=50_000, num_envs=4, buffer_size=50_000,
                            batch_size=128, gradient_steps=4, hidden_size=64,
                            learning_rate=1e-3, gamma=0.99, tau=0.005, target_entropy_ratio=0.1,
                            learning_starts=2000),
        "Pendulum-v1": dict(total_timesteps=20_000, num_envs=1, buffer_size=20_000,
                            batch_size=128, gradient_steps=1, hidden_size=64,
                            learning_rate=1e-3, gamma=0.99, tau=0.005, learning_starts=1000),
    },
    "ddpg": {
        "Pendulum-v1": dict(total_timesteps=20_000, num_envs=4, buffer_size=20_000,
                            batch_size=128, gradient_steps=4, hidden_size=64,
                            actor_learning_rate=1e-3, critic_learning_rate=1e-3, gamma=0.98,
                            tau=0.005, exploration_noise=0.1, learning_starts=2000),
    },
    "td3": {
        "Pendulum-v1": dict(total_timesteps=20_000, num_envs=4, buffer_size=20_000,
                            batch_size=128, gradient_steps=4, hidden_size=64,
                            actor_learning_rate=1e-3, critic_learning_rate=1e-3, gamma=0.98,
                            tau=0.005, exploration_noise=0.1, learning_starts=2000),
        # Temporally correlated exploration noise (the DDPG paper's Ornstein-Uhlenbeck idea):
        # with i.i.d. noise TD3 learns to stand still on MountainCarContinuous.
        "MountainCarContinuous-v0": dict(total_timesteps=50_000, num_envs=4,
                                         buffer_size=50_000, batch_size=128, gradient_steps=4,
                                         hidden_size=64, actor_learning_rate=1e-3,
                                         critic_learning_rate=1e-3, gamma=0.99, tau=0.005,
                                         exploration_noise=0.8, noise_correlation=0.99,
                                         learning_starts=1000),
    },
    "dqn": {
        "CartPole-v1": dict(total_timesteps=200_000, num_envs=8, gradient_steps=2,
                            learning_rate=5e-4, batch_size=64, buffer_size=50_000,
                            learning_starts=1000, target_update_freq=100,
                            exploration_fraction=0.1, eps_end=0.01, hidden_size=128,
                            anneal_lr=True),
    },
}


def search_space(agent: str) -> dict[str | tuple[str, ...], tuple]:
    """The search space of `agent` (`"ppo"`, `"dqn"`, ...).

    **Raises:** `KeyError` naming the agents that have one.
    """
    try:
        return SEARCH_SPACES[agent]
    except KeyError:
        raise KeyError(f"no search space for {agent!r}; allowed: {sorted(SEARCH_SPACES)}") from None


def config(agent: str, env_id: str) -> dict[str, Any]:
    """The named configuration of `agent` for `env_id` (keyword arguments of its class).

    **Raises:** `KeyError` naming the environments configured for that agent.
    """
    configs = CONFIGS.get(agent, {})
    if env_id not in configs:
        raise KeyError(
            f"no configuration of {agent!r} for {env_id!r}; configured: {sorted(configs)}"
        )
    return dict(configs[env_id])


SearchSpace = dict[str | tuple[str, ...], Sequence]
"""A search space: each array field of an agent (or a tuple of fields set to one draw) mapped to
the values it is drawn from uniformly."""


def frozen_space(space: SearchSpace) -> tuple[tuple[str | tuple[str, ...], tuple], ...]:
    """`space` as a hashable tuple of `(fields, values)` pairs (a static field under `jit`). A
    key `"a,b"` (as JSON and YAML write a tuple of fields) is read as `("a", "b")`.

    **Raises:** `ValueError` for an empty space, or a field whose values are empty or not
    numbers (or booleans).
    """
    if not space:
        raise ValueError("a search space needs at least one field")
    frozen = []
    for names, values in space.items():
        values = tuple(values)
        if not values or not all(isinstance(v, (bool, int, float)) for v in values):
            raise ValueError(f"search space field {names!r}: values must be a non-empty list of "
                             f"numbers or booleans, got {values!r}")
        if isinstance(names, str) and "," in names:  # "a,b": fields set to one draw (JSON keys)
            names = tuple(n.strip() for n in names.split(","))
        frozen.append((names, values))
    return tuple(frozen)


def sample_from(space: SearchSpace | tuple, key: PRNGKeyArray) -> dict[str, jax.Array]:
    """One uniform draw from a search space (a dict, or `frozen_space`'s tuple):
    `{field: array scalar}`. Traceable, so `jax.vmap` over keys draws a stack of
    configurations."""
    items = list(space.items()) if isinstance(space, dict) else list(space)
    keys = jax.random.split(key, len(items))
    drawn = {}
    for k, (names, values) in zip(keys, items):
        value = jax.random.choice(k, jnp.asarray(values))
        for name in (names,) if isinstance(names, str) else names:
            drawn[name] = value
    return drawn


def sample_hyperparameters(agent: str, key: PRNGKeyArray) -> dict[str, jax.Array]:
    """One uniform draw from `agent`'s search space (`SEARCH_SPACES[agent]`):
    `{field: array scalar}`.

    Traceable, so `jax.vmap` over keys draws a stack of configurations.
    """
    return sample_from(search_space(agent), key)



def space_as_json(space: SearchSpace | tuple) -> dict[str, list]:
    """A search space (a dict, or `frozen_space`'s tuple) as JSON: tuple keys joined by commas,
    values as lists; `frozen_space` reads it back."""
    items = space.items() if isinstance(space, dict) else space
    return {names if isinstance(names, str) else ",".join(names): list(values)
            for names, values in items}
