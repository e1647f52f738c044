"""The synthetic environments shipped with synthax: one checkpoint per id in
`synthax/checkpoints/data/`, registered with synthax's and gymnax's registries by
`register_shipped` (which `import synthax` calls), so `synthax.make("Synthetic-CartPole-v1")` and
`gymnax.make("Synthetic-CartPole-v1")` both build them. `Synthetic-<task>` is the shipped
environment for a task (for the five Brax tasks, synthetic-gymnax's, read as data);
`Synthax-<task>` (`Synthax-hopper`, `Synthax-swimmer`) is one synthax meta-learned where
`Synthetic-<task>` is synthetic-gymnax's."""

import functools
from importlib import resources
from pathlib import Path

import equinox as eqx
import gymnax

from synthax.envs import ToGymnax
from synthax.envs.registry import real_env_id, register

from .environments import SUFFIX, load_environment


def _data_dir() -> Path:
    return Path(str(resources.files("synthax.checkpoints") / "data"))


def shipped_env_ids() -> list[str]:
    """Ids of the synthetic environments shipped in the package, e.g. `Synthetic-CartPole-v1`,
    `Synthax-hopper`."""
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
    """Load a shipped synthetic environment by id (`"Synthetic-CartPole-v1"`).

    **Raises:** `KeyError` listing the shipped ids; `CheckpointError` for a damaged file.
    """
    return load_environment(shipped_path(env_id), env_id=real_env_id(env_id))


def _gymnax_factory(env_id: str) -> ToGymnax:
    return ToGymnax(load_shipped(env_id), name=env_id)


def register_shipped() -> list[str]:
    """Register every shipped `Synthetic-*` and `Synthax-*` id with `synthax.envs.register` (so
    `synthax.make` builds it) and with `gymnax.register` (so `gymnax.make` does); idempotent.
    `import synthax` calls it. A checkpoint is read when its id is made, not here.

    **Returns:** the ids newly registered with gymnax by this call.
    """
    registered = []
    for env_id in shipped_env_ids():
        register(env_id, functools.partial(load_shipped, env_id), replace=True)
        if env_id not in gymnax.registered_envs:
            gymnax.register(env_id, functools.partial(_gymnax_factory, env_id))
            registered.append(env_id)
    return registered
