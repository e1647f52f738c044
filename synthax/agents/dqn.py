"""Deep Q-Networks (Mnih et al., 2015, Nature 518) with the double-Q target (van Hasselt et al.,
2016, arXiv:1509.06461, Eq. 4) and an optional dueling network (Wang et al., 2016).

Discrete actions only. The TD target bootstraps through truncation: it is cut by `terminated`
alone, and uses the observation the action led to (``info["final_observation"]``).
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment

from ._fields import boolean, f32, i32
from ._masked import mean_or_nan, tree_where
from .base import AbstractOffPolicyAgent
from .buffer import ReplayBuffer
from .exploration import linear_epsilon
from .networks import DuelingQNetwork, mlp, polyak
from .optimizers import base_optimizer, check_optimizer
from .rollout import EnvBatch, mean_episode_return, reset_batch, step_batch


class GreedyPolicy(eqx.Module):
    """Arg-max policy of a Q-network (the policy DQN returns). Call: `(obs, key) -> int32`."""

    q_network: eqx.Module

    def __call__(self, obs: Float[Array, " obs_dim"], key: PRNGKeyArray,
                 deterministic: bool = True) -> Int[Array, ""]:
        return jnp.argmax(self.q_network(obs)).astype(jnp.int32)


class DQNState(eqx.Module):
    """Online and target networks, optimiser state, replay buffer and running environments."""

    q_network: eqx.Module
    target_network: eqx.Module
    opt_state: Any
    buffer: ReplayBuffer
    envs: EnvBatch
    key: PRNGKeyArray
    iteration: Int[Array, ""]


class DQN(AbstractOffPolicyAgent):
    """DQN / double DQN / dueling DQN with hyperparameters as arrays.

    **Array hyperparameters:** `learning_rate` (of the optimiser), `gamma`, `eps_start`, `eps_end`,
    `exploration_fraction` (fraction of training over which epsilon decays linearly),
    `tau` (target update weight; 1 = hard copy), `target_update_freq` (iterations between target
    updates), `learning_starts` (env steps before learning), `max_grad_norm`, `double_q`
    (bool: double-Q target).

    **Static:** `total_timesteps`, `num_envs` (one iteration steps every env once),
    `buffer_size`, `batch_size`, `gradient_steps` (per iteration), `hidden_size`, `num_layers`,
    `activation`, `dueling`, `anneal_lr` (linear decay of the learning rate to 0 over the
    gradient steps; steadies the final greedy policy), `optimizer` (`"adam"`, the default;
    `"rmsprop"`; or `"sgd"`, with momentum 0.9: `synthax.agents.optimizers.OPTIMIZERS`).

    **Raises:** `ValueError` when sizes are not positive, `total_timesteps < num_envs`, or for
    an unknown `optimizer` (naming the allowed ones).
    """

    learning_rate: Float[Array, ""] = eqx.field(converter=f32, default=5e-4)
    gamma: Float[Array, ""] = eqx.field(converter=f32, default=0.99)
    eps_start: Float[Array, ""] = eqx.field(converter=f32, default=1.0)
    eps_end: Float[Array, ""] = eqx.field(converter=f32, default=0.05)
    exploration_fraction: Float[Array, ""] = eqx.field(converter=f32, default=0.2)
    tau: Float[Array, ""] = eqx.field(converter=f32, default=1.0)
    target_update_freq: Int[Array, ""] = eqx.field(converter=i32, default=50)
    learning_starts: Int[Array, ""] = eqx.field(converter=i32, default=1000)
    max_grad_norm: Float[Array, ""] = eqx.field(converter=f32, default=10.0)
    double_q: Array = eqx.field(converter=boolean, default=True)
    total_timesteps: int = eqx.field(static=True, default=10_000)
    num_envs: int = eqx.field(static=True, default=10)
    buffer_size: int = eqx.field(static=True, default=10_000)
    batch_size: int = eqx.field(static=True, default=128)
    gradient_steps: int = eqx.field(static=True, default=1)
    hidden_size: int = eqx.field(static=True, default=64)
    num_layers: int = eqx.field(static=True, default=2)
    activation: str = eqx.field(static=True, default="relu")
    dueling: bool = eqx.field(static=True, default=False)
    anneal_lr: bool = eqx.field(static=True, default=False)
    optimizer: str = eqx.field(static=True, default="adam")

    def __check_init__(self):
        check_optimizer(self)

    def _optimizer(self) -> optax.GradientTransformation:
        if self.anneal_lr:
            total = self.num_iterations * self.gradient_steps
            lr = lambda count: self.learning_rate * (1.0 - count / total)  # noqa: E731
        else:
            lr = self.learning_rate
        return optax.chain(optax.clip_by_global_norm(self.max_grad_norm),
                           base_optimizer(self.optimizer, lr))

    def init(self, env: AbstractEnvironment, key: PRNGKeyArray) -> DQNState:
        """Networks, optimiser, an empty buffer and `num_envs` reset environments.

        **Raises:** `ValueError` for a non-discrete action space.
        """
        if not env.is_discrete:
            raise ValueError("DQN needs a Discrete action space; use SAC, DDPG or TD3 for Box")
        k_net, k_reset, key = jax.random.split(key, 3)
        obs_dim, n = env.observation_dim, env.action_dim
        if self.dueling:
            q = DuelingQNetwork(obs_dim, n, self.hidden_size, self.num_layers, self.activation,
                                k_net)
        else:
            q = mlp(obs_dim, n, self.hidden_size, self.num_layers, self.activation, k_net)
        envs = reset_batch(env, k_reset, self.num_envs)
        example = {"obs": envs.obs[0], "action": jnp.asarray(0, jnp.int32),
                   "reward": jnp.asarray(0.0), "next_obs": envs.obs[0],
                   "terminated": jnp.asarray(False)}
        return DQNState(
            q_network=q,
            target_network=q,
            opt_state=self._optimizer().init(eqx.filter(q, eqx.is_inexact_array)),
            buffer=ReplayBuffer.create(self.buffer_size, example),
            envs=envs,
            key=key,
            iteration=jnp.asarray(0, jnp.int32),
        )

    def epsilon(self, env_steps: Array) -> Float[Array, ""]:
        """Linear decay from `eps_start` to `eps_end` over `exploration_fraction` of training."""
        return linear_epsilon(self.eps_start, self.eps_end, self.exploration_fraction,
                              self.total_timesteps, env_steps)

    def _loss(self, q_network, target_network, batch) -> Array:
        q = jax.vmap(q_network)(batch["obs"])
        q_taken = jnp.take_along_axis(q, batch["action"][:, None], axis=1)[:, 0]
        next_target = jax.vmap(target_network)(batch["next_obs"])
        next_online = jax.vmap(q_network)(batch["next_obs"])
        double = jnp.take_along_axis(
            next_target, jnp.argmax(next_online, axis=1)[:, None], axis=1
        )[:, 0]
        next_value = jnp.where(self.double_q, double, jnp.max(next_target, axis=1))
        not_terminal = 1.0 - batch["terminated"].astype(jnp.float32)
        target = batch["reward"] + self.gamma * not_terminal * jax.lax.stop_gradient(next_value)
        return jnp.mean(optax.huber_loss(q_taken, target))

    def update(self, env: AbstractEnvironment, state: DQNState) -> tuple[DQNState, dict]:
        """One iteration: one epsilon-greedy step in each env, then `gradient_steps` updates
        (once `learning_starts` env steps are stored) and the target update.

        **Returns:** new state and scalar metrics `episode_return`, `loss`, `epsilon`.
        """
        key, k_explore, k_rand, k_env, k_sample = jax.random.split(state.key, 5)
        env_steps = state.iteration * self.num_envs
        eps = self.epsilon(env_steps)
        greedy = jnp.argmax(jax.vmap(state.q_network)(state.envs.obs), axis=1).astype(jnp.int32)
        random = jax.random.randint(k_rand, (self.num_envs,), 0, env.action_dim, jnp.int32)
        explore = jax.random.uniform(k_explore, (self.num_envs,)) < eps
        action = jnp.where(explore, random, greedy)
        envs, transition = step_batch(env, state.envs, action, k_env)
        buffer = state.buffer.add({k: transition[k] for k in
                                   ("obs", "action", "reward", "next_obs", "terminated")})
        learning = env_steps + self.num_envs >= self.learning_starts

        optimizer = self._optimizer()
        params, static = eqx.partition(state.q_network, eqx.is_inexact_array)
        target = state.target_network

        def gradient_step(carry, k):
            params, opt_state = carry
            batch = buffer.sample(k, self.batch_size)
            loss, grads = jax.value_and_grad(
                lambda p: self._loss(eqx.combine(p, static), target, batch)
            )(params)
            updates, new_opt_state = optimizer.update(grads, opt_state, params)
            new_params = optax.apply_updates(params, updates)
            return tree_where(learning, (new_params, new_opt_state), (params, opt_state)), loss

        (params, opt_state), losses = jax.lax.scan(
            gradient_step, (params, state.opt_state),
            jax.random.split(k_sample, self.gradient_steps),
        )
        q_network = eqx.combine(params, static)
        iteration = state.iteration + 1
        do_target = jnp.logical_and(
            learning, iteration % jnp.maximum(self.target_update_freq, 1) == 0
        )
        target = polyak(target, q_network, jnp.where(do_target, self.tau, 0.0))
        metrics = {
            "episode_return": mean_episode_return(transition["done"], transition["episode_return"]),
            "loss": mean_or_nan(learning, losses),
            "epsilon": eps,
        }
        return DQNState(q_network, target, opt_state, buffer, envs, key, iteration), metrics

    def policy(self, state: DQNState) -> GreedyPolicy:
        """The greedy policy of a training state's online Q-network."""
        return GreedyPolicy(state.q_network)
