"""Tabular temporal-difference control: Q-learning (Watkins, 1989, "Learning from Delayed
Rewards", PhD thesis; Sutton & Barto, 2018, "Reinforcement Learning: An Introduction", 2nd ed.,
Eq. 6.8) and SARSA (Rummery & Niranjan, 1994, "On-line Q-learning using connectionist systems",
CUED/F-INFENG/TR 166; Sutton & Barto, 2018, Eq. 6.7).

For environments whose observations are one-hot vectors (such as
[`CliffWalking`][synthax.envs.cliff_walking.CliffWalking]): the state index is the arg-max of the
flattened observation and the number of states is `env.observation_dim`. Discrete actions only.
Only the observation space is checked (a `Box` with bounds 0 and 1); observations in it that are
not exactly one-hot, such as a synthetic environment's, are discretised by their arg-max.
As in DQN, the TD target is cut by `terminated` alone and bootstraps from the observation the
action led to (``info["final_observation"]``) on truncation.
"""

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.envs import AbstractEnvironment

from ._fields import f32
from .base import AbstractAgent
from .exploration import linear_epsilon
from .rollout import EnvBatch, mean_episode_return, reset_batch, step_batch


class TabularGreedyPolicy(eqx.Module):
    """Arg-max policy of a Q-table (the policy `QLearning` and `SARSA` return).

    **Fields:** `q_table`, float32 `(num_states, num_actions)`.

    **Call:** `(obs, key, deterministic=True) -> int32 scalar`: `argmax(q_table[argmax(obs)])`
    for a one-hot float32 observation (flattened first); ties go to the lowest action. `key` and
    `deterministic` are accepted for the policy interface and unused.
    """

    q_table: Float[Array, "num_states num_actions"]

    def __call__(self, obs: Float[Array, "*obs_shape"], key: PRNGKeyArray,
                 deterministic: bool = True) -> Int[Array, ""]:
        state = jnp.argmax(jnp.reshape(obs, (-1,)))
        return jnp.argmax(self.q_table[state]).astype(jnp.int32)


class TabularState(eqx.Module):
    """Training state of a tabular agent.

    **Fields:**

    - `q_table`: float32 `(num_states, num_actions)`, the action-value estimates.
    - `envs`: the `num_envs` running environments.
    - `key`: PRNG key.
    - `iteration`: int32 scalar, the number of completed updates.
    - `next_action`: int32 `(num_envs,)`; SARSA: the epsilon-greedy action already chosen for
      each environment's current observation (taken at the next update); Q-learning: unused
      (zeros).
    """

    q_table: Float[Array, "num_states num_actions"]
    envs: EnvBatch
    key: PRNGKeyArray
    iteration: Int[Array, ""]
    next_action: Int[Array, " num_envs"]


def _check_one_hot_env(env: AbstractEnvironment, name: str) -> None:
    """Raise `ValueError` unless `env` has `Discrete` actions and a `Box` observation space with
    bounds 0 and 1 (one-hot observations)."""
    if not env.is_discrete:
        raise ValueError(
            f"{name} needs a Discrete action space and one-hot observations; got a Box action "
            "space (use SAC, DDPG or TD3)"
        )
    with jax.ensure_compile_time_eval():
        space = env.observation_space
        low = np.broadcast_to(np.asarray(space.low, np.float64), space.shape)
        high = np.broadcast_to(np.asarray(space.high, np.float64), space.shape)
    if low.size < 1 or not (np.all(low == 0.0) and np.all(high == 1.0)):
        raise ValueError(
            f"{name} needs one-hot observations (a Box observation space with bounds 0 and 1, "
            "the hot entry being the state index), such as CliffWalking's; got bounds "
            f"[{low.min() if low.size else 'n/a'}, {high.max() if high.size else 'n/a'}] "
            "(use DQN or PPO for other observations)"
        )


