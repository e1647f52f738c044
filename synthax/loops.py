"""Equinox-style wrappers of `jax.lax` loops whose carries may hold non-array leaves."""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax


def filter_scan(
    f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None, length: int | None = None
) -> tuple[Any, Any]:
    """`jax.lax.scan` whose carry may contain static leaves (functions, ints, ...).

    The carry is split with `eqx.partition(init, eqx.is_array)`; its static part must not change
    inside `f`. Outputs of `f` must be arrays.
    """
    dynamic, static = eqx.partition(init, eqx.is_array)

    def body(carry, x):
        carry, y = f(eqx.combine(carry, static), x)
        new_dynamic, new_static = eqx.partition(carry, eqx.is_array)
        eqx.tree_equal(new_static, static) or _static_changed()
        return new_dynamic, y

    dynamic, ys = jax.lax.scan(body, dynamic, xs, length)
    return eqx.combine(dynamic, static), ys


def _static_changed():
    raise ValueError("filter_scan: the static part of the carry changed inside the loop")
