"""Configuration of a meta-learning run (a plain dataclass that round-trips through JSON)."""

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MetaLearnConfig:
    """Everything that determines a meta-learning run.

    **Fields:**

    - `env_id`: the real gymnax environment to learn a synthetic stand-in for.
    - `agent`, `agent_kwargs`: the inner-loop agent by name and its hyperparameters
      (defaults: the agent's own, e.g. [`PPO`][synthax.agents.PPO] with 10k steps).
    - `strategy`: an evosax distribution-based strategy by name (`"SNES"`, `"Open_ES"`,
      `"CMA_ES"`, ...); `sigma_init`: its initial search standard deviation (`std_init`).
    - `population_size`, `generations`.
    - `hidden_size`: width of the synthetic environment's networks.
    - `num_eval_episodes`: real-environment episodes per fitness evaluation.
    - `num_mean_eval_seeds`: agents trained on the population mean each generation.
    - `checkpoint_every`: generations between checkpoints.
    - `final_eval_seeds`: agents per arm of the final evaluation (`synthetic_10k`, `real_10k`).
    - `seed`: the run's PRNG seed.
    """

    env_id: str = "CartPole-v1"
    agent: str = "ppo"
    agent_kwargs: dict[str, Any] = field(default_factory=dict)
    strategy: str = "SNES"
    sigma_init: float = 0.1
    population_size: int = 32
    generations: int = 60
    hidden_size: int = 32
    num_eval_episodes: int = 8
    num_mean_eval_seeds: int = 8
    checkpoint_every: int = 5
    final_eval_seeds: int = 16
    seed: int = 0

    def __post_init__(self):
        for name in ("population_size", "generations", "hidden_size", "num_eval_episodes",
                     "num_mean_eval_seeds", "checkpoint_every", "final_eval_seeds"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.sigma_init > 0:
            raise ValueError(f"sigma_init must be > 0, got {self.sigma_init}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetaLearnConfig":
        """Build from a dict, rejecting unknown keys with the list of allowed ones."""
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        return cls(**data)

    def replace(self, **changes) -> "MetaLearnConfig":
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, MetaLearnConfig] = {
    # Sized for a 2-core CPU: a few minutes end to end.
    "cpu": MetaLearnConfig(),
}