class _TabularTD(AbstractAgent):
    """Shared machinery of the tabular TD control agents (`QLearning`, `SARSA`).

    Subclasses define the bootstrap value of the next state and whether the next action is
    chosen ahead (SARSA) or at acting time (Q-learning).
    """

    learning_rate: Float[Array, ""] = eqx.field(converter=f32, default=0.5)
    gamma: Float[Array, ""] = eqx.field(converter=f32, default=0.99)
    eps_start: Float[Array, ""] = eqx.field(converter=f32, default=1.0)
    eps_end: Float[Array, ""] = eqx.field(converter=f32, default=0.01)
    exploration_fraction: Float[Array, ""] = eqx.field(converter=f32, default=0.5)
    q_init: Float[Array, ""] = eqx.field(converter=f32, default=0.0)
    total_timesteps: int = eqx.field(static=True, default=5000)
    num_envs: int = eqx.field(static=True, default=1)

    def __check_init__(self):
        name = type(self).__name__
        for field in ("total_timesteps", "num_envs"):
            if getattr(self, field) < 1:
                raise ValueError(f"{name}.{field} must be >= 1, got {getattr(self, field)}")
        if self.total_timesteps < self.num_envs:
            raise ValueError(
                f"{name}: total_timesteps must be >= num_envs, got total_timesteps="
                f"{self.total_timesteps} < num_envs={self.num_envs}"
            )

    @property
    def num_iterations(self) -> int:
        """`total_timesteps // num_envs`."""
        return self.total_timesteps // self.num_envs

    # SARSA picks the next action when it observes the next state.
    _chooses_ahead: ClassVar[bool] = False

    @abc.abstractmethod
    def _next_value(
        self, q_table: Float[Array, "S A"], next_state: Int[Array, ""], next_action: Int[Array, ""]
    ) -> Float[Array, ""]:
        """The bootstrap value of the next state."""

    def epsilon(self, env_steps: Array) -> Float[Array, ""]:
        """Linear decay from `eps_start` to `eps_end` over `exploration_fraction` of training.

        **Arguments:** `env_steps`, the number of environment steps taken so far (all envs).

        **Returns:** a float32 scalar.
        """
        return linear_epsilon(self.eps_start, self.eps_end, self.exploration_fraction,
                              self.total_timesteps, env_steps)

    @staticmethod
    def _state_index(obs: Float[Array, "num_envs obs_dim"]) -> Int[Array, " num_envs"]:
        return jnp.argmax(obs, axis=-1).astype(jnp.int32)

    def _epsilon_greedy(
        self, q_table: Float[Array, "S A"], states: Int[Array, " n"], eps: Array,
        key: PRNGKeyArray,
    ) -> Int[Array, " n"]:
        """Epsilon-greedy actions; the greedy action breaks ties uniformly at random."""
        k_explore, k_random, k_tie = jax.random.split(key, 3)
        num_actions = q_table.shape[1]
        q = q_table[states]
        is_max = q >= jnp.max(q, axis=1, keepdims=True)
        greedy = jax.random.categorical(k_tie, jnp.where(is_max, 0.0, -jnp.inf), axis=1)
        random = jax.random.randint(k_random, states.shape, 0, num_actions, jnp.int32)
        explore = jax.random.uniform(k_explore, states.shape) < eps
        return jnp.where(explore, random, greedy).astype(jnp.int32)

    def init(self, env: AbstractEnvironment, key: PRNGKeyArray) -> TabularState:
        """A Q-table filled with `q_init` and `num_envs` reset environments.

        **Returns:** a [`TabularState`][synthax.agents.tabular.TabularState] whose `q_table` is
        float32 `(env.observation_dim, env.action_dim)`.

        **Raises:** `ValueError` for a `Box` action space or an observation space whose bounds
        are not 0 and 1 (observations must be one-hot).
        """
        _check_one_hot_env(env, type(self).__name__)
        k_reset, k_act, key = jax.random.split(key, 3)
        shape = (env.observation_dim, env.action_dim)
        q_table = jnp.zeros(shape, jnp.float32) + self.q_init
        envs = reset_batch(env, k_reset, self.num_envs)
        if self._chooses_ahead:
            next_action = self._epsilon_greedy(
                q_table, self._state_index(envs.obs), self.epsilon(jnp.asarray(0)), k_act
            )
        else:
            next_action = jnp.zeros(self.num_envs, jnp.int32)
        return TabularState(q_table, envs, key, jnp.asarray(0, jnp.int32), next_action)

    def update(self, env: AbstractEnvironment, state: TabularState) -> tuple[TabularState, dict]:
        """One iteration: one epsilon-greedy step in each of the `num_envs` environments, then
        one TD update of the table per transition.

        The updates are applied sequentially, in environment order, each seeing the table left
        by the previous one (with `num_envs = 1` this is the textbook algorithm). The TD error is
        `r + gamma * (1 - terminated) * v(s') - Q(s, a)` with `s'` the observation the action
        led to (before any automatic reset) and `v` the subclass's bootstrap value; the table
        entry moves by `learning_rate` times it.

        **Returns:** new state and scalar metrics `episode_return` (mean return of the episodes
        that ended at this iteration, NaN if none), `epsilon` (of the actions taken) and
        `td_error` (mean absolute TD error).
        """
        key, k_act, k_env, k_next = jax.random.split(state.key, 4)
        env_steps = state.iteration * self.num_envs
        eps = self.epsilon(env_steps)
        states = self._state_index(state.envs.obs)
        if self._chooses_ahead:
            action = state.next_action
        else:
            action = self._epsilon_greedy(state.q_table, states, eps, k_act)
        envs, transition = step_batch(env, state.envs, action, k_env)
        next_states = self._state_index(transition["next_obs"])
        if self._chooses_ahead:
            # The action taken from the next state (pre-update table, Sutton & Barto Fig. 6.4).
            # On truncation the bootstrap action is drawn at the final observation and the
            # action carried on is drawn at the reset observation.
            next_eps = self.epsilon(env_steps + self.num_envs)
            k_boot, k_reset = jax.random.split(k_next)
            boot_action = self._epsilon_greedy(state.q_table, next_states, next_eps, k_boot)
            reset_action = self._epsilon_greedy(
                state.q_table, self._state_index(envs.obs), next_eps, k_reset
            )
            next_action = jnp.where(transition["done"], reset_action, boot_action)
        else:
            boot_action = jnp.zeros(self.num_envs, jnp.int32)
            next_action = state.next_action

        def td_update(q_table, x):
            s, a, r, s_next, a_next, terminated = x
            not_terminal = 1.0 - terminated.astype(jnp.float32)
            target = r + self.gamma * not_terminal * self._next_value(q_table, s_next, a_next)
            delta = target - q_table[s, a]
            return q_table.at[s, a].add(self.learning_rate * delta), delta

        q_table, deltas = jax.lax.scan(
            td_update, state.q_table,
            (states, action, transition["reward"], next_states, boot_action,
             transition["terminated"]),
        )
        metrics = {
            "episode_return": mean_episode_return(transition["done"], transition["episode_return"]),
            "epsilon": eps,
            "td_error": jnp.mean(jnp.abs(deltas)),
        }
        new_state = TabularState(q_table, envs, key, state.iteration + 1, next_action)
        return new_state, metrics

    def policy(self, state: TabularState) -> TabularGreedyPolicy:
        """The greedy policy of a training state's Q-table."""
        return TabularGreedyPolicy(state.q_table)


