"""The gradient optimisers an agent may train its networks with (its static `optimizer` field).

Every agent uses Adam by default, as the meta-training inner loop does; `"rmsprop"` and `"sgd"`
exist to train agents with an optimiser the synthetic environments never saw in meta-learning
(`experiments/transfer.py`).
"""

import optax

OPTIMIZERS = ("adam", "rmsprop", "sgd")
"""The names an agent's `optimizer` field accepts: `"adam"` (the default; `optax.adam`),
`"rmsprop"` (`optax.rmsprop` with its defaults: decay 0.9, eps 1e-8, no momentum) and `"sgd"`
(`optax.sgd` with momentum `SGD_MOMENTUM`, 0.9)."""

SGD_MOMENTUM = 0.9


def check_optimizer(agent) -> None:
    """Validate `agent.optimizer`.

    **Raises:** `ValueError` naming the bad value and the allowed ones.
    """
    if agent.optimizer not in OPTIMIZERS:
        raise ValueError(f"{type(agent).__name__}: unknown optimizer {agent.optimizer!r}; "
                         f"allowed: {list(OPTIMIZERS)}")


def base_optimizer(name: str, learning_rate, adam_eps: float | None = None
                   ) -> optax.GradientTransformation:
    """The optimiser called `name` (one of `OPTIMIZERS`) with step size `learning_rate` (a
    number, an array or a schedule); `adam_eps` overrides Adam's epsilon (PPO's 1e-5)."""
    if name == "adam":
        return optax.adam(learning_rate) if adam_eps is None else optax.adam(learning_rate,
                                                                             eps=adam_eps)
    if name == "rmsprop":
        return optax.rmsprop(learning_rate)
    if name == "sgd":
        return optax.sgd(learning_rate, momentum=SGD_MOMENTUM)
    raise ValueError(f"unknown optimizer {name!r}; allowed: {list(OPTIMIZERS)}")
