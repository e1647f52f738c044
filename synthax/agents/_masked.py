"""Masked updates for the replay-buffer agents, which learn only after `learning_starts`.

Under `vmap` a Python branch on a traced condition is impossible, so updates are computed and
then kept or discarded leaf by leaf.
"""

from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float


def tree_where(cond: Bool[Array, ""], new: Any, old: Any) -> Any:
    """`new` where `cond` holds, else `old`, for every leaf of two same-structured pytrees."""
    return jax.tree.map(lambda a, b: jnp.where(cond, a, b), new, old)


def mean_or_nan(cond: Bool[Array, ""], values: Array) -> Float[Array, ""]:
    """The mean of `values` where `cond` holds, else NaN (a metric before learning starts)."""
    return jnp.where(cond, jnp.mean(values), jnp.nan)
