"""Configuration of a meta-learning run (a plain dataclass that round-trips through JSON)."""

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class MetaLearnConfig:
    """Everything that determines a meta-learning run.

    **Fields:**

    - `env_id`: the real gymnax environment to learn a synthetic stand-in for (any id that
      `gymnax.make` knows, including ones registered with `gymnax.register`).
    - `agents`: the inner-loop algorithms by name (`"ppo"`, `"dqn"`, `"sac"`, `"ddpg"`,
      `"td3"`).
    - `agent_kwargs`: per algorithm, keyword arguments of its class
      (`{"ppo": {"activation": "relu"}}`). They override the agent's defaults, or, with
      `random_hyperparameters`, synthetic-gymnax's inner-loop sizes (`synthax.agents.INNER_LOOP`).
    - `random_hyperparameters`: draw every inner-loop agent's array hyperparameters from
      `synthax.agents.SEARCH_SPACES` (the paper's setting).
    - `schedule`: `"round_robin"` (one algorithm per generation, in turn) or `"all"`.
    - `eval_horizon`: `None`, or the keyword arguments of a
      [`HorizonSchedule`][synthax.meta.HorizonSchedule] (`init_value`, `end_value`,
      `transition_begin`, `transition_steps`): the real environment's time limit during
      fitness evaluation, as a linear schedule over generations.
    - `strategy`: an evosax distribution-based strategy by name (`"SNES"`, `"Open_ES"`,
      `"CMA_ES"`, ...); `sigma_init`: its initial search standard deviation (`std_init`).
    - `population_size`, `generations`.
    - `hidden_size`: width of the synthetic environment's networks.
    - `scale_reward_input`: the bandit's reward network reads observations mapped from the real
      bounds to [-1, 1] (see
      [`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit]); off by default,
      as in the paper.
    - `scale_initial_state`: the bandit's initial-state network outputs observations in units
      of the real bounds (same reference); off by default, as in the paper.
    - `num_eval_episodes`: real-environment episodes per fitness evaluation.
    - `num_mean_eval_seeds`: agents trained on the population mean each generation.
    - `num_rollouts`: agents trained on each population member per generation, each with its
      own hyperparameter draw and seed (shared by the population); the member's fitness is
      their mean. synthetic-gymnax uses 8; 1 (the default) costs one agent per member.
    - `checkpoint_every`: generations between checkpoints.
    - `final_eval_seeds`: agents per arm of the final evaluation (`synthetic_10k`, `real_10k`).
    - `seed`: the run's PRNG seed.
    """

    env_id: str = "CartPole-v1"
    agents: list[str] = field(default_factory=lambda: ["ppo"])
    agent_kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    random_hyperparameters: bool = False
    schedule: str = "round_robin"
    eval_horizon: dict[str, int] | None = None
    strategy: str = "SNES"
    sigma_init: float = 0.1
    population_size: int = 32
    generations: int = 60
    hidden_size: int = 32
    scale_reward_input: bool = False
    scale_initial_state: bool = False
    num_eval_episodes: int = 8
    num_mean_eval_seeds: int = 8
    num_rollouts: int = 1
    checkpoint_every: int = 5
    final_eval_seeds: int = 16
    seed: int = 0

    def __post_init__(self):
        for name in ("population_size", "generations", "hidden_size", "num_eval_episodes",
                     "num_mean_eval_seeds", "num_rollouts", "checkpoint_every",
                     "final_eval_seeds"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.sigma_init > 0:
            raise ValueError(f"sigma_init must be > 0, got {self.sigma_init}")
        from synthax.agents import AGENTS

        from .inner_loop import SCHEDULES

        if isinstance(self.agents, str) or not self.agents:
            raise ValueError(f"agents must be a non-empty list of names, got {self.agents!r}")
        if len(set(self.agents)) != len(self.agents):
            raise ValueError(f"agents must not repeat a name, got {self.agents}")
        for name in [*self.agents, *self.agent_kwargs]:
            if name not in AGENTS:
                raise ValueError(f"unknown agent {name!r}; allowed: {sorted(AGENTS)}")
        extra = set(self.agent_kwargs) - set(self.agents)
        if extra:
            raise ValueError(f"agent_kwargs for {sorted(extra)}, which are not in agents "
                             f"{self.agents}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; allowed: {list(SCHEDULES)}")
        if self.eval_horizon is not None:
            allowed = {"init_value", "end_value", "transition_begin", "transition_steps"}
            unknown = set(self.eval_horizon) - allowed
            if unknown or not {"init_value", "end_value"} <= set(self.eval_horizon):
                raise ValueError(
                    f"eval_horizon needs init_value and end_value and may have "
                    f"transition_begin and transition_steps; got {sorted(self.eval_horizon)}"
                )
            self.horizon_schedule()  # validates the values

    def horizon_schedule(self):
        """The [`HorizonSchedule`][synthax.meta.HorizonSchedule] of `eval_horizon`, or `None`."""
        from .curriculum import HorizonSchedule

        if self.eval_horizon is None:
            return None
        return HorizonSchedule(**{k: int(v) for k, v in self.eval_horizon.items()})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetaLearnConfig":
        """Build from a dict, rejecting unknown keys with the list of allowed ones.

        A config written by synthax 0.1 (`"agent": name` with flat `agent_kwargs`) is read as
        `agents=[name]` with `agent_kwargs={name: ...}`.
        """
        data = dict(data)
        if "agent" in data and "agents" not in data:
            name = data.pop("agent")
            if not isinstance(name, str):
                raise ValueError(f"agent must be an agent name, got {name!r}")
            kwargs = data.pop("agent_kwargs", {}) or {}
            data["agents"] = [name]
            data["agent_kwargs"] = {name: kwargs} if kwargs else {}
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        return cls(**data)

    @classmethod
    def from_file(cls, path: "str | Path") -> "MetaLearnConfig":
        """Read a config from a YAML (`.yaml`, `.yml`) or JSON file (see `experiments/configs/`).

        **Raises:** `ValueError` for another suffix, a file that is not a mapping, or bad keys
        or values (see `from_dict`); `OSError` if the file cannot be read.
        """
        path = Path(path)
        if path.suffix not in (".yaml", ".yml", ".json"):
            raise ValueError(f"config files are .yaml, .yml or .json; got {path.name!r}")
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path} does not hold a mapping of config keys")
        return cls.from_dict(data)

    def replace(self, **changes) -> "MetaLearnConfig":
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, MetaLearnConfig] = {
    # Sized for a 2-core CPU: a few minutes end to end.
    "cpu": MetaLearnConfig(),
}
