"""Multi-layer perceptrons and their activations, shared by agents and synthetic environments."""

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

ACTIVATIONS: dict[str, Callable] = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "elu": jax.nn.elu,
    "gelu": jax.nn.gelu,
    "silu": jax.nn.silu,
    "leaky_relu": jax.nn.leaky_relu,
}


def activation_fn(name: str) -> Callable:
    """The activation function called `name`.

    **Raises:** `ValueError` naming the allowed activations.
    """
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; allowed: {sorted(ACTIVATIONS)}"
        ) from None


def mlp(
    in_size: int,
    out_size: int | str,
    hidden_size: int,
    num_layers: int,
    activation: str,
    key: PRNGKeyArray,
    final_scale: float = 1.0,
) -> eqx.nn.MLP:
    """A multi-layer perceptron with `num_layers` hidden layers of `hidden_size` units.

    **Arguments:**

    - `in_size`, `out_size`: input and output sizes (`out_size="scalar"` gives a scalar output).
    - `hidden_size`, `num_layers`: width and number of hidden layers.
    - `activation`: a name from `ACTIVATIONS`.
    - `key`: PRNG key.
    - `final_scale`: multiplies the last layer's initial weights (e.g. 0.01 for policy heads,
      Andrychowicz et al. 2021, "What matters in on-policy RL", Section 3.2).

    **Returns:** an `eqx.nn.MLP` mapping float32 `(in_size,)` to `(out_size,)` or a scalar.
    """
    net = eqx.nn.MLP(
        in_size, out_size, hidden_size, num_layers, activation=activation_fn(activation), key=key
    )
    if final_scale != 1.0:
        net = eqx.tree_at(lambda n: n.layers[-1].weight, net, net.layers[-1].weight * final_scale)
    return net
