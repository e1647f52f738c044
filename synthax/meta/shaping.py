"""Fitness shaping for evosax strategies.

Centered ranks (Wierstra et al. 2014, "Natural Evolution Strategies", JMLR 15, Section 3.1;
Salimans et al. 2017, arXiv:1703.03864) with *tied fitnesses sharing their mean rank*. evosax's
own centered ranks give tied members distinct ranks by their position in the population, so a
generation in which every member scores the same (a plateau, common with sparse objectives such
as steps-to-solve) still moves the search mean, in a random direction. With shared ranks such a
generation leaves the mean where it is.
"""

import jax.numpy as jnp
from jaxtyping import Array, Float


def centered_ranks_with_ties(
    population, fitness: Float[Array, " population"], state=None, params=None
) -> Float[Array, " population"]:
    """Centered ranks in `[-0.5, 0.5]`; equal fitnesses get the average of their ranks.

    **Arguments:** as evosax's `fitness_shaping_fn` (`population`, `fitness`, `state`,
    `params`); only `fitness` (float32 `(population,)`) is used.

    **Returns:** float32 `(population,)`; all zeros when every fitness is equal.
    """
    n = fitness.shape[-1]
    less = jnp.sum(fitness[None, :] < fitness[:, None], axis=-1)
    equal = jnp.sum(fitness[None, :] == fitness[:, None], axis=-1)
    ranks = less + (equal - 1) / 2
    return (ranks / jnp.maximum(n - 1, 1) - 0.5).astype(jnp.float32)
