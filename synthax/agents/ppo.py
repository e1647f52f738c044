"""Proximal Policy Optimization (Schulman et al., 2017, arXiv:1707.06347).

Clipped surrogate objective (Eq. 7), generalised advantage estimation (Schulman et al., 2016,
arXiv:1506.02438, Eq. 16), clipped value loss and entropy bonus, as in the PPO2 baselines and
purejaxrl. Time limits are handled correctly: the TD target bootstraps from the value of
``info["final_observation"]`` on truncation and not on termination.
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment

from ._fields import box_bounds, f32
from .base import AbstractAgent
from .networks import mlp
from .optimizers import base_optimizer, check_optimizer
from .policy import Policy
from .rollout import EnvBatch, mean_episode_return, reset_batch, step_batch


class ActorCritic(eqx.Module):
    """The policy and a state-value network `critic: (obs_dim,) -> scalar`."""

    policy: Policy
    critic: eqx.nn.MLP


class PPOState(eqx.Module):
    """Everything PPO carries from one iteration to the next."""

    model: ActorCritic
    opt_state: Any
    envs: EnvBatch
    key: PRNGKeyArray
    iteration: Int[Array, ""]


class PPO(AbstractAgent):
    """PPO with hyperparameters as arrays, for discrete and `Box` action spaces.

    **Array hyperparameters** (float32 scalars; vmappable): `learning_rate` (the optimiser's
    step size), `gamma` (discount), `gae_lambda`, `clip_eps` (surrogate and value clipping),
    `ent_coef`, `vf_coef`, `max_grad_norm` (global gradient-norm clip).

    **Static sizes:** `total_timesteps` (environment steps, summed over parallel envs),
    `num_envs`, `num_steps` (rollout length per env per iteration), `num_epochs`,
    `num_minibatches`, `hidden_size`, `num_layers`, `activation`, `anneal_lr` (linear decay of
    the learning rate to 0 over training), `normalize_advantages`, `clip_value_loss` (clip the
    value update to `clip_eps` around the rollout's values, as PPO2 does; off for environments
    with large returns, e.g. Pendulum), `optimizer` (`"adam"`, the default, with eps 1e-5;
    `"rmsprop"`; or `"sgd"`, with momentum 0.9: `synthax.agents.optimizers.OPTIMIZERS`).

    **Raises:** `ValueError` when sizes are not positive, `num_envs * num_steps` is not divisible
    by `num_minibatches`, `total_timesteps < num_envs * num_steps`, or for an unknown
    `optimizer` (naming the allowed ones).
    """

    learning_rate: Float[Array, ""] = eqx.field(converter=f32, default=3e-3)
    gamma: Float[Array, ""] = eqx.field(converter=f32, default=0.99)
    gae_lambda: Float[Array, ""] = eqx.field(converter=f32, default=0.95)
    clip_eps: Float[Array, ""] = eqx.field(converter=f32, default=0.2)
    ent_coef: Float[Array, ""] = eqx.field(converter=f32, default=0.01)
    vf_coef: Float[Array, ""] = eqx.field(converter=f32, default=0.5)
    max_grad_norm: Float[Array, ""] = eqx.field(converter=f32, default=0.5)
    total_timesteps: int = eqx.field(static=True, default=10_000)
    num_envs: int = eqx.field(static=True, default=10)
    num_steps: int = eqx.field(static=True, default=50)
    num_epochs: int = eqx.field(static=True, default=4)
    num_minibatches: int = eqx.field(static=True, default=4)
    hidden_size: int = eqx.field(static=True, default=64)
    num_layers: int = eqx.field(static=True, default=2)
    activation: str = eqx.field(static=True, default="tanh")
    anneal_lr: bool = eqx.field(static=True, default=True)
    normalize_advantages: bool = eqx.field(static=True, default=True)
    clip_value_loss: bool = eqx.field(static=True, default=True)
    optimizer: str = eqx.field(static=True, default="adam")

    def __check_init__(self):
        check_optimizer(self)
        for name in ("total_timesteps", "num_envs", "num_steps", "num_epochs",
                     "num_minibatches", "hidden_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"PPO.{name} must be >= 1, got {getattr(self, name)}")
        if self.rollout_size % self.num_minibatches:
            raise ValueError(
                f"num_envs * num_steps = {self.rollout_size} must be divisible by "
                f"num_minibatches = {self.num_minibatches}"
            )
        if self.total_timesteps < self.rollout_size:
            raise ValueError(
                f"total_timesteps = {self.total_timesteps} is less than one rollout "
                f"(num_envs * num_steps = {self.rollout_size})"
            )

    @property
    def rollout_size(self) -> int:
        """Transitions per iteration (one rollout): `num_envs * num_steps` (CleanRL's PPO calls it
        `batch_size`; here `batch_size` is only ever a replay sample, in the off-policy agents)."""
        return self.num_envs * self.num_steps

    @property
    def num_iterations(self) -> int:
        """Rollout-and-update iterations: `total_timesteps // (num_envs * num_steps)`."""
        return self.total_timesteps // self.rollout_size

    def _optimizer(self) -> optax.GradientTransformation:
        total = self.num_iterations * self.num_epochs * self.num_minibatches
        if self.anneal_lr:
            lr = lambda count: self.learning_rate * (1.0 - count / total)  # noqa: E731
        else:
            lr = self.learning_rate
        return optax.chain(
            optax.clip_by_global_norm(self.max_grad_norm),
            base_optimizer(self.optimizer, lr, adam_eps=1e-5),
        )

    def init(self, env: AbstractEnvironment, key: PRNGKeyArray) -> PPOState:
        """Networks, optimiser and `num_envs` freshly reset environments."""
        k_actor, k_critic, k_reset, key = jax.random.split(key, 4)
        obs_dim = env.observation_dim
        if env.is_discrete:
            actor = mlp(obs_dim, env.action_dim, self.hidden_size, self.num_layers,
                        self.activation, k_actor, final_scale=0.01)
            policy = Policy(actor, None, env.action_dim)
        else:
            low, high = box_bounds(env)
            actor = mlp(obs_dim, env.action_dim, self.hidden_size, self.num_layers,
                        self.activation, k_actor, final_scale=0.01)
            policy = Policy(actor, jnp.zeros(env.action_dim), None,
                            tuple(map(float, low)), tuple(map(float, high)))
        critic = mlp(obs_dim, "scalar", self.hidden_size, self.num_layers, self.activation,
                     k_critic)
        model = ActorCritic(policy, critic)
        opt_state = self._optimizer().init(eqx.filter(model, eqx.is_inexact_array))
        return PPOState(
            model=model,
            opt_state=opt_state,
            envs=reset_batch(env, k_reset, self.num_envs),
            key=key,
            iteration=jnp.asarray(0, jnp.int32),
        )

    def _rollout(self, env: AbstractEnvironment, state: PPOState):
        policy = state.model.policy

        def one_step(carry, _):
            envs, key = carry
            key, k_act, k_env = jax.random.split(key, 3)
            raw_action = jax.vmap(policy.sample)(envs.obs, jax.random.split(k_act, self.num_envs))
            log_prob, _ = jax.vmap(policy.log_prob_entropy)(envs.obs, raw_action)
            envs, transition = step_batch(env, envs, jax.vmap(policy.clip)(raw_action), k_env)
            # The unclipped sample is what the Gaussian's log-probability refers to.
            transition = {**transition, "action": raw_action, "log_prob": log_prob}
            return (envs, key), transition

        (envs, key), traj = jax.lax.scan(one_step, (state.envs, state.key), None, self.num_steps)
        return envs, key, traj

    def _advantages(self, critic, traj) -> tuple[Array, Array, Array]:
        values = jax.vmap(jax.vmap(critic))(traj["obs"])
        next_values = jax.vmap(jax.vmap(critic))(traj["next_obs"])
        not_terminated = 1.0 - traj["terminated"].astype(jnp.float32)
        not_done = 1.0 - traj["done"].astype(jnp.float32)
        deltas = traj["reward"] + self.gamma * not_terminated * next_values - values

        def gae_step(gae, inputs):
            delta, nd = inputs
            gae = delta + self.gamma * self.gae_lambda * nd * gae
            return gae, gae

        _, advantages = jax.lax.scan(
            gae_step, jnp.zeros(self.num_envs), (deltas, not_done), reverse=True
        )
        return advantages, advantages + values, values

    def _loss(self, model: ActorCritic, batch) -> tuple[Array, dict[str, Array]]:
        log_prob, entropy = jax.vmap(model.policy.log_prob_entropy)(batch["obs"], batch["action"])
        values = jax.vmap(model.critic)(batch["obs"])
        adv = batch["advantages"]
        if self.normalize_advantages:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        ratio = jnp.exp(log_prob - batch["log_prob"])
        clipped = jnp.clip(ratio, 1.0 - self.clip_eps, 1.0 + self.clip_eps)
        policy_loss = -jnp.mean(jnp.minimum(ratio * adv, clipped * adv))
        v_clipped = batch["values"] + jnp.clip(
            values - batch["values"], -self.clip_eps, self.clip_eps
        )
        value_error = (values - batch["targets"]) ** 2
        if self.clip_value_loss:
            value_error = jnp.maximum(value_error, (v_clipped - batch["targets"]) ** 2)
        value_loss = 0.5 * jnp.mean(value_error)
        entropy = jnp.mean(entropy)
        loss = policy_loss + self.vf_coef * value_loss - self.ent_coef * entropy
        return loss, {"policy_loss": policy_loss, "value_loss": value_loss, "entropy": entropy}

    def update(
        self, env: AbstractEnvironment, state: PPOState
    ) -> tuple[PPOState, dict[str, Array]]:
        """One iteration: collect `num_envs * num_steps` transitions, then optimise.

        **Returns:** the new state and scalar metrics: `episode_return` (mean return of the
        training episodes that ended in this rollout, NaN if none), losses and entropy.
        """
        envs, key, traj = self._rollout(env, state)
        advantages, targets, values = self._advantages(state.model.critic, traj)
        data = {
            "obs": traj["obs"], "action": traj["action"], "log_prob": traj["log_prob"],
            "advantages": advantages, "targets": targets, "values": values,
        }
        data = jax.tree.map(lambda x: x.reshape((self.rollout_size,) + x.shape[2:]), data)
        optimizer = self._optimizer()
        params, static = eqx.partition(state.model, eqx.is_inexact_array)

        def minibatch_step(carry, batch):
            params, opt_state = carry
            grad_fn = jax.grad(lambda p: self._loss(eqx.combine(p, static), batch), has_aux=True)
            grads, aux = grad_fn(params)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), aux

        def epoch(carry, k):
            perm = jax.random.permutation(k, self.rollout_size)
            batches = jax.tree.map(
                lambda x: x[perm].reshape((self.num_minibatches, -1) + x.shape[1:]), data
            )
            return jax.lax.scan(minibatch_step, carry, batches)

        key, k_epochs = jax.random.split(key)
        (params, opt_state), aux = jax.lax.scan(
            epoch, (params, state.opt_state), jax.random.split(k_epochs, self.num_epochs)
        )
        metrics = {k: jnp.mean(v) for k, v in aux.items()}
        metrics["episode_return"] = mean_episode_return(traj["done"], traj["episode_return"])
        new_state = PPOState(
            model=eqx.combine(params, static),
            opt_state=opt_state,
            envs=envs,
            key=key,
            iteration=state.iteration + 1,
        )
        return new_state, metrics

    def policy(self, state: PPOState) -> Policy:
        """The current [`Policy`][synthax.agents.Policy] of a training state."""
        return state.model.policy
