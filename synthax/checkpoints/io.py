"""Checkpoint files: Equinox-serialised leaves behind a one-line JSON header. No pickle.

Layout of a file: one line of UTF-8 JSON (the header), a newline, then the bytes written by
`equinox.tree_serialise_leaves` (NumPy's `.npy` format per leaf). The header names the format,
the synthax version, the class and constructor config of the object, the shape and dtype of
every array leaf, and the SHA-256 of the payload; loading checks all of them before it reads.

Format version 2 (what `save` writes) also stores `header_sha256`, the SHA-256 of the
header's canonical JSON (`sort_keys`, every entry but `header_sha256` itself); as the header
holds the payload's hash, it covers the whole file, so an edit of any header field is refused.
Version 1 files (no header hash) still load: their payload hash is checked, and their header
values are validated by whoever builds from them (e.g.
[`load_environment`][synthax.checkpoints.load_environment]). Headers never hold NaN or
infinite numbers (`save` refuses them, loading rejects them).
"""

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np

from synthax._version import __version__

FORMAT = "synthax.checkpoint"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


class CheckpointError(ValueError):
    """A checkpoint file is malformed or does not match what the caller expects."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically (temporary file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 `text` to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def leaf_signature(tree: Any) -> list[list]:
    """`[[shape, dtype], ...]` for every array (or `jax.ShapeDtypeStruct`) leaf of `tree`."""
    leaves = [
        x for x in jax.tree.leaves(tree) if eqx.is_array(x) or isinstance(x, jax.ShapeDtypeStruct)
    ]
    return [[list(np.shape(x)), str(np.dtype(x.dtype))] for x in leaves]


def header_hash(header: dict[str, Any]) -> str:
    """The SHA-256 of `header`'s canonical JSON, leaving out its `header_sha256` entry.

    **Raises:** `ValueError` for NaN or infinite numbers; `TypeError` for values JSON cannot
    hold.
    """
    body = {k: v for k, v in header.items() if k != "header_sha256"}
    text = json.dumps(body, sort_keys=True, allow_nan=False, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(path: str | os.PathLike, tree: Any, header: dict[str, Any]) -> None:
    """Serialise the array leaves of `tree` to `path` behind a JSON header, atomically.

    **Arguments:** `path`; `tree`, any pytree (an `eqx.Module`, an evosax state, ...);
    `header`, JSON-serialisable metadata (stored with `format`, `format_version`,
    `synthax_version`, `shapes`, `sha256` and `header_sha256` added).

    **Raises:** `TypeError` if `header` is not JSON-serialisable; `ValueError` if it holds NaN
    or infinite numbers or does not fit on one line.
    """
    buffer = io.BytesIO()
    eqx.tree_serialise_leaves(buffer, tree)
    payload = buffer.getvalue()
    full_header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "synthax_version": __version__,
        **header,
        "shapes": leaf_signature(tree),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    full_header["header_sha256"] = header_hash(full_header)
    line = json.dumps(full_header, sort_keys=True, allow_nan=False).encode("utf-8")
    if b"\n" in line:
        raise ValueError("checkpoint header must serialise to one line")
    atomic_write_bytes(path, line + b"\n" + payload)


def read_header(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON header of a checkpoint file (for format version 2, checked against its hash).

    **Raises:** `FileNotFoundError`; `CheckpointError` if the file is not a synthax checkpoint,
    has an unknown format version, or (version 2) its header does not match its hash.
    """
    with open(path, "rb") as f:
        line = f.readline()
    return _parse_header(line, path)


def _reject_constant(name: str):
    raise ValueError(f"the header holds {name}, which synthax never writes")


def _parse_header(line: bytes, path) -> dict[str, Any]:
    try:
        header = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is not a synthax checkpoint (no JSON header)") from None
    except ValueError as error:  # NaN or Infinity
        raise CheckpointError(f"{path}: corrupt or edited header ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a synthax checkpoint (format != {FORMAT!r})")
    version = header.get("format_version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise CheckpointError(
            f"{path} has checkpoint format version {version!r}; this synthax "
            f"({__version__}) reads versions {list(READABLE_VERSIONS)}"
        )
    if version >= 2 and header.get("header_sha256") != header_hash(header):
        raise CheckpointError(
            f"{path}: header does not match its hash (header_sha256); the file was edited or is "
            "corrupt"
        )
    if not isinstance(header.get("sha256"), str) or not isinstance(header.get("shapes"), list):
        raise CheckpointError(f"{path}: header lacks its payload hash or leaf shapes")
    return header


def load(
    path: str | os.PathLike, skeleton: Any, expect: dict[str, Any] | None = None
) -> tuple[Any, dict[str, Any]]:
    """Load a checkpoint into the structure of `skeleton`.

    **Arguments:** `path`; `skeleton`, a pytree of the expected structure (arrays or
    `jax.ShapeDtypeStruct`s, e.g. from `eqx.filter_eval_shape`); `expect`, header entries that
    must match exactly (e.g. ``{"env_id": "CartPole-v1", "class": "SyntheticContextualBandit"}``).

    **Returns:** `(tree, header)`.

    **Raises:** `CheckpointError` when the header, the leaf shapes and dtypes, or the payload's
    hash do not match; the message names the mismatch.
    """
    with open(path, "rb") as f:
        line = f.readline()
        payload = f.read()
    header = _parse_header(line, path)
    for k, v in (expect or {}).items():
        if header.get(k) != v:
            raise CheckpointError(f"{path}: header {k!r} is {header.get(k)!r}, expected {v!r}")
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise CheckpointError(f"{path}: payload hash does not match the header (corrupt file)")
    expected_shapes = leaf_signature(skeleton)
    saved_shapes = header.get("shapes")
    if saved_shapes != expected_shapes:
        first = next((i for i, (a, b) in enumerate(zip(saved_shapes, expected_shapes))
                      if a != b), min(len(saved_shapes), len(expected_shapes)))
        saved_leaf = saved_shapes[first] if first < len(saved_shapes) else "none"
        expected_leaf = expected_shapes[first] if first < len(expected_shapes) else "none"
        raise CheckpointError(
            f"{path}: leaf shapes/dtypes do not match the expected ones ({len(saved_shapes)} "
            f"leaves saved, {len(expected_shapes)} expected; leaf {first} is {saved_leaf}, "
            f"expected {expected_leaf})"
        )
    tree = eqx.tree_deserialise_leaves(io.BytesIO(payload), skeleton)
    return tree, header
