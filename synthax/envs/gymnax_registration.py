"""Registration of the shipped synthetic environments with gymnax (`gymnax.register`)."""

import functools

import gymnax


def _factory(env_id: str):
    from synthax.checkpoints import load_shipped

    from .to_gymnax import ToGymnax

    return ToGymnax(load_shipped(env_id), name=env_id)


def register_with_gymnax() -> list[str]:
    """Register every shipped `Synthetic-*` id with `gymnax.register`; idempotent.

    The checkpoint is read when `gymnax.make(id)` is called, not at import.

    **Returns:** the ids registered by this call.
    """
    from synthax.checkpoints import shipped_env_ids

    registered = []
    for env_id in shipped_env_ids():
        if env_id not in gymnax.registered_envs:
            gymnax.register(env_id, functools.partial(_factory, env_id))
            registered.append(env_id)
    return registered
