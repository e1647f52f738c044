"""Environment ids: real gymnax and Brax ids and the synthetic environments shipped with synthax."""

import gymnax

from .base import AbstractEnvironment
from .brax_env import BRAX_ENVS, BRAX_PREFIX, BraxEnvironment
from .cliff_walking import CliffWalking
from .gymnax_env import GymnaxEnvironment

SYNTHETIC_PREFIX = "Synthetic-"

# Real environments synthax implements itself (gymnax has no counterpart).
NATIVE_ENVS: dict[str, type] = {"CliffWalking-v0": CliffWalking}


def real_env_id(env_id: str) -> str:
    """The real environment an id stands for: `"Synthetic-CartPole-v1"` -> `"CartPole-v1"`."""
    return env_id[len(SYNTHETIC_PREFIX):] if env_id.startswith(SYNTHETIC_PREFIX) else env_id


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
    from synthax.checkpoints import shipped_env_ids

    synthetic = list(shipped_env_ids())
    real = [*NATIVE_ENVS,
            *(e for e in gymnax.registered_envs if not e.startswith(SYNTHETIC_PREFIX)),
            *BRAX_ENVS]
    return {"synthetic": synthetic, "real": real}


def make(env_id: str, **kwargs) -> AbstractEnvironment:
    """Build an environment by id.

    **Arguments:**

    - `env_id`: a gymnax id (`"CartPole-v1"`, or any id registered with `gymnax.register`), a
      synthax-native id (`"CliffWalking-v0"`), a Brax id (`"hopper"`, `"walker2d"`,
      `"halfcheetah"`, `"swimmer"`, `"humanoidstandup"`, or `"brax/<name>"` for any environment
      in brax's registry) or a shipped synthetic id (`"Synthetic-CartPole-v1"`,
      `"Synthetic-hopper"`).
    - `kwargs`: passed to the gymnax factory, the native class or
      [`BraxEnvironment.create`][synthax.envs.BraxEnvironment.create] (`backend`,
      `time_limit`, ...) (real ids only).

    **Returns:** an [`AbstractEnvironment`][synthax.envs.AbstractEnvironment].

    **Raises:** `KeyError` listing the known ids when `env_id` is unknown; `ImportError` naming
    the extra `synthax[brax]` for a Brax id when brax is not installed.
    """
    from synthax.checkpoints import load_shipped, shipped_env_ids

    if env_id in shipped_env_ids():
        return load_shipped(env_id)
    if env_id in NATIVE_ENVS:
        return NATIVE_ENVS[env_id](**kwargs)
    name = brax_name(env_id)
    if name is not None:
        return BraxEnvironment.create(name, **kwargs)
    if env_id.startswith(SYNTHETIC_PREFIX) or env_id not in gymnax.registered_envs:
        ids = list_envs()
        raise KeyError(
            f"unknown environment id {env_id!r}; synthetic ids: {ids['synthetic']}; "
            f"real ids: {ids['real']}"
        )
    env, params = gymnax.make(env_id, **kwargs)
    return GymnaxEnvironment(env, params)
