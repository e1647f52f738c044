"""Deep Deterministic Policy Gradient (Lillicrap et al., 2016, arXiv:1509.02971, Algorithm 1),
and the deterministic actor-critic machinery that TD3 (`synthax.agents.td3`) shares with it.

`Box` actions only. A deterministic actor `mu(s)` (tanh, scaled to the action box) is trained
along the deterministic policy gradient `grad_theta mean_s Q(s, mu(s))` (Silver et al., 2014;
Lillicrap et al., Eq. 6); the critic regresses on the TD target (Lillicrap et al., Eq. 5)

    y = r + gamma * (1 - terminated) * Q'(s', mu'(s'))

with Polyak-averaged target networks `Q'`, `mu'`. The target is cut by `terminated` alone and
uses the observation the action led to (``info["final_observation"]``), so time limits are
bootstrapped through. Exploration adds Gaussian noise to the actor's action after
`learning_starts` steps of uniformly random actions: i.i.d. by default (as TD3 and most modern
implementations), or temporally correlated with `noise_correlation > 0`, an AR(1) process that
is the discretised Ornstein-Uhlenbeck process of the DDPG paper (Section 7: theta = 0.15 is
`noise_correlation = 0.85`). Every action is clipped to the box.
"""

import abc
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment

from ._fields import box_bounds, f32, f32_or_inf, i32
from ._masked import mean_or_nan, tree_where
from .base import AbstractOffPolicyAgent
from .buffer import ReplayBuffer
from .networks import ContinuousQNetwork, DeterministicActor, polyak
from .optimizers import base_optimizer, check_optimizer
from .rollout import EnvBatch, mean_episode_return, reset_batch, step_batch


