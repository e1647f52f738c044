"""Checkpoints: portable files (JSON header + Equinox leaves) and the shipped environments."""

from .environments import (
    load_environment as load_environment,
    save_environment as save_environment,
)
from .io import (
    CheckpointError as CheckpointError,
    load as load,
    read_header as read_header,
    save as save,
)
from .shipped import (
    load_shipped as load_shipped,
    register_shipped as register_shipped,
    shipped_env_ids as shipped_env_ids,
    shipped_path as shipped_path,
)
from .synthetic_gymnax import (
    import_from_wheel as import_from_wheel,
    import_synthetic_gymnax as import_synthetic_gymnax,
)
