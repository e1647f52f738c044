"""Saving and loading synthetic environments, and the environments shipped with synthax."""

import os
from importlib import resources
from pathlib import Path
from typing import Any

import equinox as eqx
import jax

from synthax.envs.reward_network import RewardNetwork
from synthax.envs.synthetic_bandit import SyntheticContextualBandit
from synthax.envs.synthetic_mdp import SyntheticMDP

from .io import CheckpointError, load, read_header, save

ENVIRONMENT_CLASSES: dict[str, type] = {
    "SyntheticContextualBandit": SyntheticContextualBandit,
    "SyntheticMDP": SyntheticMDP,
    "RewardNetwork": RewardNetwork,
}
SUFFIX = ".eqx"


def save_environment(
    path: str | os.PathLike, env: eqx.Module, env_id: str, metadata: dict[str, Any] | None = None
) -> None:
    """Save a synthetic environment (one member, not a stacked population).

    **Arguments:** `path`; `env`, a
    [`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit],
    [`SyntheticMDP`][synthax.envs.SyntheticMDP] or
    [`RewardNetwork`][synthax.envs.RewardNetwork]; `env_id`, the real environment it was learned
    for (`load_environment` rebuilds the real environment of the last two from it);
    `metadata`, JSON-serialisable extras (training config, ...).

    **Raises:** `TypeError` for classes that cannot be checkpointed.
    """
    name = type(env).__name__
    if ENVIRONMENT_CLASSES.get(name) is not type(env):
        raise TypeError(f"cannot checkpoint {name}; allowed: {sorted(ENVIRONMENT_CLASSES)}")
    header = {"kind": "environment", "class": name, "env_id": env_id, "config": env.config(),
              "metadata": metadata or {}}
    save(path, env, header)


def load_environment(path: str | os.PathLike, env_id: str | None = None) -> eqx.Module:
    """Load a synthetic environment saved by `save_environment`.

    **Arguments:** `path`; `env_id`, if given, the real environment id the checkpoint must be for.

    **Raises:** `CheckpointError` if the file is not an environment checkpoint, is for another
    env id, names an unknown class, or its shapes or hash do not match.
    """
    header = read_header(path)
    if header.get("kind") != "environment":
        raise CheckpointError(f"{path} is not an environment checkpoint")
    cls = ENVIRONMENT_CLASSES.get(header.get("class"))
    if cls is None:
        raise CheckpointError(
            f"{path}: unknown environment class {header.get('class')!r}; "
            f"known: {sorted(ENVIRONMENT_CLASSES)}"
        )
    config = header["config"]
    skeleton = eqx.filter_eval_shape(lambda: _skeleton(cls, config, header.get("env_id")))
    expect = {"env_id": env_id} if env_id is not None else None
    env, _ = load(path, skeleton, expect)
    return env


def _skeleton(cls: type, config: dict[str, Any], env_id: str | None) -> eqx.Module:
    """An environment of class `cls` built from its saved `config`; the real environment that
    synthetic MDPs reset from and reward networks wrap is rebuilt from `env_id`."""
    from synthax.envs.registry import make

    key = jax.random.key(0)
    if cls is RewardNetwork:
        return cls(make(env_id), key=key, **config)
    if cls is SyntheticMDP and config.get("initial_state") == "real":
        return cls(key, **config, reset_env=make(env_id))
    return cls(key, **config)


def _data_dir() -> Path:
    return Path(str(resources.files("synthax.checkpoints") / "data"))


def shipped_env_ids() -> list[str]:
    """Ids of the synthetic environments shipped in the package, e.g. `Synthetic-CartPole-v1`."""
    return sorted(p.name[: -len(SUFFIX)] for p in _data_dir().glob(f"*{SUFFIX}"))


def shipped_path(env_id: str) -> Path:
    """Path of the shipped checkpoint for `env_id` (e.g. `"Synthetic-CartPole-v1"`).

    **Raises:** `KeyError` listing the shipped ids.
    """
    path = _data_dir() / f"{env_id}{SUFFIX}"
    if not path.exists():
        raise KeyError(f"no shipped synthetic environment {env_id!r}; shipped: {shipped_env_ids()}")
    return path


def load_shipped(env_id: str) -> eqx.Module:
    """Load a shipped synthetic environment by id (`"Synthetic-CartPole-v1"`)."""
    from synthax.envs.registry import real_env_id

    return load_environment(shipped_path(env_id), env_id=real_env_id(env_id))
