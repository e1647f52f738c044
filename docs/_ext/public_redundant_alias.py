"""Griffe extension: `from a import x as x` (a redundant alias) marks `x` as public.

synthax's package `__init__` files re-export their public names this way (no `__all__`), the
convention pyright and mypy follow; griffe treats imported names as private unless told otherwise.
"""

import ast
from typing import Any

import griffe


class PublicRedundantAliases(griffe.Extension):
    """Mark names re-exported with a redundant alias as public."""

    def on_alias_instance(self, *, node: Any, alias: griffe.Alias, **kwargs: Any) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in node.names:
                if name.asname is not None and name.asname == name.name == alias.name:
                    alias.public = True
