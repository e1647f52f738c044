"""The suite runs with beartype checking synthax's jaxtyping annotations (see pyproject.toml)."""

import jax
import jax.numpy as jnp
import jaxtyping
import pytest

from synthax.envs import SyntheticContextualBandit, make


def test_annotations_are_checked_at_runtime():
    env = SyntheticContextualBandit.for_environment(make("CartPole-v1"), key=jax.random.PRNGKey(0))
    env.reward(jnp.zeros(4), jnp.asarray(1))
    with pytest.raises(jaxtyping.TypeCheckError):
        env.reward(jnp.zeros(4, jnp.int32), jnp.asarray(1))  # int observation: wrong dtype
    with pytest.raises(jaxtyping.TypeCheckError):
        env.reward(jnp.zeros((2, 4)), jnp.asarray(1))  # batched observation: wrong shape