def _bounds(actor: DeterministicActor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(low, high, half_range)` of the actor's action box as float32 numpy arrays."""
    low = np.asarray(actor.action_low, np.float32)
    high = np.asarray(actor.action_high, np.float32)
    return low, high, 0.5 * (high - low)


def clipped_gaussian_noise(
    key: PRNGKeyArray, shape: tuple[int, ...], std: Array, half_range: np.ndarray,
    clip: Array | float = jnp.inf,
) -> Array:
    """Gaussian noise `N(0, (std * half_range)^2)`, clipped to `+-clip * half_range`.

    `std` and `clip` are fractions of the action box's half-range, so one configuration serves
    every action scale (Fujimoto et al., 2018, use `0.2 * max_action` and `0.5 * max_action`).
    """
    noise = std * jax.random.normal(key, shape) * half_range
    return jnp.clip(noise, -clip * half_range, clip * half_range)


class DeterministicPolicy(eqx.Module):
    """The policy DDPG and TD3 return: a deterministic actor, plus its exploration noise.

    **Call:** `(obs: float32 (obs_dim,), key, deterministic=True) -> float32 (action_dim,)`,
    always inside the action box: `mu(obs)`, or with `deterministic=False` the exploration
    action `clip(mu(obs) + N(0, (exploration_noise * half_range)^2), low, high)`.
    """

    actor: DeterministicActor
    exploration_noise: Float[Array, ""]

    def __call__(
        self, obs: Float[Array, " obs_dim"], key: PRNGKeyArray, deterministic: bool = True
    ) -> Float[Array, " action_dim"]:
        low, high, half_range = _bounds(self.actor)
        action = self.actor(obs)
        if not deterministic:
            action = action + clipped_gaussian_noise(
                key, action.shape, self.exploration_noise, half_range
            )
        return jnp.clip(action, low, high)


class DDPGState(eqx.Module):
    """Online and target actor and critics, optimiser states, replay buffer and environments
    (used by DDPG and TD3). `noise` is each env's standard-normal exploration-noise state.

    `critics` (and `target_critics`) is a stack of `ContinuousQNetwork`s whose array leaves
    have a leading axis of size 1 (DDPG) or 2 (TD3's twin critics).
    """

    actor: DeterministicActor
    critics: ContinuousQNetwork
    target_actor: DeterministicActor
    target_critics: ContinuousQNetwork
    actor_opt_state: Any
    critic_opt_state: Any
    buffer: ReplayBuffer
    envs: EnvBatch
    noise: Float[Array, "num_envs action_dim"]
    key: PRNGKeyArray
    iteration: Int[Array, ""]


def _q_values(critics: ContinuousQNetwork, obs: Array, action: Array) -> Array:
    """Q-values of every critic in the stack: `(num_critics, batch)`."""
    return eqx.filter_vmap(lambda c: jax.vmap(c)(obs, action))(critics)


def _first(critics: ContinuousQNetwork) -> ContinuousQNetwork:
    """The first critic of a stack (`Q_theta1` of TD3, the only one of DDPG)."""
    return jax.tree.map(lambda x: x[0] if eqx.is_array(x) else x, critics)


class DeterministicActorCritic(AbstractOffPolicyAgent):
    """What DDPG and TD3 share: fields, networks, exploration, replay and the update loop.

    Subclasses choose the number of critics, the action the TD target evaluates at the next
    observation, and how many critic updates separate two actor (and target) updates.

    **Array hyperparameters** (float32 scalars unless stated; vmappable):

    - `actor_learning_rate`, `critic_learning_rate`: step sizes of the optimiser.
    - `gamma`: discount.
    - `tau`: weight of the *online* network in the Polyak target update
      `target <- tau * online + (1 - tau) * target` (Lillicrap et al.: 0.001; Fujimoto et al.:
      0.005). Some configurations, such as the reference implementation's, list the keep
      fraction `1 - tau` under this name (values near 1, e.g. 0.995): pass `1 - value`.
    - `exploration_noise`: standard deviation of the Gaussian action noise, as a fraction of
      the action box's half-range.
    - `noise_correlation`: AR(1) coefficient `rho` of the noise in each env,
      `n_t = rho * n_{t-1} + sqrt(1 - rho^2) * eps_t`, `eps_t ~ N(0, 1)` (stationary std 1,
      redrawn when an episode ends); 0 (default) gives i.i.d. noise.
    - `learning_starts` (int32): environment steps (summed over envs) taken with uniformly
      random actions before learning starts.
    - `max_grad_norm`: global gradient-norm clip of both networks; `inf` (default, or `None`)
      disables it.

    **Static:** `total_timesteps`, `num_envs` (one iteration steps every env once),
    `buffer_size`, `batch_size`, `gradient_steps` (critic updates per iteration), `hidden_size`,
    `num_layers`, `activation` (actor and critics alike), `optimizer` (of both networks:
    `"adam"`, the default; `"rmsprop"`; or `"sgd"`, with momentum 0.9:
    `synthax.agents.optimizers.OPTIMIZERS`).

    **Raises:** `ValueError` when sizes are not positive, `total_timesteps < num_envs`,
    `buffer_size < num_envs`, or for an unknown `optimizer` (naming the allowed ones).
    """

    num_critics: ClassVar[int]

    actor_learning_rate: Float[Array, ""] = eqx.field(converter=f32, default=1e-3)
    critic_learning_rate: Float[Array, ""] = eqx.field(converter=f32, default=1e-3)
    gamma: Float[Array, ""] = eqx.field(converter=f32, default=0.99)
    tau: Float[Array, ""] = eqx.field(converter=f32, default=0.005)
    exploration_noise: Float[Array, ""] = eqx.field(converter=f32, default=0.1)
    noise_correlation: Float[Array, ""] = eqx.field(converter=f32, default=0.0)
    learning_starts: Int[Array, ""] = eqx.field(converter=i32, default=1000)
    max_grad_norm: Float[Array, ""] = eqx.field(converter=f32_or_inf, default=None)
    total_timesteps: int = eqx.field(static=True, default=10_000)
    num_envs: int = eqx.field(static=True, default=4)
    buffer_size: int = eqx.field(static=True, default=100_000)
    batch_size: int = eqx.field(static=True, default=256)
    gradient_steps: int = eqx.field(static=True, default=4)
    hidden_size: int = eqx.field(static=True, default=256)
    num_layers: int = eqx.field(static=True, default=2)
    activation: str = eqx.field(static=True, default="relu")
    optimizer: str = eqx.field(static=True, default="adam")

    def __check_init__(self):
        check_optimizer(self)

    @abc.abstractmethod
    def _target_action(
        self, target_actor: DeterministicActor, obs: Array, key: PRNGKeyArray
    ) -> Array:
        """The action at which the target critics evaluate one next observation."""

    @abc.abstractmethod
    def _actor_period(self) -> Array:
        """Critic updates per actor and target update (int32 scalar)."""

    def _optimizer(self, learning_rate: Array) -> optax.GradientTransformation:
        return optax.chain(optax.clip_by_global_norm(self.max_grad_norm),
                           base_optimizer(self.optimizer, learning_rate))

    def init(self, env: AbstractEnvironment, key: PRNGKeyArray) -> DDPGState:
        """Actor, `num_critics` critics, their targets (copies), optimisers, an empty buffer
        and `num_envs` reset environments.

        **Raises:** `ValueError` for a `Discrete` action space or a `Box` with infinite bounds.
        """
        name = type(self).__name__
        if env.is_discrete:
            raise ValueError(
                f"{name} needs a Box action space; use DQN or PPO for Discrete actions"
            )
        low, high = box_bounds(env)
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError(f"{name} needs finite action bounds, got [{low}, {high}]")
        k_actor, k_critic, k_reset, k_noise, key = jax.random.split(key, 5)
        obs_dim, action_dim = env.observation_dim, env.action_dim
        actor = DeterministicActor(obs_dim, low, high, self.hidden_size, self.num_layers,
                                   self.activation, k_actor)
        critics = eqx.filter_vmap(
            lambda k: ContinuousQNetwork(obs_dim, action_dim, self.hidden_size,
                                         self.num_layers, self.activation, k)
        )(jax.random.split(k_critic, self.num_critics))
        envs = reset_batch(env, k_reset, self.num_envs)
        example = {"obs": envs.obs[0], "action": jnp.zeros(action_dim),
                   "reward": jnp.asarray(0.0), "next_obs": envs.obs[0],
                   "terminated": jnp.asarray(False)}
        params = lambda m: eqx.filter(m, eqx.is_inexact_array)  # noqa: E731
        return DDPGState(
            actor=actor,
            critics=critics,
            target_actor=actor,
            target_critics=critics,
            actor_opt_state=self._optimizer(self.actor_learning_rate).init(params(actor)),
            critic_opt_state=self._optimizer(self.critic_learning_rate).init(params(critics)),
            buffer=ReplayBuffer.create(self.buffer_size, example),
            envs=envs,
            noise=jax.random.normal(k_noise, (self.num_envs, action_dim)),
            key=key,
            iteration=jnp.asarray(0, jnp.int32),
        )

    def _critic_loss(self, critics, target_actor, target_critics, batch, key):
        """Mean squared TD error summed over the critics, and the mean Q of the first one."""
        keys = jax.random.split(key, batch["next_obs"].shape[0])
        next_action = jax.vmap(lambda o, k: self._target_action(target_actor, o, k))(
            batch["next_obs"], keys
        )
        # TD3's clipped double-Q (Fujimoto et al., Eq. 10); a no-op for DDPG's single critic.
        next_q = jnp.min(_q_values(target_critics, batch["next_obs"], next_action), axis=0)
        not_terminal = 1.0 - batch["terminated"].astype(jnp.float32)
        target = jax.lax.stop_gradient(batch["reward"] + self.gamma * not_terminal * next_q)
        q = _q_values(critics, batch["obs"], batch["action"])
        return jnp.sum(jnp.mean((q - target) ** 2, axis=1)), jnp.mean(q[0])

    @staticmethod
    def _actor_loss(actor, critics, obs) -> Array:
        """Deterministic policy gradient objective `-mean_s Q_1(s, mu(s))`."""
        return -jnp.mean(jax.vmap(_first(critics))(obs, jax.vmap(actor)(obs)))

    def update(
        self, env: AbstractEnvironment, state: DDPGState
    ) -> tuple[DDPGState, dict[str, Array]]:
        """One iteration: one step in each env (uniformly random actions for the first
        `learning_starts` steps, then the actor's with Gaussian noise), then `gradient_steps`
        critic updates, each followed, every `policy_delay`-th time (1 for DDPG), by an actor
        update and the Polyak update of all target networks. Nothing is learned before
        `learning_starts` env steps are stored.

        **Returns:** the new state and scalar metrics: `episode_return` (mean return of the
        training episodes that ended at this step, NaN if none), `critic_loss`, `actor_loss`
        and `q` (mean Q of the sampled batches; NaN before learning starts).
        """
        key, k_random, k_noise, k_env, k_train = jax.random.split(state.key, 5)
        low, high, half_range = _bounds(state.actor)
        env_steps = state.iteration * self.num_envs
        mean = jax.vmap(state.actor)(state.envs.obs)
        noisy = jnp.clip(mean + self.exploration_noise * half_range * state.noise, low, high)
        uniform = jax.random.uniform(k_random, mean.shape, minval=low, maxval=high)
        action = jnp.where(env_steps < self.learning_starts, uniform, noisy)
        envs, transition = step_batch(
            env, state.envs, action.reshape((self.num_envs,) + env.action_space.shape), k_env
        )
        buffer = state.buffer.add({
            "obs": transition["obs"], "action": action, "reward": transition["reward"],
            "next_obs": transition["next_obs"], "terminated": transition["terminated"],
        })
        eps = jax.random.normal(k_noise, state.noise.shape)
        rho = self.noise_correlation
        noise = rho * state.noise + jnp.sqrt(jnp.maximum(1.0 - rho**2, 0.0)) * eps
        noise = jnp.where(transition["done"][:, None], eps, noise)
        learning = env_steps + self.num_envs >= self.learning_starts

        actor_opt = self._optimizer(self.actor_learning_rate)
        critic_opt = self._optimizer(self.critic_learning_rate)
        actor_params, actor_static = eqx.partition(state.actor, eqx.is_inexact_array)
        critic_params, critic_static = eqx.partition(state.critics, eqx.is_inexact_array)
        actor_target = eqx.filter(state.target_actor, eqx.is_inexact_array)
        critic_target = eqx.filter(state.target_critics, eqx.is_inexact_array)
        period = jnp.maximum(self._actor_period(), 1)

        def gradient_step(carry, inputs):
            (actor_p, critic_p, actor_t, critic_t, actor_s, critic_s) = carry
            index, k = inputs
            k_batch, k_target = jax.random.split(k)
            batch = buffer.sample(k_batch, self.batch_size)
            (critic_loss, q), grads = jax.value_and_grad(
                lambda p: self._critic_loss(
                    eqx.combine(p, critic_static), eqx.combine(actor_t, actor_static),
                    eqx.combine(critic_t, critic_static), batch, k_target,
                ),
                has_aux=True,
            )(critic_p)
            updates, new_critic_s = critic_opt.update(grads, critic_s, critic_p)
            critic_p, critic_s = tree_where(
                learning, (optax.apply_updates(critic_p, updates), new_critic_s),
                (critic_p, critic_s),
            )
            # Delayed policy updates (Fujimoto et al., Section 5.2): the actor and all targets
            # move once every `period` critic updates, the actor against the updated critic.
            critics = eqx.combine(critic_p, critic_static)
            actor_loss, grads = jax.value_and_grad(
                lambda p: self._actor_loss(eqx.combine(p, actor_static), critics, batch["obs"])
            )(actor_p)
            updates, new_actor_s = actor_opt.update(grads, actor_s, actor_p)
            update_actor = jnp.logical_and(learning, index % period == 0)
            actor_p, actor_s = tree_where(
                update_actor, (optax.apply_updates(actor_p, updates), new_actor_s),
                (actor_p, actor_s),
            )
            tau = jnp.where(update_actor, self.tau, 0.0)
            actor_t = polyak(actor_t, actor_p, tau)
            critic_t = polyak(critic_t, critic_p, tau)
            carry = (actor_p, critic_p, actor_t, critic_t, actor_s, critic_s)
            return carry, (critic_loss, actor_loss, q)

        indices = state.iteration * self.gradient_steps + jnp.arange(self.gradient_steps)
        carry, (critic_losses, actor_losses, qs) = jax.lax.scan(
            gradient_step,
            (actor_params, critic_params, actor_target, critic_target,
             state.actor_opt_state, state.critic_opt_state),
            (indices, jax.random.split(k_train, self.gradient_steps)),
        )
        actor_p, critic_p, actor_t, critic_t, actor_s, critic_s = carry
        metrics = {
            "episode_return": mean_episode_return(transition["done"], transition["episode_return"]),
            "critic_loss": mean_or_nan(learning, critic_losses),
            "actor_loss": mean_or_nan(learning, actor_losses),
            "q": mean_or_nan(learning, qs),
        }
        new_state = DDPGState(
            actor=eqx.combine(actor_p, actor_static),
            critics=eqx.combine(critic_p, critic_static),
            target_actor=eqx.combine(actor_t, actor_static),
            target_critics=eqx.combine(critic_t, critic_static),
            actor_opt_state=actor_s,
            critic_opt_state=critic_s,
            buffer=buffer,
            envs=envs,
            noise=noise,
            key=key,
            iteration=state.iteration + 1,
        )
        return new_state, metrics

    def policy(self, state: DDPGState) -> DeterministicPolicy:
        """The current [`DeterministicPolicy`][synthax.agents.ddpg.DeterministicPolicy] of a
        training state."""
        return DeterministicPolicy(state.actor, self.exploration_noise)


class DDPG(DeterministicActorCritic):
    """DDPG (Lillicrap et al., 2016, arXiv:1509.02971) with hyperparameters as arrays.

    One critic; the TD target evaluates the target actor's action `mu'(s')` (Eq. 5); actor and
    targets are updated after every critic update. Hyperparameters as in
    [`DeterministicActorCritic`][synthax.agents.ddpg.DeterministicActorCritic]; gradient-norm
    clipping is off by default, as in the paper. Unlike the paper (and like the "our DDPG"
    baseline of Fujimoto et al., 2018) the critic has no L2 weight decay or batch normalisation
    and takes the action at its input layer.
    """

    num_critics: ClassVar[int] = 1

    def _target_action(
        self, target_actor: DeterministicActor, obs: Array, key: PRNGKeyArray
    ) -> Array:
        return target_actor(obs)

    def _actor_period(self) -> Array:
        return jnp.asarray(1, jnp.int32)
