"""Soft Actor-Critic with a learned temperature, for `Box` and `Discrete` action spaces.

- `Box` actions: Haarnoja et al. (2018), "Soft Actor-Critic Algorithms and Applications",
  arXiv:1812.05905: the soft Bellman residual (Eq. 5) with the soft value of Eq. 3, computed
  with the minimum of two target critics (clipped double-Q, Fujimoto et al. 2018), the policy
  objective (Eq. 7) through the reparameterisation of Eq. 8-9, a tanh-squashed Gaussian policy
  (Appendix C) and automatic temperature tuning (Eq. 18).
- `Discrete` actions: Christodoulou (2019), "Soft Actor-Critic for Discrete Action Settings",
  arXiv:1910.07207, Section 4: the critics output `Q(s, .)` for every action and every
  expectation over actions is an exact sum over the policy's probabilities `pi(s)`, with no
  sampling: the soft value `V(s) = pi(s)^T [Q(s) - alpha log pi(s)]`, the policy objective
  `pi(s)^T [alpha log pi(s) - Q(s)]` and the temperature objective
  `pi(s)^T [-alpha (log pi(s) + target_entropy)]`.

The TD target bootstraps through truncation: it is cut by `terminated` alone and uses the
observation the action led to (``info["final_observation"]``).
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment

from ._fields import box_bounds, f32, f32_or_nan, i32
from ._masked import mean_or_nan, tree_where
from .base import AbstractOffPolicyAgent
from .buffer import ReplayBuffer
from .networks import ContinuousQNetwork, SquashedGaussianActor, mlp, polyak
from .optimizers import base_optimizer, check_optimizer
from .rollout import EnvBatch, mean_episode_return, reset_batch, step_batch

#: Default `target_entropy_ratio` for `Discrete` action spaces (used when the field is NaN).
DISCRETE_TARGET_ENTROPY_RATIO = 0.3


def _stack_apply(critics: eqx.Module, *args: Array) -> Array:
    """Apply each of the stacked critics (leading axis 2) to a batch: `(2, batch, ...)`."""
    return eqx.filter_vmap(lambda c: jax.vmap(c)(*args))(critics)


class SACPolicy(eqx.Module):
    """The policy SAC returns.

    **Fields:** `actor`, an MLP from observations to logits `(num_actions,)` (discrete) or a
    [`SquashedGaussianActor`][synthax.agents.networks.SquashedGaussianActor] (`Box`);
    `num_actions`, the number of discrete actions or `None` for `Box`.

    **Call:** `(obs: float32 (obs_dim,), key, deterministic=True) -> action`: an int32 scalar
    (arg-max logit, or a categorical sample) or a float32 `(action_dim,)` inside the bounds (the
    squashed Gaussian mean, or a sample).
    """

    actor: eqx.Module
    num_actions: int | None = eqx.field(static=True)

    @property
    def is_discrete(self) -> bool:
        return self.num_actions is not None

    def __call__(
        self, obs: Float[Array, " obs_dim"], key: PRNGKeyArray, deterministic: bool = True
    ) -> Int[Array, ""] | Float[Array, " action_dim"]:
        if self.is_discrete:
            logits = self.actor(obs)
            if deterministic:
                return jnp.argmax(logits).astype(jnp.int32)
            return jax.random.categorical(key, logits).astype(jnp.int32)
        if deterministic:
            return self.actor.mode(obs)
        return self.actor.sample(obs, key)[0]


class SACState(eqx.Module):
    """Everything SAC carries from one iteration to the next.

    **Fields:** `actor` (as in [`SACPolicy`][synthax.agents.sac.SACPolicy]); `critics` and
    `target_critics`, two Q-networks stacked on a leading axis of size 2 (discrete: MLPs
    `(obs_dim,) -> (num_actions,)`; `Box`: `ContinuousQNetwork`s `(obs, action) -> scalar`);
    `log_alpha`, float32 scalar log-temperature; the three optimiser states; the replay buffer;
    the running environments; `key`; `iteration` (int32); `num_actions` (static; `None` for
    `Box` actions).
    """

    actor: eqx.Module
    critics: eqx.Module
    target_critics: eqx.Module
    log_alpha: Float[Array, ""]
    actor_opt_state: Any
    critic_opt_state: Any
    alpha_opt_state: Any
    buffer: ReplayBuffer
    envs: EnvBatch
    key: PRNGKeyArray
    iteration: Int[Array, ""]
    num_actions: int | None = eqx.field(static=True)

    @property
    def alpha(self) -> Float[Array, ""]:
        """The temperature `exp(log_alpha)`."""
        return jnp.exp(self.log_alpha)

    @property
    def policy(self) -> SACPolicy:
        """The current policy."""
        return SACPolicy(self.actor, self.num_actions)

    def q_values(
        self,
        obs: Float[Array, "batch obs_dim"],
        action: Float[Array, "batch action_dim"] | None = None,
    ) -> Float[Array, "2 batch *num_actions"]:
        """Both online critics on a batch: `(2, batch, num_actions)` for discrete actions
        (`action=None`), `(2, batch)` for `Box` actions."""
        if action is None:
            return _stack_apply(self.critics, obs)
        return _stack_apply(self.critics, obs, action)


class SAC(AbstractOffPolicyAgent):
    """Soft Actor-Critic with twin critics, Polyak-averaged target critics and a learned
    temperature, with hyperparameters as arrays.

    **Array hyperparameters** (vmappable scalars):

    - `learning_rate` (float32): step size of the actor, the critics and the temperature.
    - `gamma` (float32): discount.
    - `tau` (float32): Polyak weight of the *online* critics in the target update after every
      gradient step, `target <- tau * online + (1 - tau) * target` (so `tau = 1 - keep` for a
      configuration that gives the fraction of the target kept, e.g. keep 0.99 is `tau = 0.01`).
    - `target_entropy_ratio` (float32): the temperature is tuned so the policy's entropy tracks
      a target (Haarnoja et al. 2018, Eq. 18). `Box`: target `-target_entropy_ratio *
      action_dim` (1.0 gives the standard `-action_dim`). Discrete: target
      `target_entropy_ratio * log(num_actions)`, a fraction of the maximum entropy
      (Christodoulou 2019 uses 0.98; lower is more stable). `None`/NaN (the default) selects 1.0
      for `Box` and `DISCRETE_TARGET_ENTROPY_RATIO` (0.3) for discrete action spaces.
    - `initial_alpha` (float32): the initial temperature.
    - `learning_starts` (int32): environment steps of uniformly random actions before the
      policy acts and learning starts.
    - `max_grad_norm` (float32): global gradient-norm clip of each of the three updates.

    **Static:** `total_timesteps`, `num_envs` (one iteration steps every env once),
    `buffer_size`, `batch_size`, `gradient_steps` (per iteration), `hidden_size`, `num_layers`,
    `activation` (of the actor and critics), `optimizer` (of all three updates: `"adam"`, the
    default; `"rmsprop"`; or `"sgd"`, with momentum 0.9: `synthax.agents.optimizers.OPTIMIZERS`).

    **Raises:** `ValueError` when sizes are not positive, `total_timesteps < num_envs`,
    `buffer_size < num_envs`, or for an unknown `optimizer` (naming the allowed ones).
    """

    learning_rate: Float[Array, ""] = eqx.field(converter=f32, default=3e-4)
    gamma: Float[Array, ""] = eqx.field(converter=f32, default=0.99)
    tau: Float[Array, ""] = eqx.field(converter=f32, default=0.005)
    target_entropy_ratio: Float[Array, ""] = eqx.field(converter=f32_or_nan, default=None)
    initial_alpha: Float[Array, ""] = eqx.field(converter=f32, default=1.0)
    learning_starts: Int[Array, ""] = eqx.field(converter=i32, default=1000)
    max_grad_norm: Float[Array, ""] = eqx.field(converter=f32, default=10.0)
    total_timesteps: int = eqx.field(static=True, default=10_000)
    num_envs: int = eqx.field(static=True, default=1)
    buffer_size: int = eqx.field(static=True, default=10_000)
    batch_size: int = eqx.field(static=True, default=256)
    gradient_steps: int = eqx.field(static=True, default=1)
    hidden_size: int = eqx.field(static=True, default=256)
    num_layers: int = eqx.field(static=True, default=2)
    activation: str = eqx.field(static=True, default="relu")
    optimizer: str = eqx.field(static=True, default="adam")

    def __check_init__(self):
        check_optimizer(self)

    def _optimizer(self) -> optax.GradientTransformation:
        return optax.chain(optax.clip_by_global_norm(self.max_grad_norm),
                           base_optimizer(self.optimizer, self.learning_rate))

    def target_entropy(self, env: AbstractEnvironment) -> Float[Array, ""]:
        """The entropy the temperature is tuned towards (see `target_entropy_ratio`)."""
        if env.is_discrete:
            ratio = jnp.where(jnp.isnan(self.target_entropy_ratio),
                              DISCRETE_TARGET_ENTROPY_RATIO, self.target_entropy_ratio)
            return ratio * jnp.log(float(env.action_dim))
        ratio = jnp.where(jnp.isnan(self.target_entropy_ratio), 1.0, self.target_entropy_ratio)
        return -ratio * env.action_dim

    def init(self, env: AbstractEnvironment, key: PRNGKeyArray) -> SACState:
        """Actor, twin critics and their targets, temperature, optimisers, an empty buffer and
        `num_envs` reset environments.

        **Raises:** `ValueError` for a `Box` action space with infinite bounds, or an unknown
        `activation`.
        """
        k_actor, k_critic, k_reset, key = jax.random.split(key, 4)
        obs_dim, action_dim = env.observation_dim, env.action_dim
        size = (self.hidden_size, self.num_layers, self.activation)
        critic_keys = jax.random.split(k_critic, 2)
        if env.is_discrete:
            actor = mlp(obs_dim, action_dim, *size, k_actor)
            critics = eqx.filter_vmap(lambda k: mlp(obs_dim, action_dim, *size, k))(critic_keys)
            example_action = jnp.asarray(0, jnp.int32)
        else:
            low, high = box_bounds(env)
            if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
                raise ValueError("SAC needs finite Box action bounds to squash its actions")
            actor = SquashedGaussianActor(obs_dim, low, high, *size, k_actor)
            critics = eqx.filter_vmap(
                lambda k: ContinuousQNetwork(obs_dim, action_dim, *size, k)
            )(critic_keys)
            example_action = jnp.zeros(action_dim, jnp.float32)
        envs = reset_batch(env, k_reset, self.num_envs)
        example = {"obs": envs.obs[0], "action": example_action, "reward": jnp.asarray(0.0),
                   "next_obs": envs.obs[0], "terminated": jnp.asarray(False)}
        log_alpha = jnp.log(self.initial_alpha)
        optimizer = self._optimizer()
        return SACState(
            actor=actor,
            critics=critics,
            target_critics=critics,
            log_alpha=log_alpha,
            actor_opt_state=optimizer.init(eqx.filter(actor, eqx.is_inexact_array)),
            critic_opt_state=optimizer.init(eqx.filter(critics, eqx.is_inexact_array)),
            alpha_opt_state=optimizer.init(log_alpha),
            buffer=ReplayBuffer.create(self.buffer_size, example),
            envs=envs,
            key=key,
            iteration=jnp.asarray(0, jnp.int32),
            num_actions=action_dim if env.is_discrete else None,
        )

    # Losses. `alpha` enters as a constant; `batch` holds float32/int32 arrays of leading
    # dimension `batch_size`.

    def _critic_loss(self, critics, actor, target_critics, alpha, batch, key) -> Array:
        """Soft Bellman residual (Haarnoja et al. 2018, Eq. 5, soft value of Eq. 3 from the
        minimum of the target critics; for discrete actions the expectation over next actions is
        exact, Christodoulou 2019, Section 4), summed over the twin critics."""
        not_terminal = 1.0 - batch["terminated"].astype(jnp.float32)
        if isinstance(actor, SquashedGaussianActor):
            keys = jax.random.split(key, batch["obs"].shape[0])
            next_action, next_logp = jax.vmap(actor.sample)(batch["next_obs"], keys)
            next_q = jnp.min(_stack_apply(target_critics, batch["next_obs"], next_action), 0)
            next_value = next_q - alpha * next_logp
            q = _stack_apply(critics, batch["obs"], batch["action"])
        else:
            next_logp = jax.nn.log_softmax(jax.vmap(actor)(batch["next_obs"]))
            next_q = jnp.min(_stack_apply(target_critics, batch["next_obs"]), 0)
            next_value = jnp.sum(jnp.exp(next_logp) * (next_q - alpha * next_logp), -1)
            q_all = _stack_apply(critics, batch["obs"])
            q = jnp.take_along_axis(q_all, batch["action"][None, :, None], axis=2)[..., 0]
        target = batch["reward"] + self.gamma * not_terminal * next_value
        target = jax.lax.stop_gradient(target)
        return jnp.sum(jnp.mean(0.5 * (q - target[None]) ** 2, axis=1))

    def _actor_loss(self, actor, critics, alpha, obs, key) -> tuple[Array, Array]:
        """Policy objective (Haarnoja et al. 2018, Eq. 7, reparameterised as in Eq. 8-9; for
        discrete actions an exact sum over actions, Christodoulou 2019, Section 4) against the
        minimum of the twin critics. Also returns the policy's entropy (exact for discrete
        actions, a one-sample estimate `-log pi(a|s)` for `Box`) for the temperature update."""
        if isinstance(actor, SquashedGaussianActor):
            keys = jax.random.split(key, obs.shape[0])
            action, logp = jax.vmap(actor.sample)(obs, keys)
            q = jnp.min(_stack_apply(critics, obs, action), 0)
            return jnp.mean(alpha * logp - q), -jnp.mean(logp)
        logp = jax.nn.log_softmax(jax.vmap(actor)(obs))
        probs = jnp.exp(logp)
        q = jnp.min(_stack_apply(critics, obs), 0)
        loss = jnp.mean(jnp.sum(probs * (alpha * logp - q), -1))
        return loss, jnp.mean(-jnp.sum(probs * logp, -1))

    def update(
        self, env: AbstractEnvironment, state: SACState
    ) -> tuple[SACState, dict[str, Array]]:
        """One iteration: one step in each env (uniformly random actions for the first
        `learning_starts` env steps, then sampled from the policy), then `gradient_steps`
        updates, each of the critics, the actor, the temperature (Haarnoja et al. 2018, Eq. 18,
        with `log_alpha` as the multiplier as in the authors' softlearning code) and the target
        critics, once `learning_starts` env steps are stored.

        **Returns:** new state and float32 scalar metrics `episode_return` (NaN if no episode
        ended), `critic_loss`, `actor_loss`, `entropy` (NaN before learning starts) and `alpha`.
        """
        key, k_act, k_rand, k_env, k_grad = jax.random.split(state.key, 5)
        env_steps = state.iteration * self.num_envs
        policy = state.policy
        act_keys = jax.random.split(k_act, self.num_envs)
        sampled = jax.vmap(lambda o, k: policy(o, k, deterministic=False))(state.envs.obs,
                                                                           act_keys)
        if env.is_discrete:
            random = jax.random.randint(k_rand, (self.num_envs,), 0, env.action_dim, jnp.int32)
            env_action = action = jnp.where(env_steps < self.learning_starts, random, sampled)
        else:
            low = np.asarray(state.actor.action_low, np.float32)
            high = np.asarray(state.actor.action_high, np.float32)
            random = jax.random.uniform(k_rand, sampled.shape, jnp.float32, low, high)
            action = jnp.where(env_steps < self.learning_starts, random, sampled)
            env_action = action.reshape((self.num_envs,) + tuple(env.action_space.shape))
        envs, transition = step_batch(env, state.envs, env_action, k_env)
        buffer = state.buffer.add({
            "obs": transition["obs"], "action": action, "reward": transition["reward"],
            "next_obs": transition["next_obs"], "terminated": transition["terminated"],
        })
        learning = env_steps + self.num_envs >= self.learning_starts
        target_entropy = self.target_entropy(env)
        optimizer = self._optimizer()
        actor_params, actor_static = eqx.partition(state.actor, eqx.is_inexact_array)
        critic_params, critic_static = eqx.partition(state.critics, eqx.is_inexact_array)
        target_params = eqx.filter(state.target_critics, eqx.is_inexact_array)

        def gradient_step(carry, k):
            (actor_p, critic_p, target_p, log_alpha,
             actor_os, critic_os, alpha_os) = carry
            k_sample, k_critic, k_actor = jax.random.split(k, 3)
            batch = buffer.sample(k_sample, self.batch_size)
            actor = eqx.combine(actor_p, actor_static)
            alpha = jnp.exp(log_alpha)

            critic_loss, grads = jax.value_and_grad(
                lambda p: self._critic_loss(eqx.combine(p, critic_static), actor,
                                            eqx.combine(target_p, critic_static), alpha,
                                            batch, k_critic)
            )(critic_p)
            updates, new_critic_os = optimizer.update(grads, critic_os, critic_p)
            new_critic_p = optax.apply_updates(critic_p, updates)
            critics = eqx.combine(new_critic_p, critic_static)

            (actor_loss, entropy), grads = jax.value_and_grad(
                lambda p: self._actor_loss(eqx.combine(p, actor_static), critics, alpha,
                                           batch["obs"], k_actor),
                has_aux=True,
            )(actor_p)
            updates, new_actor_os = optimizer.update(grads, actor_os, actor_p)
            new_actor_p = optax.apply_updates(actor_p, updates)

            alpha_grad = jax.lax.stop_gradient(entropy - target_entropy)
            updates, new_alpha_os = optimizer.update(alpha_grad, alpha_os, log_alpha)
            new_log_alpha = optax.apply_updates(log_alpha, updates)

            new_target_p = polyak(target_p, new_critic_p, self.tau)
            new = (new_actor_p, new_critic_p, new_target_p, new_log_alpha,
                   new_actor_os, new_critic_os, new_alpha_os)
            return tree_where(learning, new, carry), (critic_loss, actor_loss, entropy)

        carry = (actor_params, critic_params, target_params, state.log_alpha,
                 state.actor_opt_state, state.critic_opt_state, state.alpha_opt_state)
        carry, (critic_losses, actor_losses, entropies) = jax.lax.scan(
            gradient_step, carry, jax.random.split(k_grad, self.gradient_steps)
        )
        (actor_params, critic_params, target_params, log_alpha,
         actor_os, critic_os, alpha_os) = carry
        new_state = SACState(
            actor=eqx.combine(actor_params, actor_static),
            critics=eqx.combine(critic_params, critic_static),
            target_critics=eqx.combine(target_params, critic_static),
            log_alpha=log_alpha,
            actor_opt_state=actor_os,
            critic_opt_state=critic_os,
            alpha_opt_state=alpha_os,
            buffer=buffer,
            envs=envs,
            key=key,
            iteration=state.iteration + 1,
            num_actions=state.num_actions,
        )
        metrics = {
            "episode_return": mean_episode_return(transition["done"], transition["episode_return"]),
            "critic_loss": mean_or_nan(learning, critic_losses),
            "actor_loss": mean_or_nan(learning, actor_losses),
            "entropy": mean_or_nan(learning, entropies),
            "alpha": jnp.exp(log_alpha),
        }
        return new_state, metrics

    def policy(self, state: SACState) -> SACPolicy:
        """The current [`SACPolicy`][synthax.agents.sac.SACPolicy] of a training state."""
        return state.policy
