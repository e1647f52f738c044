"""Reward networks: a real environment whose reward is replaced or augmented by a network.

Ferreira et al. (2022), "Learning Synthetic Environments and Reward Networks for Reinforcement
Learning", ICLR, arXiv:2202.02790, Section 3 and Appendix: a reward network (RN) keeps the real
dynamics and learns the reward the agent sees. The variants (with learning_environments'
`reward_env_type` numbers):

| variant | `reward_env_type` | reward |
|---|---|---|
| `potential_exclusive` | 1 | `gamma * Phi(s') - Phi(s)` |
| `potential_additive` | 2 | `r + gamma * Phi(s') - Phi(s)` |
| `potential_exclusive_info` | 3 | as 1 with `Phi` on `concat(s, info)` |
| `potential_additive_info` | 4 | as 2 with `Phi` on `concat(s, info)` |
| `exclusive` | 5 | `f(s')` |
| `additive` | 6 | `r + f(s')` |
| `exclusive_info` | 7 | `f(concat(s', info))` |
| `additive_info` | 8 | `r + f(concat(s', info))` |
| `linear_info_exclusive` | 101 | `w . info` |
| `linear_info_additive` | 102 | `r + w . info` |

`gamma` is the discount of the agent being trained (`for_agent` sets it). Potential-based
shaping is that of Ng, Harada and Russell (1999, ICML, Theorem 1). As in learning_environments,
`Phi(s')` is used at terminal transitions too: an exclusive potential can then reward reaching a
good terminal state (Cliff Walking's goal), which it could not if terminal potentials were 0; the
policy-invariance guarantee of the additive variants strictly needs `Phi = 0` at absorbing
states, so it holds only approximately.
"""

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from synthax.nn import ACTIVATIONS, mlp

from .base import AbstractEnvironment, Observation, StepResult
from .wrapper import AbstractWrapper

# variant -> (potential-based, additive, uses the info vector, linear in the info vector)
VARIANTS: dict[str, tuple[bool, bool, bool, bool]] = {
    "potential_exclusive": (True, False, False, False),
    "potential_additive": (True, True, False, False),
    "potential_exclusive_info": (True, False, True, False),
    "potential_additive_info": (True, True, True, False),
    "exclusive": (False, False, False, False),
    "additive": (False, True, False, False),
    "exclusive_info": (False, False, True, False),
    "additive_info": (False, True, True, False),
    "linear_info_exclusive": (False, False, True, True),
    "linear_info_additive": (False, True, True, True),
}

SEED_TYPES: dict[int, str] = {
    1: "potential_exclusive", 2: "potential_additive", 3: "potential_exclusive_info",
    4: "potential_additive_info", 5: "exclusive", 6: "additive", 7: "exclusive_info",
    8: "additive_info", 101: "linear_info_exclusive", 102: "linear_info_additive",
}
"""learning_environments' `reward_env_type` numbers and the synthax variant names they stand for."""


class RewardNetworkState(eqx.Module):
    """The wrapped environment's state and its current observation (flattened float32)."""

    inner: Any
    obs: Float[Array, " obs_dim"]


