"""Policies: what an agent's training returns and what evaluation runs."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray


class Policy(eqx.Module):
    """A stochastic policy over a `Discrete` (categorical) or `Box` (diagonal Gaussian) space.

    **Fields:**

    - `actor`: network from float32 observations `(obs_dim,)` to logits `(num_actions,)` or to
      Gaussian means `(action_dim,)`.
    - `log_std`: float32 `(action_dim,)` state-independent log standard deviation (`Box` only).
    - `num_actions`: number of discrete actions, `None` for `Box` actions.
    - `action_low`, `action_high`: `Box` bounds; sampled actions are clipped to them.
    """

    actor: eqx.Module
    log_std: Float[Array, " action_dim"] | None
    num_actions: int | None = eqx.field(static=True)
    action_low: tuple[float, ...] | None = eqx.field(static=True, default=None)
    action_high: tuple[float, ...] | None = eqx.field(static=True, default=None)

    @property
    def is_discrete(self) -> bool:
        return self.num_actions is not None

    def log_prob_entropy(
        self, obs: Float[Array, " obs_dim"], action: Array
    ) -> tuple[Float[Array, ""], Float[Array, ""]]:
        """Log-probability of `action` (unclipped, for `Box`) and the entropy at `obs`."""
        out = self.actor(obs)
        if self.is_discrete:
            logp = jax.nn.log_softmax(out)
            return logp[action], -jnp.sum(jnp.exp(logp) * logp)
        log_std = self.log_std
        std = jnp.exp(log_std)
        logp = -0.5 * jnp.sum(((action - out) / std) ** 2 + 2 * log_std + jnp.log(2 * jnp.pi))
        entropy = jnp.sum(log_std + 0.5 * (1.0 + jnp.log(2 * jnp.pi)))
        return logp, entropy

    def sample(self, obs: Float[Array, " obs_dim"], key: PRNGKeyArray) -> Array:
        """Sample an action; `Box` samples are *not* clipped (see `clip`)."""
        out = self.actor(obs)
        if self.is_discrete:
            return jax.random.categorical(key, out).astype(jnp.int32)
        return out + jnp.exp(self.log_std) * jax.random.normal(key, out.shape)

    def clip(self, action: Array) -> Array:
        """Clip a `Box` action to the action space; identity for discrete actions."""
        if self.is_discrete:
            return action
        low = np.asarray(self.action_low, np.float32)
        high = np.asarray(self.action_high, np.float32)
        return jnp.clip(action, low, high)

    def __call__(
        self, obs: Float[Array, " obs_dim"], key: PRNGKeyArray, deterministic: bool = True
    ) -> Array:
        """The action to take at `obs`.

        **Arguments:** `obs` (float32 `(obs_dim,)`), `key`, `deterministic` (the mode: arg-max
        logit or Gaussian mean; else a sample).

        **Returns:** an int32 scalar (discrete) or a float32 `(action_dim,)` inside the bounds.
        """
        if deterministic:
            out = self.actor(obs)
            action = jnp.argmax(out).astype(jnp.int32) if self.is_discrete else out
        else:
            action = self.sample(obs, key)
        return self.clip(action)
