"""Network constructors shared by every agent (the plain MLP lives in `synthax.nn`)."""


import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from synthax.nn import ACTIVATIONS as ACTIVATIONS, activation_fn as activation_fn, mlp as mlp


class DuelingQNetwork(eqx.Module):
    """Dueling Q-network (Wang et al., 2016, arXiv:1511.06581, Eq. 9):
    `Q(s, a) = V(s) + A(s, a) - mean_a A(s, a)`, from a shared torso.

    **Call:** float32 `(obs_dim,)` -> float32 `(num_actions,)`.
    """

    torso: eqx.nn.MLP
    value: eqx.nn.Linear
    advantage: eqx.nn.Linear

    def __init__(self, in_size: int, num_actions: int, hidden_size: int, num_layers: int,
                 activation: str, key: PRNGKeyArray):
        k_torso, k_value, k_adv = jax.random.split(key, 3)
        act = activation_fn(activation)
        self.torso = eqx.nn.MLP(in_size, hidden_size, hidden_size, max(num_layers - 1, 0),
                                activation=act, final_activation=act, key=k_torso)
        self.value = eqx.nn.Linear(hidden_size, 1, key=k_value)
        self.advantage = eqx.nn.Linear(hidden_size, num_actions, key=k_adv)

    def __call__(self, obs):
        h = self.torso(obs)
        adv = self.advantage(h)
        return self.value(h) + adv - jnp.mean(adv)


def polyak(target, online, tau):
    """Soft target update `tau * online + (1 - tau) * target` over inexact arrays (Lillicrap et
    al., 2016); `tau = 1` copies."""
    return jax.tree.map(
        lambda t, o: tau * o + (1.0 - tau) * t if eqx.is_inexact_array(t) else t, target, online
    )


def _scale_to_bounds(x, low, high):
    """Map `tanh`-squashed values in [-1, 1] to the box `[low, high]`."""
    low = np.asarray(low, np.float32)
    high = np.asarray(high, np.float32)
    return low + 0.5 * (x + 1.0) * (high - low)


class ContinuousQNetwork(eqx.Module):
    """`Q(s, a)` for `Box` actions: an MLP on `concat(obs, action)`.

    **Call:** `(obs: float32 (obs_dim,), action: float32 (action_dim,)) -> float32 scalar`.
    """

    net: eqx.nn.MLP

    def __init__(self, obs_dim: int, action_dim: int, hidden_size: int, num_layers: int,
                 activation: str, key: PRNGKeyArray):
        self.net = mlp(obs_dim + action_dim, "scalar", hidden_size, num_layers, activation, key)

    def __call__(self, obs, action):
        return self.net(jnp.concatenate([obs, action]))


class DeterministicActor(eqx.Module):
    """`mu(s)` inside the action box: `tanh` of an MLP, scaled to `[action_low, action_high]`
    (DDPG, Lillicrap et al. 2016; TD3, Fujimoto et al. 2018).

    **Call:** float32 `(obs_dim,)` -> float32 `(action_dim,)`.
    """

    net: eqx.nn.MLP
    action_low: tuple[float, ...] = eqx.field(static=True)
    action_high: tuple[float, ...] = eqx.field(static=True)

    def __init__(self, obs_dim: int, action_low, action_high, hidden_size: int,
                 num_layers: int, activation: str, key: PRNGKeyArray):
        self.action_low = tuple(float(v) for v in np.ravel(action_low))
        self.action_high = tuple(float(v) for v in np.ravel(action_high))
        self.net = mlp(obs_dim, len(self.action_low), hidden_size, num_layers, activation, key)

    def __call__(self, obs):
        return _scale_to_bounds(jnp.tanh(self.net(obs)), self.action_low, self.action_high)


class SquashedGaussianActor(eqx.Module):
    """SAC's tanh-squashed diagonal Gaussian policy (Haarnoja et al., 2018, arXiv:1812.05905,
    Appendix C), scaled to the action box; log-std clipped to `[-5, 2]`.

    **Methods:** `sample(obs, key) -> (action, log_prob)` with the tanh change-of-variables
    correction; `mode(obs) -> action`.
    """

    net: eqx.nn.MLP
    action_low: tuple[float, ...] = eqx.field(static=True)
    action_high: tuple[float, ...] = eqx.field(static=True)

    def __init__(self, obs_dim: int, action_low, action_high, hidden_size: int,
                 num_layers: int, activation: str, key: PRNGKeyArray):
        self.action_low = tuple(float(v) for v in np.ravel(action_low))
        self.action_high = tuple(float(v) for v in np.ravel(action_high))
        self.net = mlp(obs_dim, 2 * len(self.action_low), hidden_size, num_layers, activation,
                       key)

    def _mean_log_std(self, obs):
        mean, log_std = jnp.split(self.net(obs), 2)
        return mean, jnp.clip(log_std, -5.0, 2.0)

    def sample(self, obs, key):
        mean, log_std = self._mean_log_std(obs)
        std = jnp.exp(log_std)
        u = mean + std * jax.random.normal(key, mean.shape)
        log_prob = jnp.sum(
            -0.5 * ((u - mean) / std) ** 2 - log_std - 0.5 * jnp.log(2 * jnp.pi)
            - (2 * (jnp.log(2.0) - u - jax.nn.softplus(-2 * u)))
        )
        half_range = 0.5 * (np.asarray(self.action_high) - np.asarray(self.action_low))
        log_prob = log_prob - jnp.sum(jnp.log(np.maximum(half_range, 1e-6)))
        return _scale_to_bounds(jnp.tanh(u), self.action_low, self.action_high), log_prob

    def mode(self, obs):
        mean, _ = self._mean_log_std(obs)
        return _scale_to_bounds(jnp.tanh(mean), self.action_low, self.action_high)