class RewardNetwork(AbstractWrapper):
    """A real environment whose reward comes from a learned network (one of `VARIANTS`).

    **Arguments:**

    - `env`: the real environment; its dynamics, termination and time limit are kept.
    - `variant`: a name from `VARIANTS` (module docstring), or learning_environments' type number
      (`SEED_TYPES`).
    - `key` (keyword-only): PRNG key for the network's initialisation.
    - `info_keys`: entries of `env`'s `transition` info that form the info vector (each
      flattened to float32 and concatenated); required by the `*_info` variants.
    - `hidden_size`, `num_layers`, `activation`: the network `Phi` or `f` (ignored by the
      linear variants, which learn `w` without a bias as in learning_environments).
    - `gamma`: the discount in potential-based variants; `for_agent(agent)` replaces it by the
      agent's `gamma`.

    **Info:** every transition adds `"real_reward"` (float32 scalar, the wrapped environment's
    reward) to the wrapped environment's info, so the real return can still be logged.

    **Raises:** `ValueError` for an unknown variant or activation (naming the allowed ones), an
    info variant without `info_keys`, `info_keys` that `env`'s info lacks, or sizes below 1.
    """

    env: AbstractEnvironment
    network: eqx.Module
    gamma: Float[Array, ""]
    variant: str = eqx.field(static=True)
    info_keys: tuple[str, ...] = eqx.field(static=True)
    hidden_size: int = eqx.field(static=True)
    num_layers: int = eqx.field(static=True)
    activation: str = eqx.field(static=True)

    def __init__(
        self,
        env: AbstractEnvironment,
        variant: str | int,
        *,
        key: PRNGKeyArray,
        info_keys: tuple[str, ...] | list[str] = (),
        hidden_size: int = 32,
        num_layers: int = 1,
        activation: str = "leaky_relu",
        gamma: float = 0.99,
    ):
        if isinstance(variant, int) and not isinstance(variant, bool):
            if variant not in SEED_TYPES:
                raise ValueError(f"unknown seed reward_env_type {variant}; allowed: "
                                 f"{sorted(SEED_TYPES)}")
            variant = SEED_TYPES[variant]
        if variant not in VARIANTS:
            raise ValueError(f"unknown reward-network variant {variant!r}; allowed: "
                             f"{list(VARIANTS)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; allowed: {sorted(ACTIVATIONS)}")
        for name, value in (("hidden_size", hidden_size), ("num_layers", num_layers)):
            if int(value) < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        _, _, uses_info, linear = VARIANTS[variant]
        info_keys = tuple(info_keys)
        if uses_info and not info_keys:
            raise ValueError(f"variant {variant!r} needs info_keys, the entries of the "
                             "environment's info that form the info vector")
        self.env = env
        self.variant = variant
        self.info_keys = info_keys if uses_info else ()
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.activation = activation
        self.gamma = jnp.asarray(gamma, jnp.float32)
        info_dim = self._info_dim() if uses_info else 0
        if linear:
            self.network = eqx.nn.Linear(info_dim, "scalar", use_bias=False, key=key)
        else:
            in_size = env.observation_dim + info_dim
            self.network = mlp(in_size, "scalar", self.hidden_size, self.num_layers, activation,
                               key)

    def config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (everything but `env` and the key)."""
        return {"variant": self.variant, "info_keys": list(self.info_keys),
                "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "activation": self.activation, "gamma": float(self.gamma)}

    def _info_dim(self) -> int:
        def info_of(key):
            _, state = self.env.reset(key)
            action = self.env.action_space.sample(key)
            return self.env.transition(key, state, action)[-1]

        info = jax.eval_shape(info_of, jax.random.key(0))
        missing = [k for k in self.info_keys if k not in info]
        if missing:
            raise ValueError(f"{type(self.env).__name__}'s info has no {missing}; it has "
                             f"{sorted(info)}")
        return sum(math.prod(info[k].shape) for k in self.info_keys)

    @property
    def is_potential(self) -> bool:
        """Whether the reward is potential-based (`gamma * Phi(s') - Phi(s)`)."""
        return VARIANTS[self.variant][0]

    @property
    def is_additive(self) -> bool:
        """Whether the real reward is kept (`r + ...`) rather than replaced."""
        return VARIANTS[self.variant][1]

    def learnable(self) -> Any:
        """The network's weights; not the real environment nor `gamma`."""
        spec = super().learnable()
        spec = eqx.tree_at(lambda e: e.env, spec, jax.tree.map(lambda _: False, self.env))
        return eqx.tree_at(lambda e: e.gamma, spec, False)

    def for_agent(self, agent: Any) -> "RewardNetwork":
        """This reward network with `gamma` set to `agent.gamma` (unchanged if it has none)."""
        if not hasattr(agent, "gamma"):
            return self
        return eqx.tree_at(lambda e: e.gamma, self, jnp.asarray(agent.gamma, jnp.float32))

    def _info_vector(self, info: dict[str, Any]) -> Float[Array, " info_dim"]:
        return jnp.concatenate([jnp.ravel(jnp.asarray(info[k], jnp.float32))
                                for k in self.info_keys])

    def learned_reward(
        self,
        obs: Float[Array, " obs_dim"],
        next_obs: Float[Array, " obs_dim"],
        info: dict[str, Any],
    ) -> Float[Array, ""]:
        """The network's part of the reward for one transition (without the real reward).

        **Arguments:** `obs` and `next_obs` (float32 `(obs_dim,)`, before and after the
        action), `info` (the wrapped environment's transition info).

        **Returns:** a float32 scalar.
        """
        potential, _, uses_info, linear = VARIANTS[self.variant]
        extra = [self._info_vector(info)] if uses_info else []
        if linear:
            return self.network(extra[0])
        if potential:
            phi = self.network(jnp.concatenate([obs, *extra]))
            phi_next = self.network(jnp.concatenate([next_obs, *extra]))
            return self.gamma * phi_next - phi
        return self.network(jnp.concatenate([next_obs, *extra]))

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, RewardNetworkState]:
        obs, inner = self.env.reset(key)
        return obs, RewardNetworkState(inner, jnp.ravel(obs).astype(jnp.float32))

    def transition(
        self, key: PRNGKeyArray, state: RewardNetworkState, action: Array
    ) -> StepResult:
        obs, inner, reward, terminated, truncated, info = self.env.transition(
            key, state.inner, action
        )
        flat = jnp.ravel(obs).astype(jnp.float32)
        learned = self.learned_reward(state.obs, flat, info)
        shaped = reward + learned if self.is_additive else learned
        info = {**info, "real_reward": jnp.asarray(reward, jnp.float32)}
        return (obs, RewardNetworkState(inner, flat), shaped.astype(jnp.float32), terminated,
                truncated, info)
