"""Configuration of a meta-learning run (a plain dataclass that round-trips through JSON)."""

import dataclasses
import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ENVIRONMENTS = ("bandit", "mdp", "reward_network")
OBJECTIVES = ("final_return", "area_under_curve", "steps_to_solve", "optimal_policy_return",
              "true_critic_return", "final_and_true_critic_return")
# The objectives that score a bandit's reward with an actor on its exact critic (Box actions).
TRUE_CRITIC_OBJECTIVES = ("true_critic_return", "final_and_true_critic_return")


class ConfigError(ValueError):
    """A config field (or config file) holds a value that is not allowed; the message names the
    field, the value and what is allowed."""


@functools.cache
def _field_validators() -> dict[str, Any]:
    """A strict pydantic validator per field: no coercion, so `4.5` is not an `int`, `"no"` or
    `1` is not a `bool`, and `True` is not an `int`."""
    from pydantic import ConfigDict, TypeAdapter

    strict = ConfigDict(strict=True)
    return {f.name: TypeAdapter(f.type, config=strict)
            for f in dataclasses.fields(MetaLearnConfig)}


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _check_types(values: dict[str, Any]) -> dict[str, Any]:
    """`values` (field name to value) checked against the fields' types; ints given for float
    fields become floats. **Raises:** `ConfigError` for the first value of the wrong type."""
    from pydantic import ValidationError

    checked_values = dict(values)
    for f in dataclasses.fields(MetaLearnConfig):
        if f.name not in values:
            continue
        value = values[f.name]
        try:
            checked = _field_validators()[f.name].validate_python(value)
        except ValidationError as error:
            first = error.errors()[0]
            where = "".join(f"[{part!r}]" for part in first["loc"])
            raise ConfigError(
                f"config field {f.name}{where}: {first.get('input', value)!r} is not allowed; "
                f"{f.name} is {_type_name(f.type)} ({first['msg'].lower()})"
            ) from None
        if f.type is float:  # an int is fine for a float field; store it as a float
            checked_values[f.name] = checked
    return checked_values


def read_data_file(path: Path, kind: str) -> Any:
    """The data in the YAML (`.yaml`, `.yml`) or JSON file `path`; `kind` names such files in
    the error (`"config"`, `"tune space"`).

    **Raises:** `ConfigError` naming the file for another suffix, a file that cannot be read
    (or is not UTF-8), or text that does not parse.
    """
    if path.suffix not in (".yaml", ".yml", ".json"):
        raise ConfigError(f"{kind} files are .yaml, .yml or .json; got {path.name!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read it ({reason})") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        line = " ".join(str(error).split())
        raise ConfigError(f"{path}: not valid {path.suffix[1:].upper()} ({line})") from None


