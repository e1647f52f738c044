"""JAX's persistent compilation cache in a user cache folder, so repeated runs skip compilation."""

import os
from pathlib import Path

import jax


def default_cache_dir() -> Path:
    """`$SYNTHAX_CACHE_DIR`, else `$XDG_CACHE_HOME/synthax/jax`, else `~/.cache/synthax/jax`."""
    if os.environ.get("SYNTHAX_CACHE_DIR"):
        return Path(os.environ["SYNTHAX_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "synthax" / "jax"


def enable_compilation_cache(cache_dir: str | os.PathLike | None = None) -> Path:
    """Switch on JAX's persistent compilation cache (every compiled program is cached).

    This changes JAX's global configuration, so the library never calls it on its own: the
    `synthax` command, the test suite and the scripts in `experiments/` do.

    **Arguments:** `cache_dir`, defaults to `default_cache_dir()`.

    **Returns:** the cache folder.
    """
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path
