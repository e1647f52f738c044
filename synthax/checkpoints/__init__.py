"""Checkpoints: portable files (JSON header + Equinox leaves) and the shipped environments."""

from .environments import (
    load_environment as load_environment,
)
from .environments import (
    load_shipped as load_shipped,
)
from .environments import (
    save_environment as save_environment,
)
from .environments import (
    shipped_env_ids as shipped_env_ids,
)
from .environments import (
    shipped_path as shipped_path,
)
from .io import CheckpointError as CheckpointError
from .io import load as load
from .io import read_header as read_header
from .io import save as save
