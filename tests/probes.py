"""Probe environments (Andy Jones, "Debugging RL, Without the Agonizing Pain", 2021).

Each isolates one part of an agent, so a broken value target, sign or discount fails fast.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
from gymnax.environments import spaces

from synthax.envs import AbstractEnvironment


class ProbeState(eqx.Module):
    obs: jax.Array
    time: jax.Array


class Probe(AbstractEnvironment):
    """`kind` selects the probe:

    - "constant": one step, observation 0, reward +1 -> V(s) = 1.
    - "action": one step, reward +1 for action 1, 0 otherwise -> always choose action 1.
    - "obs_action": one step, observation +-1, reward +1 when the action matches its sign.
    - "two_step": two steps, reward 0 then +1 -> V(s0) = gamma, V(s1) = 1.
    - "truncation": reward +1 every step, never terminates, truncated after `horizon` steps
      -> V(s) = 1 / (1 - gamma) if truncation is bootstrapped through.
    """

    kind: str = eqx.field(static=True)
    horizon: int = eqx.field(static=True, default=5)

    def reset(self, key):
        if self.kind == "obs_action":
            obs = jnp.where(jax.random.bernoulli(key), 1.0, -1.0)[None]
        else:
            obs = jnp.zeros(1)
        return obs, ProbeState(obs, jnp.asarray(0, jnp.int32))

    def transition(self, key, state, action):
        time = state.time + 1
        if self.kind == "constant":
            reward, terminated, obs = 1.0, True, state.obs
        elif self.kind == "action":
            reward, terminated, obs = (action == 1).astype(jnp.float32), True, state.obs
        elif self.kind == "obs_action":
            match = (action == 1) == (state.obs[0] > 0)
            reward, terminated, obs = match.astype(jnp.float32), True, state.obs
        elif self.kind == "two_step":
            reward = (time == 2).astype(jnp.float32)
            terminated, obs = time >= 2, jnp.ones(1) * time
        elif self.kind == "truncation":
            reward, terminated, obs = 1.0, False, state.obs
        else:
            raise ValueError(self.kind)
        truncated = jnp.logical_and(jnp.logical_not(terminated), time >= self.horizon)
        return (
            obs, ProbeState(obs, time), jnp.asarray(reward, jnp.float32),
            jnp.asarray(terminated), truncated, {},
        )

    @property
    def observation_space(self):
        return spaces.Box(-2.0, 2.0, (1,), jnp.float32)

    @property
    def action_space(self):
        return spaces.Discrete(2)

    @property
    def max_steps_in_episode(self):
        return self.horizon


class BoxProbe(AbstractEnvironment):
    """Probes for `Box` actions in [-1, 1] (one action dimension):

    - "constant": one step, reward +1 -> Q(s, a) = 1 for every action.
    - "action": one step, reward `-(a - 0.5)^2` -> the best action is 0.5.
    - "obs_action": one step, observation +-1, reward `-(a - 0.5 * obs)^2` -> action = obs / 2.
    - "truncation": reward +1 every step, never terminates, truncated after `horizon` steps
      -> Q(s, a) = 1 / (1 - gamma) if truncation is bootstrapped through.
    """

    kind: str = eqx.field(static=True)
    horizon: int = eqx.field(static=True, default=5)

    def reset(self, key):
        if self.kind == "obs_action":
            obs = jnp.where(jax.random.bernoulli(key), 1.0, -1.0)[None]
        else:
            obs = jnp.zeros(1)
        return obs, ProbeState(obs, jnp.asarray(0, jnp.int32))

    def transition(self, key, state, action):
        time = state.time + 1
        a = jnp.clip(jnp.reshape(action, (1,)), -1.0, 1.0)[0]
        if self.kind == "constant":
            reward, terminated = 1.0, True
        elif self.kind == "action":
            reward, terminated = -((a - 0.5) ** 2), True
        elif self.kind == "obs_action":
            reward, terminated = -((a - 0.5 * state.obs[0]) ** 2), True
        elif self.kind == "truncation":
            reward, terminated = 1.0, False
        else:
            raise ValueError(self.kind)
        truncated = jnp.logical_and(jnp.logical_not(terminated), time >= self.horizon)
        return (
            state.obs, ProbeState(state.obs, time), jnp.asarray(reward, jnp.float32),
            jnp.asarray(terminated), truncated, {},
        )

    @property
    def observation_space(self):
        return spaces.Box(-2.0, 2.0, (1,), jnp.float32)

    @property
    def action_space(self):
        return spaces.Box(-1.0, 1.0, (1,), jnp.float32)

    @property
    def max_steps_in_episode(self):
        return self.horizon
