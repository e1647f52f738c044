"""A uniform experience-replay buffer as a functional Equinox module (a ring buffer)."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Int, PRNGKeyArray


class ReplayBuffer(eqx.Module):
    """A fixed-capacity ring buffer of transitions, sampled uniformly (Lin, 1992; Mnih et al.,
    2015). Pure: `add` returns a new buffer, so it lives inside `jax.lax.scan` and `vmap`.

    **Fields:** `data`, a pytree whose leaves have leading dimension `capacity`; `position`,
    the next row written (int32); `size`, the number of filled rows (int32).
    """

    data: Any
    position: Int[Array, ""]
    size: Int[Array, ""]

    @classmethod
    def create(cls, capacity: int, example: Any) -> "ReplayBuffer":
        """An empty buffer for transitions shaped like `example` (one unbatched transition).

        **Raises:** `ValueError` if `capacity < 1`.
        """
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        data = jax.tree.map(
            lambda x: jnp.zeros((capacity,) + jnp.shape(x), jnp.asarray(x).dtype), example
        )
        return cls(data, jnp.asarray(0, jnp.int32), jnp.asarray(0, jnp.int32))

    @property
    def capacity(self) -> int:
        return jax.tree.leaves(self.data)[0].shape[0]

    def add(self, batch: Any) -> "ReplayBuffer":
        """Append a batch of `n <= capacity` transitions (leading dimension `n`), overwriting the
        oldest ones when full."""
        n = jax.tree.leaves(batch)[0].shape[0]
        if n > self.capacity:
            raise ValueError(f"cannot add {n} transitions to a buffer of capacity {self.capacity}")
        rows = (self.position + jnp.arange(n)) % self.capacity
        data = jax.tree.map(lambda d, x: d.at[rows].set(x.astype(d.dtype)), self.data, batch)
        return ReplayBuffer(
            data,
            (self.position + n) % self.capacity,
            jnp.minimum(self.size + n, self.capacity),
        )

    def sample(self, key: PRNGKeyArray, batch_size: int) -> Any:
        """`batch_size` transitions drawn uniformly, with replacement, from the filled rows.

        Sampling an empty buffer returns row 0 (zeros); callers gate learning on `size`.
        """
        idx = jax.random.randint(key, (batch_size,), 0, jnp.maximum(self.size, 1))
        return jax.tree.map(lambda d: d[idx], self.data)
