"""The Intrinsic Curiosity Module (ICM) as an environment wrapper.

Pathak, Agrawal, Efros and Darrell (2017), "Curiosity-driven Exploration by Self-supervised
Prediction", ICML, arXiv:1705.05363, Section 2: a feature encoder ``phi`` and an inverse model
``g`` are trained to predict the action from two consecutive observations,
``a_hat = g(phi(s), phi(s'))`` (Eqs. 2-3), and a forward model ``f`` predicts the next features,
``phi_hat(s') = f(phi(s), a)`` (Eq. 4), with loss ``L_F = 0.5 * ||phi_hat(s') - phi(s')||^2``
(Eq. 5). The curiosity bonus is the forward model's error, ``r_i = eta/2 * ||phi_hat(s') -
phi(s')||^2`` (Eq. 6), and the module minimises ``(1 - beta) * L_I + beta * L_F`` (Eq. 7).

Ferreira et al. (2022), "Learning Synthetic Environments and Reward Networks for Reinforcement
Learning", ICLR, arXiv:2202.02790, use the ICM as the baseline that their reward networks are
compared against; [`Curiosity`][synthax.envs.curiosity.Curiosity] provides it for any synthax
environment, with the ICM learning online while the agent trains.
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from gymnax.environments import spaces
from jaxtyping import Array, Float, PRNGKeyArray

from synthax.nn import mlp

from .base import AbstractEnvironment, Observation, StepResult
from .wrapper import AbstractWrapper

_NETWORKS = ("encoder", "forward_model", "inverse_model")


class CuriosityState(eqx.Module):
    """State of a [`Curiosity`][synthax.envs.curiosity.Curiosity] environment.

    **Fields:**

    - `inner`: the wrapped environment's state (the only part an episode end resets).
    - `obs`: the current observation, flattened, float32 `(obs_dim,)`; the `s` of the next
      transition.
    - `params`: the ICM's current weights, a dict with keys `"encoder"`, `"forward_model"` and
      `"inverse_model"` holding the networks' float32 arrays (their non-array parts are `None`;
      `eqx.combine` with the wrapper's networks restores them).
    - `opt_state`: the optax Adam state of `params` (step count int32, first and second
      moments float32).
    """

    inner: Any
    obs: Float[Array, " obs_dim"]
    params: dict[str, Any]
    opt_state: Any


def _scalar(name: str, value: Any) -> Float[Array, ""]:
    """`value` as a float32 scalar array; traced values pass through unchecked.

    **Raises:** `ValueError` if a concrete `value` is not a finite scalar.
    """
    array = jnp.asarray(value, jnp.float32)
    try:
        concrete = np.asarray(array)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return array
    if concrete.shape != ():
        raise ValueError(f"{name} must be a scalar, got shape {concrete.shape}")
    if not np.isfinite(concrete):
        raise ValueError(f"{name} must be finite, got {float(concrete)}")
    return array


def _concrete(value: Array) -> float | None:
    """The Python float of a concrete scalar array, `None` for a traced one."""
    try:
        return float(np.asarray(value))
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


class Curiosity(AbstractWrapper):
    """`env` with the Intrinsic Curiosity Module bonus of Pathak et al. (2017) added to (or in
    place of) its reward; the ICM learns online, one Adam step per transition.

    **Arguments:**

    - `env`: the wrapped environment; its dynamics, spaces, termination and time limit are kept.
    - `key` (keyword-only): PRNG key for the ICM networks' initialisation.
    - `feature_dim`: size of the features `phi(s)` (float32 `(feature_dim,)`).
    - `hidden_size`: width of the single hidden layer of each of the three networks.
    - `eta`: scale of the intrinsic reward (Eq. 6), a non-negative float; default 0.01, a small
      bonus beside a dense extrinsic reward (the bonus shrinks as the forward model learns).
      Ferreira et al.'s ICM baseline uses 0.5 (`experiments/reward_networks.py` does too).
    - `beta`: weight of the forward loss against the inverse loss in `[0, 1]` (Eq. 7; paper:
      0.2).
    - `learning_rate`: the ICM's Adam step size, a positive float (default 1e-3).
    - `exclusive`: `False` (default, "additive"): reward `r + eta * r_i`; `True`: `eta * r_i`
      only (the paper's "no extrinsic reward" setting, Section 4).

    **Networks** (built with [`synthax.nn.mlp`][synthax.nn.mlp], one hidden layer each):

    - encoder `phi`: float32 `(obs_dim,)` (the flattened observation) -> `(feature_dim,)`, ELU
      activation (the paper's encoder uses ELUs);
    - forward model `f`: `concat(phi(s), a)` -> `(feature_dim,)`, ReLU;
    - inverse model `g`: `concat(phi(s), phi(s'))` -> `(num_actions,)` logits for `Discrete`
      actions or the `(action_dim,)` predicted action for `Box` ones, ReLU.

    Discrete actions enter `f` one-hot encoded, `Box` actions flattened and clipped to the action
    space. The paper's networks are convolutional for images; these MLPs are the vector-
    observation counterpart.

    **Transition:** with the ICM weights `theta` in the state,

    1. the wrapped environment steps from `s` with action `a` to `s'` (before any reset);
    2. `r_i = 0.5 * ||phi(s') - f(phi(s), a)||^2` with the weights before the update, under
       `stop_gradient` (the bonus is a reward, not a differentiable signal; Eq. 6 without
       `eta`), a float32 scalar in squared feature units;
    3. one Adam step on `(1 - beta) * L_I + beta * L_F` for this transition (Eq. 7 without the
       policy term), where `L_F = r_i` as a function of `theta` (Eq. 5; its gradient reaches the
       encoder through both `phi(s)` and `phi(s')`, as in the joint minimisation of Eq. 7) and
       `L_I` is the cross-entropy of `g`'s logits with `a` for `Discrete` actions, or
       `0.5 * ||g(phi(s), phi(s')) - a||^2` for `Box` ones (Eq. 3);
    4. the reward is `r + eta * r_i`, or `eta * r_i` when `exclusive`.

    The update uses this single transition; the paper's A3C workers update the ICM on batches of
    20 steps. Terminal and truncated transitions are learned from like any other.

    **State:** a [`CuriosityState`][synthax.envs.curiosity.CuriosityState] holding the wrapped
    environment's state, the current observation, and the ICM's current weights and Adam state.
    `reset` starts the ICM from this module's (initial) networks; `step`'s automatic reset
    restarts only the wrapped environment, so the ICM keeps learning across episodes.

    **Info:** the wrapped environment's info plus `"extrinsic_reward"` (float32 scalar, its
    reward) and `"intrinsic_reward"` (float32 scalar, `r_i` before scaling by `eta`); `step`
    adds `"final_observation"` as
    [`AbstractEnvironment.step`][synthax.envs.AbstractEnvironment.step] does.

    **Batches:** under `jax.vmap` (e.g. the `num_envs` copies an agent steps) every copy holds
    and trains its own ICM on its own transitions, whereas the paper trains one ICM shared by all
    workers. The functional environment interface keeps all learning state in the per-copy
    environment state, and copies cannot exchange gradients inside `step`; each copy's ICM thus
    sees `1/num_envs` of the data.

    **Meta-learning:** `learnable()` selects the ICM's initial weights only, not the wrapped
    environment nor `eta`, `beta` and `learning_rate`.

    **Raises:** `TypeError` if `env` is not an
    [`AbstractEnvironment`][synthax.envs.AbstractEnvironment]; `ValueError` if `feature_dim` or
    `hidden_size` is below 1, `eta` is negative, `beta` lies outside `[0, 1]`, `learning_rate` is
    not positive, or any of the three is not a finite scalar.
    """

    env: AbstractEnvironment
    encoder: eqx.nn.MLP
    forward_model: eqx.nn.MLP
    inverse_model: eqx.nn.MLP
    eta: Float[Array, ""]
    beta: Float[Array, ""]
    learning_rate: Float[Array, ""]
    feature_dim: int = eqx.field(static=True)
    hidden_size: int = eqx.field(static=True)
    exclusive: bool = eqx.field(static=True)

    def __init__(
        self,
        env: AbstractEnvironment,
        *,
        key: PRNGKeyArray,
        feature_dim: int = 32,
        hidden_size: int = 64,
        eta: float | Array = 0.01,
        beta: float | Array = 0.2,
        learning_rate: float | Array = 1e-3,
        exclusive: bool = False,
    ):
        if not isinstance(env, AbstractEnvironment):
            raise TypeError(f"Curiosity wraps an AbstractEnvironment, got {type(env).__name__}")
        for name, value in (("feature_dim", feature_dim), ("hidden_size", hidden_size)):
            if int(value) < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        self.env = env
        self.feature_dim = int(feature_dim)
        self.hidden_size = int(hidden_size)
        self.exclusive = bool(exclusive)
        self.eta = _scalar("eta", eta)
        self.beta = _scalar("beta", beta)
        self.learning_rate = _scalar("learning_rate", learning_rate)
        eta_value, beta_value = _concrete(self.eta), _concrete(self.beta)
        lr_value = _concrete(self.learning_rate)
        if eta_value is not None and eta_value < 0:
            raise ValueError(f"eta must be >= 0, got {eta_value}")
        if beta_value is not None and not 0.0 <= beta_value <= 1.0:
            raise ValueError(f"beta must lie in [0, 1], got {beta_value}")
        if lr_value is not None and lr_value <= 0:
            raise ValueError(f"learning_rate must be > 0, got {lr_value}")
        k_enc, k_fwd, k_inv = jax.random.split(key, 3)
        obs_dim, action_dim = env.observation_dim, env.action_dim
        self.encoder = mlp(obs_dim, self.feature_dim, self.hidden_size, 1, "elu", k_enc)
        self.forward_model = mlp(self.feature_dim + action_dim, self.feature_dim,
                                 self.hidden_size, 1, "relu", k_fwd)
        self.inverse_model = mlp(2 * self.feature_dim, action_dim, self.hidden_size, 1, "relu",
                                 k_inv)

    # ----------------------------------------------------------------------------------------
    # The ICM.

    def _networks(self) -> dict[str, eqx.nn.MLP]:
        return {name: getattr(self, name) for name in _NETWORKS}

    def initial_params(self) -> dict[str, Any]:
        """The ICM's initial weights as `reset` puts them in the state.

        **Returns:** a dict with keys `"encoder"`, `"forward_model"`, `"inverse_model"`, each
        the network with its float32 arrays kept and its other leaves `None`.
        """
        return eqx.filter(self._networks(), eqx.is_inexact_array)

    def _optimizer(self) -> optax.GradientTransformation:
        return optax.adam(self.learning_rate)

    def _encode_action(self, action: Array) -> Float[Array, " action_dim"]:
        space = self.env.action_space
        if isinstance(space, spaces.Discrete):
            return jax.nn.one_hot(action, self.env.action_dim, dtype=jnp.float32)
        flat = jnp.ravel(jnp.asarray(action, jnp.float32))
        low = jnp.ravel(jnp.broadcast_to(jnp.asarray(space.low, jnp.float32), space.shape))
        high = jnp.ravel(jnp.broadcast_to(jnp.asarray(space.high, jnp.float32), space.shape))
        return jnp.clip(flat, low, high)

    def losses(
        self,
        params: dict[str, Any],
        obs: Float[Array, " obs_dim"],
        action: Array,
        next_obs: Float[Array, " obs_dim"],
    ) -> tuple[Float[Array, ""], Float[Array, ""]]:
        """The ICM's forward and inverse losses for one transition.

        **Arguments:**

        - `params`: ICM weights, as `initial_params()` returns them or `CuriosityState.params`
          holds them.
        - `obs`, `next_obs`: float32 `(obs_dim,)`, flattened observations before and after the
          action (the latter before any automatic reset).
        - `action`: int32 scalar for `Discrete` action spaces, float32 array of the action
          space's shape for `Box` ones.

        **Returns:** `(forward_loss, inverse_loss)`, float32 scalars:
        `0.5 * ||f(phi(s), a) - phi(s')||^2` (Eq. 5, the unscaled intrinsic reward of Eq. 6),
        and the cross-entropy of the inverse model's logits with `a` (`Discrete`) or
        `0.5 * ||g(phi(s), phi(s')) - a||^2` (`Box`) (Eq. 3).
        """
        static = eqx.filter(self._networks(), eqx.is_inexact_array, inverse=True)
        nets = eqx.combine(params, static)
        a = self._encode_action(action)
        phi = nets["encoder"](obs)
        phi_next = nets["encoder"](next_obs)
        predicted = nets["forward_model"](jnp.concatenate([phi, a]))
        forward_loss = 0.5 * jnp.sum((predicted - phi_next) ** 2)
        inverse_out = nets["inverse_model"](jnp.concatenate([phi, phi_next]))
        if self.is_discrete:
            inverse_loss = -jnp.sum(a * jax.nn.log_softmax(inverse_out))
        else:
            inverse_loss = 0.5 * jnp.sum((inverse_out - a) ** 2)
        return forward_loss.astype(jnp.float32), inverse_loss.astype(jnp.float32)

    def _update(
        self, state: CuriosityState, action: Array, next_obs: Float[Array, " obs_dim"]
    ) -> tuple[Float[Array, ""], dict[str, Any], Any]:
        """The intrinsic reward (pre-update weights) and the ICM's weights and Adam state after
        one step on `(1 - beta) * L_I + beta * L_F`."""

        def loss(params):
            forward_loss, inverse_loss = self.losses(params, state.obs, action, next_obs)
            return (1.0 - self.beta) * inverse_loss + self.beta * forward_loss, forward_loss

        (_, forward_loss), grads = jax.value_and_grad(loss, has_aux=True)(state.params)
        updates, opt_state = self._optimizer().update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        return jax.lax.stop_gradient(forward_loss), params, opt_state

    # ----------------------------------------------------------------------------------------
    # The environment interface.

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, CuriosityState]:
        """Start an episode of the wrapped environment with the ICM at its initial weights and
        a fresh Adam state.

        **Arguments:** `key`, a JAX PRNG key (passed unchanged to the wrapped `reset`).

        **Returns:** `(observation, state)`: the wrapped environment's observation and a
        [`CuriosityState`][synthax.envs.curiosity.CuriosityState].
        """
        obs, inner = self.env.reset(key)
        params = self.initial_params()
        opt_state = self._optimizer().init(params)
        return obs, CuriosityState(inner, jnp.ravel(obs).astype(jnp.float32), params, opt_state)

    def transition(self, key: PRNGKeyArray, state: CuriosityState, action: Array) -> StepResult:
        """One transition of the wrapped environment with the curiosity reward and one ICM
        update (class docstring, **Transition**); no automatic reset.

        **Arguments:** `key` (passed unchanged to the wrapped `transition`), `state`, `action`
        (int32 scalar for `Discrete` actions, float32 of the action space's shape for `Box`).

        **Returns:** `(observation, state, reward, terminated, truncated, info)`; `reward` is a
        float32 scalar, `terminated`/`truncated` are the wrapped environment's, `info` adds
        `"extrinsic_reward"` and `"intrinsic_reward"` (float32 scalars).
        """
        obs, inner, reward, terminated, truncated, info = self.env.transition(
            key, state.inner, action
        )
        flat = jnp.ravel(obs).astype(jnp.float32)
        intrinsic, params, opt_state = self._update(state, action, flat)
        extrinsic = jnp.asarray(reward, jnp.float32)
        bonus = self.eta * intrinsic
        total = bonus if self.exclusive else extrinsic + bonus
        info = {**info, "extrinsic_reward": extrinsic, "intrinsic_reward": intrinsic}
        new_state = CuriosityState(inner, flat, params, opt_state)
        return obs, new_state, total.astype(jnp.float32), terminated, truncated, info

    def step(self, key: PRNGKeyArray, state: CuriosityState, action: Array) -> StepResult:
        """One transition, resetting the wrapped environment automatically when the episode ends
        while the ICM's weights and Adam state carry on.

        **Arguments:** as for `transition`.

        **Returns:** as [`AbstractEnvironment.step`][synthax.envs.AbstractEnvironment.step]
        (same key splitting, `terminated`/`truncated` and ``info["final_observation"]``); the
        ICM was updated on the transition to the final observation before the reset.
        """
        key_step, key_reset = jax.random.split(key)
        obs_st, state_st, reward, terminated, truncated, info = self.transition(
            key_step, state, action
        )
        obs_re, inner_re = self.env.reset(key_reset)
        done = jnp.logical_or(terminated, truncated)
        inner = jax.tree.map(lambda r, s: jnp.where(done, r, s), inner_re, state_st.inner)
        obs = jnp.where(done, obs_re, obs_st)
        flat = jnp.ravel(obs).astype(jnp.float32)
        new_state = CuriosityState(inner, flat, state_st.params, state_st.opt_state)
        info = {**info, "final_observation": obs_st}
        return obs, new_state, reward, terminated, truncated, info

    def learnable(self) -> Any:
        """The ICM's initial weights; not the wrapped environment, `eta`, `beta` nor
        `learning_rate`."""
        spec = super().learnable()
        spec = eqx.tree_at(lambda e: e.env, spec, jax.tree.map(lambda _: False, self.env))
        return eqx.tree_at(lambda e: (e.eta, e.beta, e.learning_rate), spec, (False,) * 3)