@dataclass(frozen=True)
class MetaLearnConfig:
    """Everything that determines a meta-learning run.

    **Fields:**

    - `env_id`: the real environment to learn a synthetic stand-in for: any id that
      `synthax.make` knows (gymnax ids, including ones registered with `gymnax.register`, and
      with `synthax[brax]` the Brax ids such as `"hopper"`).
    - `env_kwargs`: keyword arguments for `synthax.make(env_id, ...)`, e.g.
      `{"backend": "generalized"}` for a Brax environment (recorded, so a run's physics backend
      is part of its config).
    - `agents`: the inner-loop algorithms by name (`"ppo"`, `"dqn"`, `"sac"`, `"ddpg"`,
      `"td3"`).
    - `agent_kwargs`: per algorithm, keyword arguments of its class
      (`{"ppo": {"activation": "relu"}}`). They override the agent's defaults, or, with
      `random_hyperparameters`, synthetic-gymnax's inner-loop sizes (`synthax.agents.INNER_LOOP`).
    - `random_hyperparameters`: draw every inner-loop agent's array hyperparameters from its
      search space (the paper's setting).
    - `search_spaces`: per algorithm, the lists its hyperparameters are drawn from
      (`{"ppo": {"learning_rate": [0.001, 0.0003]}}`; a key `"a,b"` sets fields `a` and `b` to
      one draw); an algorithm left out uses `synthax.agents.SEARCH_SPACES`. A run folder's
      `config.json` records the spaces and inner-loop sizes it used
      ([`resolved`][synthax.meta.MetaLearnConfig.resolved]), so the folder alone reproduces it.
    - `optimizers`: the gradient optimisers the inner-loop agents train with, by name
      (`synthax.agents.optimizers.OPTIMIZERS`: `"adam"`, the default and the paper's,
      `"rmsprop"`, `"sgd"`). With more than one, every algorithm of `agents` appears once per
      optimiser, in the order `agents` x `optimizers` (all of `agents` with the first, then
      with the second, ...), and `schedule` runs over these variants: a wider meta-training
      distribution, for environments that also train agents with other optimisers.
    - `schedule`: `"round_robin"` (one algorithm per generation, in turn) or `"all"`.
    - `fitness_combination`: under `"all"`, what the strategy ranks: `"mean"` (default, the
      algorithms' mean return) or `"centered_ranks"` (the mean of each algorithm's centered
      ranks within the population, so that an algorithm whose returns spread more does not
      decide the ranking; [`InnerLoop`][synthax.meta.InnerLoop]'s `combination`). The log's
      fitness is the mean return either way.
    - `eval_horizon`: `None`, or the keyword arguments of a
      [`HorizonSchedule`][synthax.meta.HorizonSchedule] (`init_value`, `end_value`,
      `transition_begin`, `transition_steps`): the real environment's time limit during
      fitness evaluation, as a linear schedule over generations.
    - `environment`: the kind of synthetic environment: `"bandit"` (a
      [`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit], synthetic-gymnax),
      `"mdp"` (a [`SyntheticMDP`][synthax.envs.SyntheticMDP]) or `"reward_network"` (a
      [`RewardNetwork`][synthax.envs.RewardNetwork] around the real environment; both
      learning_environments). `environment_kwargs` are its constructor's keyword arguments
      (e.g. `{"variant": "potential_additive"}` for a reward network); `hidden_size` is the
      default width of every kind.
    - `objective`: what a population member scores: `"final_return"` (the real return after
      training, [`FinalReturn`][synthax.meta.FinalReturn]), `"area_under_curve"` or
      `"steps_to_solve"` (learning_environments' train-until-solved; needs
      `objective_kwargs: {threshold: ...}`) or, for a bandit, `"optimal_policy_return"` (the real
      return of the policy its reward asks for, training no agent,
      [`OptimalPolicyReturn`][synthax.meta.OptimalPolicyReturn]) or, for a bandit with `Box`
      actions, `"true_critic_return"` (the real return of an actor trained on the bandit's reward
      as its exact critic, [`TrueCriticReturn`][synthax.meta.TrueCriticReturn]), with
      `objective_kwargs` for its class, or `"final_and_true_critic_return"`, the weighted mean
      of the two real returns ([`WeightedSum`][synthax.meta.WeightedSum]: `final_return` of the
      agents, weight `1 - true_critic_weight`, and `true_critic_return`, weight
      `true_critic_weight`; `objective_kwargs: {true_critic_weight: 0.5, ...}`, the rest for
      `TrueCriticReturn`).
    - `init_environment`: `None` (the networks' default initialisation from `seed`), or the path
      of an environment checkpoint (an earlier run's `env.eqx`, or any file
      [`save_environment`][synthax.checkpoints.save_environment] wrote) for the same `env_id`
      and of the kind and sizes this config builds, whose parameters become the search
      distribution's initial mean: a warm start, e.g. from a run with the
      `"optimal_policy_return"` objective. A relative path is read from the working directory.
    - `strategy`: an evosax distribution-based strategy by name (`"SNES"`, `"Open_ES"`,
      `"CMA_ES"`, ...); `sigma_init`: its initial search standard deviation (evosax's
      `std_init`; the config keeps synthetic-gymnax's name). `strategy_kwargs`: JSON values for
      its constructor, plus `optimizer: {name: sgd, learning_rate: 0.1}` for an optax optimiser
      and `fitness_shaping: centered_ranks_with_ties` (learning_environments' NES).
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

    **Raises:** `ConfigError` (a `ValueError`) naming the field, the value and what is allowed,
    when a field has the wrong type (types are checked strictly: `4.5` is not an `int`, `"no"`
    is not a `bool`), a count is below 1, `sigma_init` is not a finite positive number, a name
    is unknown, or `env_id` is a `Synthetic-` or `Synthax-` id (meta-learning needs the real
    environment).
    """

    env_id: str = "CartPole-v1"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    agents: list[str] = field(default_factory=lambda: ["ppo"])
    agent_kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    random_hyperparameters: bool = False
    search_spaces: dict[str, dict[str, list[bool | int | float]]] | None = None
    optimizers: list[str] = field(default_factory=lambda: ["adam"])
    schedule: str = "round_robin"
    fitness_combination: str = "mean"
    eval_horizon: dict[str, int] | None = None
    environment: str = "bandit"
    environment_kwargs: dict[str, Any] = field(default_factory=dict)
    objective: str = "final_return"
    objective_kwargs: dict[str, Any] = field(default_factory=dict)
    init_environment: str | None = None
    strategy: str = "SNES"
    strategy_kwargs: dict[str, Any] = field(default_factory=dict)
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
        for name in ("agents", "optimizers"):
            if isinstance(getattr(self, name), tuple):
                object.__setattr__(self, name, list(getattr(self, name)))
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, value in _check_types(fields).items():
            object.__setattr__(self, name, value)
        for name in ("population_size", "generations", "hidden_size", "num_eval_episodes",
                     "num_mean_eval_seeds", "num_rollouts", "checkpoint_every",
                     "final_eval_seeds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"config field {name} must be >= 1, got {getattr(self, name)}")
        if not (math.isfinite(self.sigma_init) and self.sigma_init > 0):
            raise ConfigError(f"config field sigma_init must be a finite number > 0, got "
                              f"{self.sigma_init}")
        from synthax.agents import AGENTS
        from synthax.envs.registry import SYNTHETIC_PREFIXES, real_env_id

        from .inner_loop import COMBINATIONS, SCHEDULES
        from .learner import distribution_strategies

        if self.env_id.startswith(SYNTHETIC_PREFIXES):
            raise ConfigError(
                f"config field env_id: {self.env_id!r} is a synthetic environment; meta-learning "
                f"learns a synthetic stand-in for a real one, e.g. {real_env_id(self.env_id)!r}"
            )
        if not self.agents:
            raise ConfigError(f"config field agents must be a non-empty list of names, got "
                              f"{self.agents!r}")
        if len(set(self.agents)) != len(self.agents):
            raise ConfigError(f"config field agents must not repeat a name, got {self.agents}")
        for name in [*self.agents, *self.agent_kwargs]:
            if name not in AGENTS:
                raise ConfigError(f"config field agents: unknown agent {name!r}; allowed: "
                                  f"{sorted(AGENTS)}")
        if self.search_spaces is not None:
            from synthax.agents.hyperparameters import frozen_space

            extra = set(self.search_spaces) - set(self.agents)
            if extra:
                raise ConfigError(f"config field search_spaces has {sorted(extra)}, which are "
                                  f"not in agents {self.agents}")
            for name, space in self.search_spaces.items():
                try:
                    frozen_space(space)
                except ValueError as error:
                    raise ConfigError(f"config field search_spaces[{name!r}]: {error}") from None
        extra = set(self.agent_kwargs) - set(self.agents)
        if extra:
            raise ConfigError(f"config field agent_kwargs has {sorted(extra)}, which are not "
                              f"in agents {self.agents}")
        from synthax.agents.optimizers import OPTIMIZERS

        if not self.optimizers or len(set(self.optimizers)) != len(self.optimizers):
            raise ConfigError(f"config field optimizers must be a non-empty list of distinct "
                              f"names, got {self.optimizers!r}")
        for name in self.optimizers:
            if name not in OPTIMIZERS:
                raise ConfigError(f"config field optimizers: unknown optimizer {name!r}; "
                                  f"allowed: {list(OPTIMIZERS)}")
        fixed = sorted(a for a, kwargs in self.agent_kwargs.items() if "optimizer" in kwargs)
        if fixed and self.optimizers != ["adam"]:
            raise ConfigError(f"config field agent_kwargs sets optimizer for {fixed} while "
                              f"optimizers is {self.optimizers}; set one of the two")
        if self.environment not in ENVIRONMENTS:
            raise ConfigError(f"config field environment: unknown kind {self.environment!r}; "
                              f"allowed: {list(ENVIRONMENTS)}")
        if self.environment == "reward_network" and "variant" not in self.environment_kwargs:
            raise ConfigError("config field environment_kwargs needs a variant for a "
                              "reward_network (synthax.envs.reward_network.VARIANTS)")
        if (self.objective in ("optimal_policy_return", *TRUE_CRITIC_OBJECTIVES)
                and self.environment != "bandit"):
            raise ConfigError(f"config field objective: {self.objective!r} scores a "
                              f"bandit; environment is {self.environment!r}")
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"config field objective: unknown objective {self.objective!r}; "
                              f"allowed: {list(OBJECTIVES)}")
        try:
            self.build_objective()
        except (TypeError, ValueError) as error:
            raise ConfigError(f"config field objective_kwargs: {error}") from None
        optimizer = self.strategy_kwargs.get("optimizer")
        if optimizer is not None and not (isinstance(optimizer, dict) and
                                          isinstance(optimizer.get("name"), str)):
            raise ConfigError("config field strategy_kwargs.optimizer is {name: <optax "
                              f"optimiser>, <its arguments>}}, got {optimizer!r}")
        shaping = self.strategy_kwargs.get("fitness_shaping")
        if shaping not in (None, "centered_ranks_with_ties"):
            raise ConfigError(f"config field strategy_kwargs.fitness_shaping: {shaping!r}; "
                              "allowed: centered_ranks_with_ties")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"config field schedule: unknown schedule {self.schedule!r}; "
                              f"allowed: {list(SCHEDULES)}")
        if self.fitness_combination not in COMBINATIONS:
            raise ConfigError(f"config field fitness_combination: unknown combination "
                              f"{self.fitness_combination!r}; allowed: {list(COMBINATIONS)}")
        if self.strategy not in distribution_strategies():
            raise ConfigError(f"config field strategy: unknown strategy {self.strategy!r}; "
                              f"allowed: {distribution_strategies()}")
        if self.eval_horizon is not None:
            allowed = {"init_value", "end_value", "transition_begin", "transition_steps"}
            unknown = set(self.eval_horizon) - allowed
            if unknown or not {"init_value", "end_value"} <= set(self.eval_horizon):
                raise ConfigError(
                    f"config field eval_horizon needs init_value and end_value and may have "
                    f"transition_begin and transition_steps; got {sorted(self.eval_horizon)}"
                )
            try:
                self.horizon_schedule()  # validates the values
            except ValueError as error:
                raise ConfigError(f"config field eval_horizon: {error}") from None

    def build_objective(self):
        """The objective module `objective` and `objective_kwargs` describe."""
        from .fitness import (
            AreaUnderCurve,
            FinalReturn,
            OptimalPolicyReturn,
            StepsToSolve,
            TrueCriticReturn,
            WeightedSum,
        )

        if self.objective == "final_and_true_critic_return":
            kwargs = dict(self.objective_kwargs)
            weight = kwargs.pop("true_critic_weight", 0.5)
            if not (isinstance(weight, (int, float)) and not isinstance(weight, bool)
                    and 0 <= weight <= 1):
                raise ValueError(f"true_critic_weight must be a number in [0, 1], got "
                                 f"{weight!r}")
            return WeightedSum((FinalReturn(), TrueCriticReturn(**kwargs)),
                               (1.0 - weight, float(weight)))
        cls = {"final_return": FinalReturn, "area_under_curve": AreaUnderCurve,
               "steps_to_solve": StepsToSolve, "optimal_policy_return": OptimalPolicyReturn,
               "true_critic_return": TrueCriticReturn}[self.objective]
        return cls(**self.objective_kwargs)

    def build_strategy_kwargs(self) -> dict[str, Any]:
        """`strategy_kwargs` with the optimiser and fitness shaping built."""
        import optax

        from .shaping import centered_ranks_with_ties

        kwargs = dict(self.strategy_kwargs)
        if "optimizer" in kwargs:
            spec = dict(kwargs.pop("optimizer"))
            name = spec.pop("name")
            if not callable(getattr(optax, name, None)):
                raise ConfigError(f"config field strategy_kwargs.optimizer: optax has no "
                                  f"optimiser {name!r}")
            kwargs["optimizer"] = getattr(optax, name)(**spec)
        if kwargs.pop("fitness_shaping", None) == "centered_ranks_with_ties":
            kwargs["fitness_shaping_fn"] = centered_ranks_with_ties
        return kwargs

    def horizon_schedule(self):
        """The [`HorizonSchedule`][synthax.meta.HorizonSchedule] of `eval_horizon`, or `None`."""
        from .curriculum import HorizonSchedule

        if self.eval_horizon is None:
            return None
        return HorizonSchedule(**{k: int(v) for k, v in self.eval_horizon.items()})

    def resolved(self) -> "MetaLearnConfig":
        """This config with what it leaves to synthax's defaults written out: with
        `random_hyperparameters`, each algorithm's inner-loop sizes
        (`synthax.agents.INNER_LOOP`, under its `agent_kwargs`) and search space
        (`synthax.agents.SEARCH_SPACES`, unless `search_spaces` gives one). Runs record this
        form in `config.json`; resolving twice changes nothing."""
        if not self.random_hyperparameters:
            return self
        from synthax.agents import INNER_LOOP, SEARCH_SPACES
        from synthax.agents.hyperparameters import space_as_json

        given = self.search_spaces or {}
        kwargs = {name: {**INNER_LOOP.get(name, {}), **self.agent_kwargs.get(name, {})}
                  for name in self.agents}
        spaces = {name: space_as_json(given[name] if name in given else SEARCH_SPACES[name])
                  for name in self.agents if name in given or name in SEARCH_SPACES}
        return self.replace(agent_kwargs={k: v for k, v in kwargs.items() if v},
                            search_spaces=spaces)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetaLearnConfig":
        """Build from a dict, rejecting unknown keys with the list of allowed ones.

        A config written by synthax 0.1 (`"agent": name` with flat `agent_kwargs`) is read as
        `agents=[name]` with `agent_kwargs={name: ...}`.

        **Raises:** `ConfigError` for unknown keys or bad values (see the class).
        """
        if not isinstance(data, dict):
            raise ConfigError(f"a config is a mapping of field names to values, got "
                              f"{type(data).__name__}")
        data = dict(data)
        if "agent" in data and "agents" not in data:
            name = data.pop("agent")
            if not isinstance(name, str):
                raise ConfigError(f"config field agent must be an agent name, got {name!r}")
            kwargs = data.pop("agent_kwargs", {}) or {}
            data["agents"] = [name]
            data["agent_kwargs"] = {name: kwargs} if kwargs else {}
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            raise ConfigError(f"unknown config keys {sorted(map(str, unknown))}; allowed: "
                              f"{sorted(allowed)}")
        return cls(**_check_types(data))

    @classmethod
    def from_file(cls, path: "str | Path") -> "MetaLearnConfig":
        """Read a config from a YAML (`.yaml`, `.yml`) or JSON file (see `experiments/configs/`).

        **Raises:** `ConfigError` (a `ValueError`) for another suffix, a file that cannot be read
        or parsed, one that is not a mapping, or bad keys or values (see `from_dict`); the
        message names the file.
        """
        path = Path(path)
        data = read_data_file(path, "config")
        if not isinstance(data, dict):
            raise ConfigError(f"{path} does not hold a mapping of config keys")
        try:
            return cls.from_dict(data)
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None

    def replace(self, **changes) -> "MetaLearnConfig":
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, MetaLearnConfig] = {
    # Sized for a 2-core CPU: a few minutes end to end.
    "cpu": MetaLearnConfig(),
}
