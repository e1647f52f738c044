"""Saving and loading synthetic environments (the shipped ones: `synthax.checkpoints.shipped`)."""

import inspect
import numbers
import os
from typing import Any

import equinox as eqx
import jax

from synthax.envs.registry import NATIVE_ENVS, make
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

    The header is validated before anything is built from it: a known class, an `env_id`
    string, `config` keys that the class's constructor takes, numeric bounds, and spaces
    (observation size, action kind and size) that match the real environment `env_id` names.

    **Raises:** `CheckpointError` if the file is not an environment checkpoint, is for another
    env id, its header was edited (format version 2: any field; version 1: a value that does
    not fit, as above), or its shapes or hash do not match.
    """
    header = read_header(path)
    if header.get("kind") != "environment":
        raise CheckpointError(f"{path} is not an environment checkpoint")
    cls = _checked_class(path, header)
    config = _checked_config(path, header, cls)
    try:
        skeleton = eqx.filter_eval_shape(lambda: _skeleton(cls, config, header["env_id"]))
    except (TypeError, ValueError, KeyError) as error:
        raise CheckpointError(f"{path}: header config does not build a {cls.__name__} "
                              f"({error})") from None
    expect = {"env_id": env_id} if env_id is not None else None
    env, _ = load(path, skeleton, expect)
    return env


def _checked_class(path, header: dict[str, Any]) -> type:
    name = header.get("class")
    if not isinstance(name, str) or name not in ENVIRONMENT_CLASSES:
        raise CheckpointError(
            f"{path}: unknown environment class {name!r} in the header; "
            f"known: {sorted(ENVIRONMENT_CLASSES)}"
        )
    if not isinstance(header.get("env_id"), str):
        raise CheckpointError(f"{path}: header env_id {header.get('env_id')!r} is not an id")
    return ENVIRONMENT_CLASSES[name]


def _checked_config(path, header: dict[str, Any], cls: type) -> dict[str, Any]:
    """The header's constructor config, checked against `cls` and the real environment."""
    config = header.get("config")
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: header config {config!r} is not a mapping")
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self", "key", "env",
                                                                 "reset_env"}
    unknown = set(config) - allowed
    if unknown:
        raise CheckpointError(f"{path}: header config has keys {sorted(unknown)} that "
                              f"{cls.__name__} does not take; allowed: {sorted(allowed)}")
    for name in ("observation_low", "observation_high", "action_low", "action_high"):
        if name not in config or (config[name] is None and name.startswith("action")):
            continue
        value = config[name]
        if not (isinstance(value, list) and value and all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)):
            raise CheckpointError(f"{path}: header config {name} is {value!r}, not a list of "
                                  "finite numbers")
    if "observation_low" in config:
        _check_spaces_match(path, header, config)
    return config


def _check_spaces_match(path, header: dict[str, Any], config: dict[str, Any]) -> None:
    """The saved spaces have the sizes of the real environment `header["env_id"]`, for gymnax
    and synthax-native ids (cheap to build); skipped for others (a Brax id, or a user's
    environment whose module is not imported)."""
    import gymnax

    from synthax.envs._spaces import space_arguments

    env_id = header["env_id"]
    if env_id not in NATIVE_ENVS and env_id not in gymnax.registered_envs:
        return
    real = space_arguments(make(env_id))

    def sizes(args: dict[str, Any]) -> tuple:
        discrete = args.get("num_actions") is not None
        low = args.get("action_low")
        actions = args["num_actions"] if discrete else (0 if low is None else len(low))
        return len(args["observation_low"]), discrete, actions

    saved, expected = sizes(config), sizes(real)
    if saved != expected:
        raise CheckpointError(
            f"{path}: header spaces (observation size, discrete, actions) {saved} do not match "
            f"{env_id}'s {expected}; the header was edited or is for another environment"
        )


def _skeleton(cls: type, config: dict[str, Any], env_id: str | None) -> eqx.Module:
    """An environment of class `cls` built from its saved `config`; the real environment that
    synthetic MDPs reset from and reward networks wrap is rebuilt from `env_id`."""
    key = jax.random.key(0)
    if cls is RewardNetwork:
        return cls(make(env_id), key=key, **config)
    if cls is SyntheticMDP and config.get("initial_state") == "real":
        return cls(**config, reset_env=make(env_id), key=key)
    return cls(**config, key=key)
