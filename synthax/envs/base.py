"""The environment interface shared by every synthax environment.

The interface follows gymnax 1.x (Lange, 2022, https://github.com/RobertTLange/gymnax) with two
changes that make environments first-class pytrees: an environment is an `equinox.Module` whose
array leaves are its parameters (so a population of environments is one stacked module), and it
carries its own parameters instead of taking an ``EnvParams`` argument.
"""

import abc
import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from gymnax.environments import spaces
from jaxtyping import Array, Bool, Float, PRNGKeyArray

Observation = Float[Array, "*obs_shape"]
StepResult = tuple[
    Observation, Any, Float[Array, ""], Bool[Array, ""], Bool[Array, ""], dict[str, Any]
]


class AbstractEnvironment(eqx.Module):
    """A functional, jittable, vmappable reinforcement-learning environment.

    Subclasses implement [`reset`][synthax.envs.AbstractEnvironment.reset] and
    [`transition`][synthax.envs.AbstractEnvironment.transition]; `step` adds the automatic reset
    that vectorised training loops expect, exactly as gymnax 1.x does.

    Termination and truncation are kept apart: `terminated` means the MDP reached a terminal state
    (no bootstrapping), `truncated` means the episode was cut by a time limit (bootstrap from
    ``info["final_observation"]``).

    `jax.jit(env.step)` and `jax.jit(env.reset)` work and compile with this environment's arrays
    as constants. To pass environments (or agents and policies) as *arguments* of a compiled
    function, use `eqx.filter_jit`, which traces their arrays and keeps the rest static;
    `jax.jit` rejects their non-array leaves (activation functions, sizes).
    """

    def __hash__(self) -> int:
        # Equinox hashes a module by its fields, and arrays are unhashable, so `jax.jit(env.step)`
        # (which hashes the bound method and so `env`) would fail with "unhashable type". An
        # environment holding arrays is hashed by identity instead; equality stays Equinox's.
        try:
            return super().__hash__()
        except TypeError:
            return object.__hash__(self)

    @abc.abstractmethod
    def reset(self, key: PRNGKeyArray) -> tuple[Observation, Any]:
        """Start an episode.

        **Arguments:**

        - `key`: a JAX PRNG key.

        **Returns:** `(observation, state)`; the observation has shape
        `observation_space.shape` and dtype float32.
        """

    @abc.abstractmethod
    def transition(self, key: PRNGKeyArray, state: Any, action: Array) -> StepResult:
        """One environment transition without automatic reset.

        **Arguments:**

        - `key`: a JAX PRNG key.
        - `state`: the state returned by `reset` or a previous step.
        - `action`: an int32 scalar for `Discrete` action spaces, a float32 array of the action
          space's shape for `Box` ones.

        **Returns:** `(observation, state, reward, terminated, truncated, info)` with float32
        scalar reward and boolean scalar flags.
        """

    @property
    @abc.abstractmethod
    def observation_space(self) -> spaces.Box:
        """The gymnax `Box` that every observation lies in."""

    @property
    @abc.abstractmethod
    def action_space(self) -> spaces.Discrete | spaces.Box:
        """The gymnax `Discrete` or `Box` action space."""

    # The time limit (steps) at which episodes are truncated: a static field of the same name
    # (the constructors' argument) or a property.
    max_steps_in_episode: eqx.AbstractVar[int]

    def step(self, key: PRNGKeyArray, state: Any, action: Array) -> StepResult:
        """One transition, resetting automatically when the episode ends.

        **Arguments:** as for `transition`.

        **Returns:** `(observation, state, reward, terminated, truncated, info)`. When the episode
        ended (`terminated | truncated`), `observation` and `state` are those of a fresh episode
        and ``info["final_observation"]`` holds the last observation of the ended one; otherwise
        ``info["final_observation"]`` equals `observation`.
        """
        key_step, key_reset = jax.random.split(key)
        obs_st, state_st, reward, terminated, truncated, info = self.transition(
            key_step, state, action
        )
        obs_re, state_re = self.reset(key_reset)
        done = jnp.logical_or(terminated, truncated)
        state = jax.tree.map(lambda r, s: jnp.where(done, r, s), state_re, state_st)
        obs = jnp.where(done, obs_re, obs_st)
        info = {**info, "final_observation": obs_st}
        return obs, state, reward, terminated, truncated, info

    def learnable(self) -> Any:
        """The filter spec of the leaves an evolution strategy searches over.

        **Returns:** a pytree of bools with this environment's structure (as
        `eqx.filter(env, env.learnable())` expects): every inexact array by default. Wrappers
        around a real environment override it so that the real environment's parameters and
        other fixed arrays are not searched.
        """
        return jax.tree.map(eqx.is_inexact_array, self)

    def for_agent(self, agent: Any) -> "AbstractEnvironment":
        """This environment as seen by `agent` (itself by default).

        Environments whose rewards depend on the agent, such as potential-based reward
        networks that use the agent's discount `gamma`, return a copy bound to `agent`.
        """
        return self

    @property
    def is_discrete(self) -> bool:
        """Whether the action space is `Discrete`."""
        return isinstance(self.action_space, spaces.Discrete)

    @property
    def action_dim(self) -> int:
        """Number of discrete actions, or the size of a `Box` action."""
        space = self.action_space
        if isinstance(space, spaces.Discrete):
            return int(space.n)
        return math.prod(space.shape)

    @property
    def observation_dim(self) -> int:
        """Size of the flattened observation."""
        return math.prod(self.observation_space.shape)
