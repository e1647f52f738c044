"""The evaluation-horizon curriculum: the real environment's time limit as a schedule over
generations."""

import equinox as eqx
import jax.numpy as jnp
import optax
from jaxtyping import Array, Int


class HorizonSchedule(eqx.Module):
    """The evaluation-horizon curriculum: `optax.linear_schedule` over generations on the
    evaluation environment's time limit (Liesen et al. 2024, Appendix; synthetic-gymnax's
    `eval_config`). E.g. MountainCar-v0: 1000 -> 200 steps from generation 200 over 600.

    **Arguments:** `init_value`, `end_value` (steps, >= 1), `transition_begin` (generations at
    `init_value`), `transition_steps` (generations of the linear change, >= 1).

    **Raises:** `ValueError` for values outside those ranges.
    """

    init_value: int = eqx.field(static=True)
    end_value: int = eqx.field(static=True)
    transition_begin: int = eqx.field(static=True, default=0)
    transition_steps: int = eqx.field(static=True, default=1)

    def __check_init__(self):
        if min(self.init_value, self.end_value) < 1:
            raise ValueError(f"horizons must be >= 1 step, got {self.init_value} -> "
                             f"{self.end_value}")
        if self.transition_begin < 0 or self.transition_steps < 1:
            raise ValueError("transition_begin must be >= 0 and transition_steps >= 1, got "
                             f"{self.transition_begin} and {self.transition_steps}")

    @property
    def bound(self) -> int:
        """The largest horizon the schedule takes."""
        return max(self.init_value, self.end_value)

    def __call__(self, generation: Int[Array, ""]) -> Int[Array, ""]:
        """The horizon (int32 steps) for 0-based `generation`."""
        schedule = optax.linear_schedule(
            float(self.init_value), float(self.end_value), self.transition_steps,
            self.transition_begin,
        )
        return jnp.round(schedule(generation)).astype(jnp.int32)
