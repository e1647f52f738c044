"""Environment ids: gymnax, synthax-native and Brax ids, and ids registered with `register`
(the shipped synthetic environments register themselves: `synthax.checkpoints.shipped`)."""

from collections.abc import Callable

import gymnax

from .base import AbstractEnvironment
from .brax_env import BRAX_ENVS, BRAX_PREFIX, BraxEnvironment
from .cliff_walking import CliffWalking
from .gymnax_env import GymnaxEnvironment

# `Synthetic-<task>`: the shipped synthetic environment for a task (for the five Brax tasks,
# synthetic-gymnax's, read as data, so its ids keep working); `Synthax-<task>`: an environment
# meta-learned by synthax for a task where `Synthetic-<task>` is synthetic-gymnax's.
SYNTHETIC_PREFIX = "Synthetic-"
SYNTHAX_PREFIX = "Synthax-"
SYNTHETIC_PREFIXES = (SYNTHETIC_PREFIX, SYNTHAX_PREFIX)

# Real environments synthax implements itself (gymnax has no counterpart).
NATIVE_ENVS: dict[str, type] = {"CliffWalking-v0": CliffWalking}

_REGISTERED: dict[str, Callable[..., AbstractEnvironment]] = {}


def register(env_id: str, factory: Callable[..., AbstractEnvironment],
             replace: bool = False) -> None:
    """Make `make(env_id, **kwargs)` return `factory(**kwargs)`, as `gymnax.register` does for
    gymnax: for a user's own environments, and for the shipped synthetic ones.

    **Raises:** `ValueError` when `env_id` is already registered (unless `replace`) or is a
    built-in real id.
    """
    if env_id in NATIVE_ENVS or brax_name(env_id) is not None:
        raise ValueError(f"{env_id!r} is a built-in environment id; choose another")
    if env_id in _REGISTERED and not replace:
        raise ValueError(f"{env_id!r} is already registered; pass replace=True to replace it")
    _REGISTERED[env_id] = factory


def real_env_id(env_id: str) -> str:
    """The real environment an id stands for: `"Synthetic-CartPole-v1"` -> `"CartPole-v1"`,
    `"Synthax-hopper"` -> `"hopper"`; any other id is itself."""
    for prefix in SYNTHETIC_PREFIXES:
        if env_id.startswith(prefix):
            return env_id[len(prefix):]
    return env_id


def brax_name(env_id: str) -> str | None:
    """The brax environment name an id stands for (`"hopper"` or `"brax/hopper"` -> `"hopper"`),
    or `None` for an id that is not a Brax one."""
    if env_id in BRAX_ENVS:
        return env_id
    if env_id.startswith(BRAX_PREFIX):
        return env_id[len(BRAX_PREFIX):]
    return None


def list_envs() -> dict[str, list[str]]:
    """All ids `make` accepts, as ``{"synthetic": [...], "real": [...]}``; the real Brax ids (the
    five of synthetic-gymnax, and `brax/<name>` for any other) need `synthax[brax]`."""
    synthetic = sorted(e for e in _REGISTERED if e.startswith(SYNTHETIC_PREFIXES))
    real = [*NATIVE_ENVS,
            *(e for e in gymnax.registered_envs if not e.startswith(SYNTHETIC_PREFIXES)),
            *BRAX_ENVS,
            *sorted(e for e in _REGISTERED if not e.startswith(SYNTHETIC_PREFIXES))]
    return {"synthetic": synthetic, "real": real}


def make(env_id: str, **kwargs) -> AbstractEnvironment:
    """Build an environment by id.

    **Arguments:**

    - `env_id`: a gymnax id (`"CartPole-v1"`, or any id registered with `gymnax.register`), a
      synthax-native id (`"CliffWalking-v0"`), a Brax id (`"hopper"`, `"walker2d"`,
      `"halfcheetah"`, `"swimmer"`, `"humanoidstandup"`, or `"brax/<name>"` for any environment
      in brax's registry), a shipped synthetic id (`"Synthetic-CartPole-v1"`,
      `"Synthetic-hopper"`, synthax's own `"Synthax-hopper"`) or any id given to `register`.
    - `kwargs`: passed to the registered factory, the gymnax factory, the native class or
      [`BraxEnvironment.create`][synthax.envs.BraxEnvironment.create] (`backend`,
      `time_limit`, ...).

    **Returns:** an [`AbstractEnvironment`][synthax.envs.AbstractEnvironment].

    **Raises:** `KeyError` listing the known ids when `env_id` is unknown; `ImportError` naming
    the extra `synthax[brax]` for a Brax id when brax is not installed.
    """
    if env_id in _REGISTERED:
        return _REGISTERED[env_id](**kwargs)
    if env_id in NATIVE_ENVS:
        return NATIVE_ENVS[env_id](**kwargs)
    name = brax_name(env_id)
    if name is not None:
        return BraxEnvironment.create(name, **kwargs)
    if env_id.startswith(SYNTHETIC_PREFIXES) or env_id not in gymnax.registered_envs:
        ids = list_envs()
        raise KeyError(
            f"unknown environment id {env_id!r}; synthetic ids: {ids['synthetic']}; "
            f"real ids: {ids['real']}"
        )
    env, params = gymnax.make(env_id, **kwargs)
    return GymnaxEnvironment(env, params)
