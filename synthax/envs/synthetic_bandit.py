"""The synthetic contextual bandit (SCB) of Liesen et al. (2024).

"Discovering Minimal Reinforcement Learning Environments", arXiv:2406.12589, Section 3: episodes
last one step; the initial observation is a network of a latent Gaussian sample,
``s0 = f_init(z), z ~ N(0, I)``, and the reward is a network of the observation and the action,
``r = f_r(concat(s0, a))`` with discrete actions one-hot encoded.
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray

from ._spaces import SpacesFromBounds, space_arguments
from .base import AbstractEnvironment, Observation, StepResult


class BanditState(eqx.Module):
    """State of a synthetic contextual bandit: the current observation and the step count."""

    obs: Float[Array, " obs_dim"]
    time: Int[Array, ""]


class SyntheticContextualBandit(SpacesFromBounds):
    """A one-step synthetic environment whose initial state and reward are neural networks.

    Its inexact array leaves (the two networks' weights) are the meta-learned parameters; the
    spaces are static, so `eqx.filter_vmap` over keys builds a population of environments.

    **Arguments:**

    - `observation_low`, `observation_high`: the real environment's observation bounds
      (sequences of floats, one per observation dimension; infinite or float32-max bounds allowed).
    - `num_actions`: number of discrete actions, or `None` for a `Box` action space.
    - `action_low`, `action_high`: `Box` action bounds (sequences), when `num_actions` is `None`.
    - `latent_dim`: size of the Gaussian latent; defaults to the observation size (as in the paper).
    - `hidden_size`: width of the single hidden layer of both networks (paper: 32).
    - `max_steps_in_episode`: episode length, 1 for a contextual bandit.
    - `bound_observations`: squash observations into the real bounds (below). Only imports of
      environments learned without it (synthetic-gymnax's) turn it off.
    - `scale_reward_input`: the reward network reads each bounded observation dimension mapped
      linearly from the real bounds to [-1, 1] (unbounded dimensions as they are). Without it
      (the paper's network) a dimension with a small range, such as MountainCar's velocity
      (|v| <= 0.07), barely moves the reward of a randomly initialised network, and no agent
      trained on such a bandit learns a velocity-dependent policy; see
      `experiments/configs/mountaincar.yaml` for the measurement.
    - `scale_initial_state`: the initial-state network's output is in units of the real
      bounds: each bounded dimension is `center + half_width * x` (then squashed, with
      `bound_observations`, into `center + half_width * tanh(x)`), so a randomly initialised
      network, whose outputs are of order 1, already spreads its resets over much of the real
      range. Without it (the paper's network) a wide dimension such as Pendulum's angular
      velocity (|v| <= 8) starts concentrated near its centre; see
      `experiments/configs/pendulum.yaml` for the measurement.
    - `key` (keyword-only): PRNG key for the networks' initialisation.

    **Observation bounds:** with `bound_observations` (the default), each dimension with finite
    bounds is squashed into them with a scaled `tanh` and unbounded dimensions are only clipped
    to float32's range, so `observation_space.contains(obs)` holds for every reset.

    **Actions:** `Box` actions are clipped to the action space before the reward network.
    Discrete actions are integer indices (a `bool` is read as 0 or 1); the module does not
    check their range (an index outside `[0, num_actions)` one-hot encodes as zeros), the
    gymnax drop-in (`gymnax.make("Synthetic-...")`, [`ToGymnax`][synthax.envs.ToGymnax])
    raises for an out-of-range, fractional or NaN one.

    **Raises:** `ValueError` when neither or both of `num_actions` and the action bounds are
    given, or when bounds have the wrong length or `low > high`.
    """

    init_net: eqx.nn.MLP
    reward_net: eqx.nn.MLP
    latent_dim: int = eqx.field(static=True)
    hidden_size: int = eqx.field(static=True)
    max_steps_in_episode: int = eqx.field(static=True)
    bound_observations: bool = eqx.field(static=True)
    scale_reward_input: bool = eqx.field(static=True)
    scale_initial_state: bool = eqx.field(static=True)

    def __init__(
        self,
        observation_low,
        observation_high,
        num_actions: int | None = None,
        action_low=None,
        action_high=None,
        latent_dim: int | None = None,
        hidden_size: int = 32,
        max_steps_in_episode: int = 1,
        bound_observations: bool = True,
        scale_reward_input: bool = False,
        scale_initial_state: bool = False,
        *,
        key: PRNGKeyArray,
    ):
        action_dim = self._set_spaces(observation_low, observation_high, num_actions,
                                      action_low, action_high)
        obs_dim = len(self.observation_low)
        self.latent_dim = int(latent_dim) if latent_dim is not None else obs_dim
        self.hidden_size = int(hidden_size)
        if max_steps_in_episode < 1:
            raise ValueError(f"max_steps_in_episode must be >= 1, got {max_steps_in_episode}")
        self.max_steps_in_episode = int(max_steps_in_episode)
        self.bound_observations = bool(bound_observations)
        self.scale_reward_input = bool(scale_reward_input)
        self.scale_initial_state = bool(scale_initial_state)
        k_init, k_reward = jax.random.split(key)
        self.init_net = eqx.nn.MLP(
            self.latent_dim, obs_dim, self.hidden_size, 1, activation=jax.nn.relu, key=k_init
        )
        self.reward_net = eqx.nn.MLP(
            obs_dim + action_dim, "scalar", self.hidden_size, 1, activation=jax.nn.relu,
            key=k_reward,
        )

    @classmethod
    def for_environment(
        cls, env: AbstractEnvironment, *, key: PRNGKeyArray, **kwargs
    ) -> "SyntheticContextualBandit":
        """Build a bandit with the observation and action spaces of `env`.

        **Arguments:** `env`, the real environment it stands in for; `key` (keyword-only);
        `kwargs` as for the constructor (`latent_dim`, `hidden_size`).
        """
        return cls(**space_arguments(env), **kwargs, key=key)

    def config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (everything but the key)."""
        return {
            **self._space_config(),
            "latent_dim": self.latent_dim,
            "hidden_size": self.hidden_size,
            "max_steps_in_episode": self.max_steps_in_episode,
            "bound_observations": self.bound_observations,
            "scale_reward_input": self.scale_reward_input,
            "scale_initial_state": self.scale_initial_state,
        }

    def _center_half(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per dimension: whether the real bounds are finite, their centre and half-width
        (0 and 1 for unbounded dimensions), as float32."""
        low64 = np.asarray(self.observation_low, np.float64)
        high64 = np.asarray(self.observation_high, np.float64)
        bounded = np.isfinite(low64) & np.isfinite(high64) & (high64 - low64 < 1e30)
        low64, high64 = np.where(bounded, low64, -1.0), np.where(bounded, high64, 1.0)
        center = ((low64 + high64) / 2).astype(np.float32)
        half = np.maximum((high64 - low64) / 2, 1e-12).astype(np.float32)
        return bounded, center, half

    def _squash(self, x: Float[Array, " obs_dim"]) -> Float[Array, " obs_dim"]:
        bounded, center, half = self._center_half()
        space = self.observation_space
        squashed = center + half * jnp.tanh((x - center) / half)
        return jnp.clip(jnp.where(bounded, squashed, x), space.low, space.high)

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, BanditState]:
        z = jax.random.normal(key, (self.latent_dim,))
        obs = self.init_net(z)
        if self.scale_initial_state:
            bounded, center, half = self._center_half()
            obs = jnp.where(bounded, center + half * obs, obs)
        if self.bound_observations:
            obs = self._squash(obs)
        return obs, BanditState(obs=obs, time=jnp.asarray(0, jnp.int32))

    def reward(
        self, obs: Float[Array, " obs_dim"], action: Array
    ) -> Float[Array, ""]:
        """The reward network's output for one observation and action.

        **Arguments:** `obs` (float32, `(obs_dim,)`), `action` (int32 scalar for discrete action
        spaces, float32 `(action_dim,)` for `Box` ones, clipped to the bounds first).

        **Returns:** a float32 scalar.
        """
        encoded = self._encode_action(action)
        if self.scale_reward_input:
            obs = self.scale_observation(obs)
        return self.reward_net(jnp.concatenate([obs, encoded]))

    def scale_observation(
        self, obs: Float[Array, "*batch obs_dim"]
    ) -> Float[Array, "*batch obs_dim"]:
        """`obs` with each dimension of finite real bounds mapped from them to [-1, 1] (the
        reward network's input with `scale_reward_input`); unbounded dimensions unchanged.

        **Arguments:** `obs`, float32 `(..., obs_dim)`. **Returns:** the same shape, float32.
        """
        _, center, half = self._center_half()
        return (obs - center) / half

    def transition(self, key: PRNGKeyArray, state: BanditState, action: Array) -> StepResult:
        reward = self.reward(state.obs, action)
        time = state.time + 1
        terminated = time >= self.max_steps_in_episode
        return (
            state.obs,
            BanditState(obs=state.obs, time=time),
            reward.astype(jnp.float32),
            terminated,
            jnp.asarray(False),
            {},
        )

