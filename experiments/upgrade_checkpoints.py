"""Rewrite synthax checkpoints of format version 1 as version 2, keeping their payload bytes.

Version 2 adds `header_sha256` (see `synthax.checkpoints.io`), so that an edit of any header
field is refused on load. The conversion is deterministic: the header keeps every entry
(`synthax_version` still names the writer), gets `format_version: 2` and its hash; the payload
is copied byte for byte after its hash is checked. Files already at version 2 are left alone.

    python experiments/upgrade_checkpoints.py synthax/checkpoints/data/Synthetic-CartPole-v1.eqx

The shipped classic-control environments were upgraded with this script.
"""

import argparse
import hashlib
import json
from pathlib import Path

from synthax.checkpoints.io import CheckpointError, atomic_write_bytes, header_hash, read_header


def upgrade(path: Path) -> bool:
    """Upgrade `path` in place; `True` if it was rewritten. **Raises:** `CheckpointError` for
    a file that is not a valid version-1 or version-2 checkpoint."""
    header = read_header(path)
    if header["format_version"] == 2:
        return False
    line, payload = path.read_bytes().split(b"\n", 1)
    if hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise CheckpointError(f"{path}: payload hash does not match; not upgrading")
    header = {**header, "format_version": 2}
    header["header_sha256"] = header_hash(header)
    new_line = json.dumps(header, sort_keys=True, allow_nan=False).encode("utf-8")
    atomic_write_bytes(path, new_line + b"\n" + payload)
    assert read_header(path)["header_sha256"] == header["header_sha256"]
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    for path in parser.parse_args().paths:
        print(f"{path}: {'upgraded to version 2' if upgrade(path) else 'already version 2'}")


if __name__ == "__main__":
    main()
