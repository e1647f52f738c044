"""The synthetic MDP: learned transition, reward and termination networks.

Ferreira et al. (2022), "Learning Synthetic Environments and Reward Networks for Reinforcement
Learning", ICLR, arXiv:2202.02790, Section 3: a synthetic environment (SE) replaces the real
environment's dynamics by three networks of the state and the action,
``s' = f_s(s, a)``, ``r = f_r(s, a)``, ``done = f_d(s, a) > 0.5``, and starts its episodes from
the real environment's reset. Liesen et al. (2024, arXiv:2406.12589, Section 3) describe the
residual variant ``s' = s + f_s(s, a)`` and a learned initial state ``s0 = f_init(z)``,
``z ~ N(0, I)``, as in the synthetic contextual bandit.
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.nn import ACTIVATIONS, mlp

from ._spaces import SpacesFromBounds, space_arguments
from .base import AbstractEnvironment, Observation, StepResult

INITIAL_STATES = ("real", "learned")


class MDPState(eqx.Module):
    """State of a synthetic MDP: the current observation and the steps taken (int32)."""

    obs: Float[Array, " obs_dim"]
    time: Int[Array, ""]


class SyntheticMDP(SpacesFromBounds):
    """A multi-step synthetic environment whose dynamics, reward and termination are networks.

    Its searched parameters are the networks' weights (`learnable`); the real environment used
    for resets is held but never searched.

    **Arguments:**

    - `observation_low`, `observation_high`: the real observation bounds (one float per
      dimension; infinite bounds allowed). Next observations are clipped to them, so every
      observation lies in `observation_space`.
    - `num_actions` (discrete, one-hot encoded) or `action_low` and `action_high` (`Box`,
      clipped to the bounds before the networks).
    - `max_steps_in_episode`: the time limit (truncation), e.g. the real environment's.
    - `initial_state`: `"real"` (draw `s0` from `reset_env.reset`, the SE of Ferreira et al.)
      or `"learned"` (`s0 = f_init(z)`, `z ~ N(0, I)` of size `latent_dim`).
    - `reset_env`: the real environment, required for `initial_state="real"`; its observations
      must have the same size.
    - `residual`: predict `s' - s` instead of `s'` (default `False`, as in Ferreira et al.).
    - `hidden_size`, `num_layers`, `activation`: the networks (the SE of Ferreira et al. for
      CartPole: one hidden layer of 83 units, leaky ReLU). Activations: `synthax.nn.ACTIVATIONS`.
    - `latent_dim`: latent size for a learned initial state (default: the observation size).
    - `key` (keyword-only): PRNG key for the networks' initialisation.

    **Call semantics:** `transition` maps float32 `(obs_dim,)` and an action to
    `(s', state, r, terminated, truncated, {})`; `terminated = f_d(s, a) > 0.5`, `truncated`
    when the time limit is reached first.

    **Raises:** `ValueError` for an unknown `initial_state` or `activation` (naming the allowed
    ones), a missing or mismatched `reset_env`, inconsistent action arguments, `low > high`, or
    sizes below 1.
    """

    transition_net: eqx.nn.MLP
    reward_net: eqx.nn.MLP
    termination_net: eqx.nn.MLP
    init_net: eqx.nn.MLP | None
    reset_env: AbstractEnvironment | None
    max_steps_in_episode: int = eqx.field(static=True)
    initial_state: str = eqx.field(static=True)
    residual: bool = eqx.field(static=True)
    hidden_size: int = eqx.field(static=True)
    num_layers: int = eqx.field(static=True)
    activation: str = eqx.field(static=True)
    latent_dim: int = eqx.field(static=True)

    def __init__(
        self,
        observation_low,
        observation_high,
        num_actions: int | None = None,
        action_low=None,
        action_high=None,
        max_steps_in_episode: int = 200,
        initial_state: str = "real",
        reset_env: AbstractEnvironment | None = None,
        residual: bool = False,
        hidden_size: int = 64,
        num_layers: int = 1,
        activation: str = "leaky_relu",
        latent_dim: int | None = None,
        *,
        key: PRNGKeyArray,
    ):
        action_dim = self._set_spaces(observation_low, observation_high, num_actions,
                                      action_low, action_high)
        obs_dim = len(self.observation_low)
        for name, value in (("max_steps_in_episode", max_steps_in_episode),
                            ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if int(value) < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if initial_state not in INITIAL_STATES:
            raise ValueError(
                f"unknown initial_state {initial_state!r}; allowed: {list(INITIAL_STATES)}"
            )
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; allowed: {sorted(ACTIVATIONS)}")
        if initial_state == "real":
            if reset_env is None:
                raise ValueError("initial_state='real' needs reset_env, the real environment")
            if reset_env.observation_dim != obs_dim:
                raise ValueError(
                    f"reset_env observations have {reset_env.observation_dim} entries, the "
                    f"synthetic MDP's {obs_dim}"
                )
        else:
            reset_env = None
        self.max_steps_in_episode = int(max_steps_in_episode)
        self.initial_state = initial_state
        self.reset_env = reset_env
        self.residual = bool(residual)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.activation = activation
        self.latent_dim = int(latent_dim) if latent_dim is not None else obs_dim
        k_next, k_reward, k_done, k_init = jax.random.split(key, 4)
        in_size = obs_dim + action_dim
        net = lambda i, o, k: mlp(i, o, self.hidden_size, self.num_layers, activation, k)  # noqa: E731
        self.transition_net = net(in_size, obs_dim, k_next)
        self.reward_net = net(in_size, "scalar", k_reward)
        self.termination_net = net(in_size, "scalar", k_done)
        learned = initial_state == "learned"
        self.init_net = net(self.latent_dim, obs_dim, k_init) if learned else None

    @classmethod
    def for_environment(
        cls, env: AbstractEnvironment, *, key: PRNGKeyArray, **kwargs
    ) -> "SyntheticMDP":
        """A synthetic MDP with the spaces and time limit of `env` that (by default) starts
        its episodes from `env.reset`.

        **Arguments:** `env`, the real environment; `key` (keyword-only); `kwargs` as for the
        constructor
        (`max_steps_in_episode` defaults to `env`'s).
        """
        kwargs.setdefault("max_steps_in_episode", env.max_steps_in_episode)
        if kwargs.get("initial_state", "real") == "real":
            kwargs.setdefault("reset_env", env)
        return cls(**space_arguments(env), **kwargs, key=key)

    def config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (everything but the key and `reset_env`)."""
        return {
            **self._space_config(),
            "max_steps_in_episode": self.max_steps_in_episode,
            "initial_state": self.initial_state,
            "residual": self.residual,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "activation": self.activation,
            "latent_dim": self.latent_dim,
        }

    def learnable(self) -> Any:
        """The networks' weights; not the real environment used for resets."""
        spec = super().learnable()
        if self.reset_env is None:
            return spec
        return eqx.tree_at(lambda e: e.reset_env, spec,
                           jax.tree.map(lambda _: False, self.reset_env))

    def _clip(self, obs: Float[Array, " obs_dim"]) -> Float[Array, " obs_dim"]:
        space = self.observation_space
        return jnp.clip(jnp.nan_to_num(obs), space.low, space.high)

    def _inputs(self, obs: Float[Array, " obs_dim"], action: Array) -> Float[Array, " in_size"]:
        encoded = self._encode_action(action)
        return jnp.concatenate([obs, encoded])

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, MDPState]:
        if self.reset_env is not None:
            obs, _ = self.reset_env.reset(key)
            obs = jnp.reshape(obs, (-1,)).astype(jnp.float32)
        else:
            obs = self.init_net(jax.random.normal(key, (self.latent_dim,)))
        obs = self._clip(obs)
        return obs, MDPState(obs=obs, time=jnp.asarray(0, jnp.int32))

    def dynamics(
        self, obs: Float[Array, " obs_dim"], action: Array
    ) -> tuple[Float[Array, " obs_dim"], Float[Array, ""], Float[Array, ""]]:
        """The three networks at one observation and action.

        **Arguments:** `obs` (float32 `(obs_dim,)`), `action` (int32 scalar, or float32
        `(action_dim,)` clipped to the bounds).

        **Returns:** the next observation (float32 `(obs_dim,)`, clipped to the observation
        space), the reward (float32 scalar) and the termination output (float32 scalar; the
        episode terminates where it exceeds 0.5).
        """
        inputs = self._inputs(obs, action)
        delta = self.transition_net(inputs)
        next_obs = self._clip(obs + delta if self.residual else delta)
        return next_obs, self.reward_net(inputs), self.termination_net(inputs)

    def transition(self, key: PRNGKeyArray, state: MDPState, action: Array) -> StepResult:
        next_obs, reward, done = self.dynamics(state.obs, action)
        time = state.time + 1
        terminated = done > 0.5
        truncated = jnp.logical_and(jnp.logical_not(terminated), time >= self.max_steps_in_episode)
        return (
            next_obs,
            MDPState(obs=next_obs, time=time),
            reward.astype(jnp.float32),
            terminated,
            truncated,
            {},
        )