class QLearning(_TabularTD):
    """Tabular Q-learning (Watkins, 1989; Sutton & Barto, 2018, Eq. 6.8):
    `Q(s, a) += alpha * (r + gamma * max_a' Q(s', a') - Q(s, a))`, off-policy.

    For environments with one-hot observations and `Discrete` actions.

    **Array hyperparameters:** `learning_rate` (step size alpha, default 0.5), `gamma`
    (discount, 0.99), `eps_start` (1.0), `eps_end` (0.01), `exploration_fraction` (0.5:
    epsilon decays linearly over this fraction of `total_timesteps`), `q_init` (initial value of
    every table entry, 0.0).

    **Static:** `total_timesteps` (5000 env steps), `num_envs` (1; one iteration steps every
    env once and applies their TD updates sequentially).

    **Exploration:** epsilon-greedy; the greedy action breaks ties uniformly at random during
    training (the returned [`TabularGreedyPolicy`][synthax.agents.tabular.TabularGreedyPolicy]
    breaks them towards the lowest action).

    **Raises:** `ValueError` when a size is not positive or `total_timesteps < num_envs`; `init`
    and `train` raise `ValueError` for `Box` actions or non-one-hot observation spaces.
    """

    def _next_value(self, q_table, next_state, next_action):
        return jnp.max(q_table[next_state])


class SARSA(_TabularTD):
    """Tabular SARSA (Rummery & Niranjan, 1994; Sutton & Barto, 2018, Eq. 6.7):
    `Q(s, a) += alpha * (r + gamma * Q(s', a') - Q(s, a))`, on-policy: `a'` is the
    epsilon-greedy action taken next from `s'`.

    For environments with one-hot observations and `Discrete` actions. `a'` is drawn from the
    table before the update (Sutton & Barto, Section 6.4) and kept in
    `TabularState.next_action`; when an episode is truncated, `a'` is drawn at the final
    observation for the target only, and the next episode's first action at its reset
    observation.

    **Array hyperparameters:** `learning_rate` (step size alpha, default 0.5), `gamma`
    (discount, 0.99), `eps_start` (1.0), `eps_end` (0.01), `exploration_fraction` (0.5:
    epsilon decays linearly over this fraction of `total_timesteps`), `q_init` (initial value of
    every table entry, 0.0).

    **Static:** `total_timesteps` (5000 env steps), `num_envs` (1; one iteration steps every
    env once and applies their TD updates sequentially).

    **Exploration:** epsilon-greedy; the greedy action breaks ties uniformly at random during
    training (the returned [`TabularGreedyPolicy`][synthax.agents.tabular.TabularGreedyPolicy]
    breaks them towards the lowest action).

    **Raises:** `ValueError` when a size is not positive or `total_timesteps < num_envs`; `init`
    and `train` raise `ValueError` for `Box` actions or non-one-hot observation spaces.
    """

    _chooses_ahead: ClassVar[bool] = True

    def _next_value(self, q_table, next_state, next_action):
        return q_table[next_state, next_action]
