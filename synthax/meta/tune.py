"""Tuning a meta-learning config's own settings: the third level of learning_environments.

learning_environments (Ferreira et al. 2022, arXiv:2202.02790) nests three levels of learning:
an RL agent learns on the synthetic environment (the inner loop,
[`InnerLoop`][synthax.meta.InnerLoop]), an evolution strategy learns the synthetic environment
(the outer loop, [`MetaLearner`][synthax.meta.MetaLearner] and `synthax.meta.run`), and BOHB
(Falkner et al. 2018, arXiv:1807.01774) tunes the evolution strategy's settings over many such
runs. Here the third level is Optuna's: its TPE sampler (Bergstra et al. 2011, "Algorithms for
Hyper-Parameter Optimization") proposes the settings and a Hyperband pruner (Li et al. 2018,
arXiv:1603.06560) stops runs whose `mean_return` falls behind others at the same generation;
BOHB is the same pairing of a density-model sampler with Hyperband's budgets.

Each trial is an ordinary run folder `out_dir/trial-<number>/` written by
`synthax.meta.run.run_metalearning` for the base config with the trial's sampled values; the
study (trials, values, which run folder each trial wrote) lives in a database that any number
of workers share. Optuna is imported when a function here runs, and
nothing here changes Optuna's logging.
"""

import copy
import dataclasses
import json
import math
import time
import types
import typing
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from synthax.checkpoints.io import atomic_write_text

from .config import ConfigError, MetaLearnConfig, read_data_file

TRIAL_FOLDER = "trial-{number}"
"""The name of a trial's run folder in `out_dir`; trial numbers are unique within a study."""
STUDY_FILE = "study.json"
"""The file in `out_dir` that names the study its trial folders belong to."""
_STUDY_ATTR = "synthax_tune"  # the study's user attribute recording what its trials ran
_NOT_TUNABLE = {"generations": "it is the pruner's resource: every trial runs the base config's "
                               "generations, Hyperband's max_resource"}
_RANGE_KEYS = {"low", "high", "log", "step"}
_CATEGORICAL = (type(None), bool, int, float, str)  # the values Optuna's categoricals hold


class StudyError(ValueError):
    """A study cannot take this worker's trials: it minimises, or its trials ran another base
    config, space, target or pruner setting (they would not be comparable)."""


def _fields() -> dict[str, Any]:
    return {f.name: f.type for f in dataclasses.fields(MetaLearnConfig)}


def _is_mapping_type(tp: Any) -> bool:
    """Whether a field's type is a dict (or a dict or None)."""
    if typing.get_origin(tp) is dict:
        return True
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return any(typing.get_origin(a) is dict for a in typing.get_args(tp))
    return False


def _mapping_fields() -> list[str]:
    return sorted(name for name, tp in _fields().items() if _is_mapping_type(tp))


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_param(path: Any, spec: Any) -> None:
    """Raise `ConfigError` unless `path` names a tunable config field (or a key inside a mapping
    field) and `spec` is a range or a list of choices for it."""
    fields = _fields()
    head = path.split(".")[0] if isinstance(path, str) else None
    tunable = sorted(set(fields) - set(_NOT_TUNABLE))
    if head in _NOT_TUNABLE:
        raise ConfigError(f"tune space: {path!r} cannot be tuned ({_NOT_TUNABLE[head]}); "
                          f"allowed: {tunable}")
    if head not in fields or not all(path.split(".")):
        raise ConfigError(
            f"tune space: unknown field {path!r}; allowed: the MetaLearnConfig fields {tunable}, "
            f"or a dotted path into one of {_mapping_fields()} (e.g. "
            "strategy_kwargs.optimizer.learning_rate)"
        )
    if "." in path and not _is_mapping_type(fields[head]):
        raise ConfigError(f"tune space: {path!r} is a dotted path, but {head} is "
                          f"{_type_name(fields[head])}, not a mapping; "
                          f"dotted paths go into {_mapping_fields()}")
    if not isinstance(spec, Mapping):
        raise ConfigError(f"tune space {path}: {spec!r} is not allowed; a parameter is "
                          "{low: ..., high: ...} (with log: true or step: ... if wanted) or "
                          "{choices: [...]}")
    keys = set(spec)
    if "choices" in keys:
        choices = spec["choices"]
        if keys != {"choices"}:
            raise ConfigError(f"tune space {path}: choices exclude {sorted(keys - {'choices'})}; "
                              "give {choices: [...]} or {low: ..., high: ...}")
        if not isinstance(choices, list | tuple) or not choices:
            raise ConfigError(f"tune space {path}: choices must be a non-empty list, got "
                              f"{choices!r}")
        for choice in choices:
            if not isinstance(choice, _CATEGORICAL):
                raise ConfigError(f"tune space {path}: choice {choice!r} is not allowed; choices "
                                  "are null, booleans, numbers or strings (Optuna's categorical "
                                  "values)")
        return
    if not {"low", "high"} <= keys or not keys <= _RANGE_KEYS:
        raise ConfigError(f"tune space {path}: keys {sorted(keys)} are not allowed; a parameter "
                          "is {low, high} with optional log or step, or {choices}")
    low, high, log, step = spec["low"], spec["high"], spec.get("log", False), spec.get("step")
    if not (_is_number(low) and _is_number(high) and math.isfinite(low)
            and math.isfinite(high) and low <= high):
        raise ConfigError(f"tune space {path}: low {low!r} and high {high!r} must be finite "
                          "numbers with low <= high")
    if not isinstance(log, bool):
        raise ConfigError(f"tune space {path}: log must be true or false, got {log!r}")
    if log and low <= 0:
        raise ConfigError(f"tune space {path}: a log range needs low > 0, got {low!r}")
    if step is not None and (log or not _is_number(step) or not step > 0):
        raise ConfigError(f"tune space {path}: step must be a number > 0 and excludes log, got "
                          f"{step!r}")
    kind = _range_kind(path, spec)
    if kind is None:
        raise ConfigError(f"tune space {path}: a range (low, high) needs a number field, and "
                          f"{path} is {_type_name(_fields()[path])}; give {{choices: [...]}}")
    if kind is int and not all(isinstance(v, int) for v in (low, high, step or 1)):
        raise ConfigError(f"tune space {path}: {path} is an int, so low, high and step must be "
                          f"ints; got low {low!r}, high {high!r}, step {step!r}")


def _range_kind(path: str, spec: Mapping[str, Any]) -> type | None:
    """`int` or `float`: a field's own type, else (inside a mapping) `int` when low, high and
    step are ints; `None` for a field that is not a number."""
    tp = _fields().get(path)
    if "." not in path:
        return tp if tp in (int, float) else None
    bounds = (spec["low"], spec["high"], spec.get("step") or 1)
    return int if all(isinstance(v, int) for v in bounds) else float


@dataclasses.dataclass(frozen=True)
class TuneSpace:
    """What `tune` samples: `MetaLearnConfig` fields mapped to Optuna distributions, as data
    (e.g. a YAML or JSON file).

    ```yaml
    sigma_init: {low: 0.01, high: 1.0, log: true}
    population_size: {choices: [16, 32, 64]}
    strategy: {choices: [SNES, Open_ES, CMA_ES]}
    strategy_kwargs.optimizer.learning_rate: {low: 0.001, high: 0.3, log: true}
    eval_horizon.init_value: {choices: [50, 100, 200]}
    ```

    **Fields:** `params`, the parameter of each path: `{low, high}` (with `log: true` or a
    `step` if wanted) samples a number, an int for an int field such as `population_size` (and,
    inside a mapping, when `low`, `high` and `step` are ints), else a float; `{choices: [...]}`
    samples one of the values (null, booleans, numbers or strings). A path is a
    [`MetaLearnConfig`][synthax.meta.MetaLearnConfig] field name (every field but
    `generations`, which is the pruner's resource), or a dotted path into a mapping field
    (`strategy_kwargs`, `objective_kwargs`, `eval_horizon`, `agent_kwargs.ppo.learning_rate`,
    ...): the key is set in a copy of the base config's mapping, created if missing. A
    trial's Optuna parameters are named by these paths.

    **Raises:** `ConfigError` (a `ValueError`) naming the path and what is allowed, for an
    unknown field, a dotted path into a field that is not a mapping, a path inside another
    path, or a parameter that is neither a range nor a list of choices.
    """

    params: dict[str, dict[str, Any]]

    def __post_init__(self):
        if not isinstance(self.params, Mapping) or not self.params:
            raise ConfigError(f"a tune space is a non-empty mapping of MetaLearnConfig fields to "
                              f"parameters, got {self.params!r}")
        for path, spec in self.params.items():
            _check_param(path, spec)
        paths = sorted(self.params)
        for outer in paths:
            inner = [p for p in paths if p.startswith(outer + ".")]
            if inner:
                raise ConfigError(f"tune space: {inner[0]!r} is inside {outer!r}; tune one of "
                                  "them")
        object.__setattr__(self, "params", {
            path: {k: list(v) if k == "choices" else v for k, v in spec.items()}
            for path, spec in self.params.items()
        })

    @classmethod
    def from_dict(cls, data: Any) -> "TuneSpace":
        """The space a mapping of paths to parameters describes (see the class).

        **Raises:** `ConfigError` as the class does.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"a tune space is a mapping of MetaLearnConfig fields to "
                              f"parameters, got {type(data).__name__}")
        return cls(dict(data))

    @classmethod
    def from_file(cls, path: "str | Path") -> "TuneSpace":
        """Read a space from a YAML (`.yaml`, `.yml`) or JSON file.

        **Raises:** `ConfigError` for another suffix, a file that cannot be read or parsed, or a
        space the class refuses; the message names the file.
        """
        path = Path(path)
        data = read_data_file(path, "tune space")
        try:
            return cls.from_dict(data)
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """The parameters as JSON-serialisable data (what `from_dict` reads)."""
        return copy.deepcopy(self.params)

    def distributions(self) -> dict[str, Any]:
        """The Optuna distribution of each path (`FloatDistribution`, `IntDistribution` or
        `CategoricalDistribution`), named as the trial's parameters are."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        out = {}
        for path, spec in self.params.items():
            if "choices" in spec:
                out[path] = CategoricalDistribution(spec["choices"])
                continue
            kind = _range_kind(path, spec)
            low, high, log, step = spec["low"], spec["high"], spec.get("log", False), \
                spec.get("step")
            if kind is int:
                out[path] = IntDistribution(low, high, log=log, step=step or 1)
            else:
                out[path] = FloatDistribution(float(low), float(high), log=log,
                                              step=None if step is None else float(step))
        return out

    def sample(self, trial: Any) -> dict[str, Any]:
        """A value for each path, suggested by the Optuna `trial` (`trial.suggest_float`,
        `suggest_int`, `suggest_categorical`)."""
        from optuna.distributions import CategoricalDistribution, IntDistribution

        values = {}
        for path, dist in self.distributions().items():
            if isinstance(dist, CategoricalDistribution):
                values[path] = trial.suggest_categorical(path, list(dist.choices))
            elif isinstance(dist, IntDistribution):
                values[path] = trial.suggest_int(path, dist.low, dist.high, step=dist.step,
                                                 log=dist.log)
            else:
                values[path] = trial.suggest_float(path, dist.low, dist.high, step=dist.step,
                                                   log=dist.log)
        return values

    def apply(self, config: MetaLearnConfig, values: Mapping[str, Any]) -> MetaLearnConfig:
        """`config` with each path set to its value (`config.replace`, so the result is checked
        as every config is).

        **Raises:** `ConfigError` naming the path, when a key on a dotted path holds something
        that is not a mapping, or when the config refuses a value.
        """
        changes: dict[str, Any] = {}
        for path, value in values.items():
            head, *rest = path.split(".")
            if not rest:
                changes[head] = value
                continue
            if head not in changes:
                changes[head] = copy.deepcopy(getattr(config, head)) or {}
            node = changes[head]
            for depth, key in enumerate(rest[:-1], start=1):
                if node.get(key) is None:
                    node[key] = {}
                elif not isinstance(node[key], dict):
                    where = ".".join([head, *rest[:depth]])
                    raise ConfigError(f"tune space {path}: {where} is {node[key]!r} in the base "
                                      "config, not a mapping")
                node = node[key]
            node[rest[-1]] = value
        try:
            return config.replace(**changes)
        except ConfigError as error:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            raise ConfigError(f"tune space ({shown}): {error}") from None

    def check(self, config: MetaLearnConfig) -> None:
        """Check that each bound and each choice, set alone in `config`, gives a valid config
        (combinations are checked when a trial samples them: a refused one fails that trial).

        **Raises:** `ConfigError` naming the path and the value.
        """
        for path, spec in self.params.items():
            for value in spec.get("choices") or (spec["low"], spec["high"]):
                self.apply(config, {path: value})


DEFAULT_SPACE = TuneSpace({
    "sigma_init": {"low": 0.01, "high": 1.0, "log": True},
    "population_size": {"choices": [16, 32, 64]},
    "strategy": {"choices": ["SNES", "Open_ES"]},
})
"""`tune`'s default space, its ranges sized for classic control: `sigma_init` (the noise standard
deviation learning_environments' BOHB tuned for its NES) from 0.01 to 1 on a log scale,
`population_size` 16, 32 or 64, and the strategy, SNES or Open_ES (antithetic sampling, like
learning_environments' mirrored NES)."""


def open_storage(url: str, *, heartbeat_interval: int = 60, grace_period: int | None = None,
                 max_retry: int | None = 3) -> Any:
    """An Optuna `RDBStorage` for the database at `url`, with heartbeats: each running trial
    records one every `heartbeat_interval` seconds, and a trial without one for `grace_period`
    seconds (default twice the interval) is a dead worker's: the next trial any worker starts
    marks it failed and queues a retry (`RetryHeartbeatStaleTrialCallback`, at most
    `max_retry` times per trial; `None` retries without limit). SQLite files get a 60 s lock
    timeout, and a missing folder for one is made.

    **Arguments:** `url`, any database URL Optuna (SQLAlchemy) accepts:
    `sqlite:///study.db`, `postgresql://user:password@host/db` (with its driver installed),
    `mysql+pymysql://...`; `heartbeat_interval`, `grace_period`, `max_retry` as above.

    **Returns:** the storage, its tables created if the database is new.

    **Raises:** `ValueError` naming the URL (its password hidden) when it is not a database URL,
    its driver is not installed, or the database cannot be opened; or when an interval or
    count is below 1.
    """
    import optuna
    import sqlalchemy
    from optuna.exceptions import ExperimentalWarning

    for name, value in (("heartbeat_interval", heartbeat_interval),
                        ("grace_period", grace_period), ("max_retry", max_retry)):
        if value is not None and (type(value) is not int or value < 1):
            raise ValueError(f"{name} must be an int >= 1 (seconds, or retries), got {value!r}")
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except (sqlalchemy.exc.ArgumentError, TypeError):
        raise ValueError(f"storage {url!r} is not a database URL; e.g. sqlite:///study.db or "
                         "postgresql://user:password@host/db") from None
    shown = parsed.render_as_string(hide_password=True)
    engine_kwargs = {}
    if parsed.get_backend_name() == "sqlite":
        engine_kwargs = {"connect_args": {"timeout": 60}}  # seconds a writer waits for the lock
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ValueError(f"storage {shown}: cannot make its folder "
                                 f"({error.strerror})") from None
    with warnings.catch_warnings():  # heartbeats are an experimental Optuna feature
        warnings.simplefilter("ignore", ExperimentalWarning)
        callback = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry)
        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_interval,
                    grace_period=grace_period, heartbeat_stale_trial_callback=callback,
                )
            except ImportError as error:
                raise ValueError(f"storage {shown}: its database driver is not installed "
                                 f"({error})") from None
            except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError) as error:
                # Workers starting together race to create the tables; the loser retries.
                if attempt == 4:
                    line = " ".join(str(error.orig if error.orig else error).split())
                    raise ValueError(f"storage {shown}: cannot open the database ({line})"
                                     ) from None
                time.sleep(0.2 * 2**attempt)
            except sqlalchemy.exc.ArgumentError as error:
                raise ValueError(f"storage {shown}: {error}") from None
    raise AssertionError("unreachable")


def _claim_out_dir(out: Path, study_name: str) -> None:
    """Record in `out` which study its trial folders belong to; refuse a folder that holds
    another study's (trial numbers start at 0 in each study, so their folders would
    collide)."""
    from .run import RunFolderError

    path = out / STUDY_FILE
    if path.exists():
        try:
            recorded = json.loads(path.read_text(encoding="utf-8")).get("study_name")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            recorded = None
        if recorded == study_name:
            return
        if any(p.is_dir() for p in out.glob(TRIAL_FOLDER.format(number="*"))):
            raise RunFolderError(
                f"{out} holds the trial folders of study {recorded!r} ({path}), not of "
                f"{study_name!r}; trial numbers start at 0 in each study, so pass another "
                "out_dir (--out) for this study"
            )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps({"study_name": study_name}) + "\n")


def _check_study(study: Any, record: dict[str, Any]) -> None:
    """Record what the study's trials run (base config, space, target, resource), or check
    that a loaded study ran the same: trials of other settings are not comparable."""
    import optuna

    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise StudyError(f"study {study.study_name!r} minimises; synthax tune maximises, so "
                         "pass another study name")
    saved = study.user_attrs.get(_STUDY_ATTR)
    if saved is None:
        study.set_user_attr(_STUDY_ATTR, record)
        return
    changed = sorted(k for k in record if saved.get(k) != record[k])
    if changed:
        detail = changed
        if "base_config" in changed:
            base = record["base_config"]
            detail = [k for k in changed if k != "base_config"] + sorted(
                f"base_config.{k}" for k in base if saved["base_config"].get(k) != base[k])
        raise StudyError(f"study {study.study_name!r} was run with other settings (in "
                         f"{detail}); its trials would not be comparable: pass the same config, "
                         "space and target, or another study name")


class _TrialLog:
    """The `on_generation` callback of one trial: reports each generation's `mean_return`,
    prunes, and follows the generations to the target."""

    def __init__(self, trial: Any, generations: int, target: float | None,
                 on_generation: Callable[[int, dict[str, Any]], None] | None):
        self.trial, self.generations, self.target = trial, generations, target
        self.on_generation = on_generation
        self.last: float | None = None
        self.generation = 0
        self.reached: int | None = None

    def __call__(self, record: dict[str, Any], replayed: bool = False) -> None:
        import optuna

        generation, value = int(record["generation"]), float(record["mean_return"])
        self.generation, self.last = generation, value
        if self.target is not None and self.reached is None and value >= self.target:
            self.reached = generation
        self.trial.report(value, generation)
        if self.on_generation is not None and not replayed:
            self.on_generation(self.trial.number, record)
        # Pruning at the last generation would save nothing: that trial completes.
        if generation < self.generations and self.trial.should_prune():
            raise optuna.TrialPruned(f"mean_return {value:.4g} at generation {generation}")

    def replay(self, folder: Path, up_to: int) -> None:
        """Report the generations a resumed run does not recompute (its log up to the
        checkpoint), as the original trial did."""
        from .run import LOG_FILE, _read_log

        # The log as the resume keeps it: a line torn by the kill is dropped (and recomputed).
        for line in _read_log(folder / LOG_FILE, up_to):
            self(json.loads(line), replayed=True)

    def value(self) -> float:
        if self.target is None:
            return self.last if self.last is not None else math.nan
        return -float(self.reached if self.reached is not None else self.generations + 1)


def tune(
    base_config: MetaLearnConfig,
    space: TuneSpace | None = None,
    study_name: str = "synthax",
    storage: str = "sqlite:///study.db",
    n_trials: int = 10,
    out_dir: "str | Path" = "tuning",
    target: float | None = None,
    *,
    seed: int | None = None,
    min_resource: int | None = None,
    reduction_factor: int = 3,
    heartbeat_interval: int = 60,
    grace_period: int | None = None,
    max_retry: int | None = 3,
    on_generation: Callable[[int, dict[str, Any]], None] | None = None,
    on_trial: Callable[[Any, Any], None] | None = None,
) -> Any:
    """Tune `base_config`'s settings in `space`: run `n_trials` meta-learning runs, each with
    the values Optuna's TPE sampler proposes, stopping those a Hyperband pruner finds behind.

    learning_environments tuned its NES with BOHB (Falkner et al. 2018); this is the same third
    level with Optuna's `TPESampler` (Bergstra et al. 2011) and `HyperbandPruner` (Li et al.
    2018). The study is created in `storage`, or loaded if it exists, so several workers (on
    several machines) that call this with the same `storage` and `study_name` share it: Optuna
    gives each trial a number unique in the study, and trial `n` writes the run folder
    `out_dir/trial-<n>/` (`out_dir` on a file system they share). Each worker runs `n_trials`
    trials.

    Each trial's config is `base_config.replace(**sampled)` (see `TuneSpace.apply`), run by
    `synthax.meta.run.run_metalearning`. Each generation's `mean_return` (the real return of
    agents trained on the search distribution's mean) is reported to Optuna at its generation,
    the pruner's resource; a pruned trial stops there, and its folder keeps the checkpoints
    written before (`synthax metalearn --resume --out FOLDER` continues it). A trial's value is
    its last `mean_return`: the run's product is the last mean (`env.eqx`), and the best over
    generations would reward the noisiest runs (the maximum of many noisy evaluations). With
    `target`, the value is minus the first generation whose `mean_return` reaches it
    (`-(generations + 1)` if none does); the run still goes to the end. Every trial records
    the user attributes `folder`, `wall_seconds` (its seconds in this worker), `generations`
    (reached) and, with `target`, `generations_to_target`.

    A worker that dies leaves its trial running in the database; heartbeats (see
    `open_storage`) mark it failed once `grace_period` has passed and queue a retry with the
    same values, which the next worker to start a trial takes: it resumes the original
    trial's folder from its newest checkpoint (`resume=True`; from the start if it has none),
    reporting the logged generations again, and records `retry_of`, the original trial's
    number, and `resumed_from_generation`.

    **Arguments:**

    - `base_config`: the [`MetaLearnConfig`][synthax.meta.MetaLearnConfig] every trial starts
      from; its `generations` is every trial's length and the pruner's `max_resource`.
    - `space`: a [`TuneSpace`][synthax.meta.tune.TuneSpace] (default `DEFAULT_SPACE`).
    - `study_name`, `storage`: the study and its database URL (see `open_storage`).
    - `n_trials`: trials this worker runs (started, retried, pruned and failed ones count).
    - `out_dir`: the folder of the trials' run folders (and `study.json`, which names the
      study they belong to).
    - `target`: a `mean_return` to reach as early as possible, or `None`.
    - `seed`: the TPE sampler's seed (`None`: Optuna draws one); give each worker its own.
      The runs themselves use `base_config.seed`, so trials differ in their settings only.
    - `min_resource`: the generations a trial runs before its first pruning decision
      (default a tenth of `generations`, at least 1; `base_config.generations` turns pruning
      off); `reduction_factor`: Hyperband's eta (a third of the trials at each rung goes on).
    - `heartbeat_interval`, `grace_period`, `max_retry`: see `open_storage`.
    - `on_generation`: called with the trial number and each generation's log record.
    - `on_trial`: called with the study and each finished trial (an Optuna `FrozenTrial`).

    **Returns:** the Optuna `Study` (`best_trial_summary` describes its best trial).

    **Raises:** `ConfigError` for a space that does not fit `base_config` (a bound or choice it
    refuses, see `TuneSpace.check`); `ValueError` for a bad count, `target` or storage (see
    `open_storage`); `StudyError` (a `ValueError`) for a study that minimises or was run with
    another base config, space, target, `min_resource` or `reduction_factor`;
    `synthax.meta.run.RunFolderError` when `out_dir` holds another study's trial folders or a
    new trial's folder is not empty. A trial whose sampled values the config refuses fails
    alone (Optuna logs why, and the trial's `error` attribute says it), as does one whose final
    evaluation is not finite (`FloatingPointError`, e.g. from too large a `sigma_init`).
    """
    import optuna
    from optuna.exceptions import ExperimentalWarning

    from .run import RunFolderError, latest_generation, run_metalearning, state_paths

    space = DEFAULT_SPACE if space is None else space
    if not isinstance(space, TuneSpace):
        raise TypeError(f"space must be a TuneSpace, got {type(space).__name__}")
    if type(n_trials) is not int or n_trials < 1:
        raise ValueError(f"n_trials must be an int >= 1, got {n_trials!r}")
    if target is not None and not (_is_number(target) and math.isfinite(target)):
        raise ValueError(f"target must be a finite number (a mean_return), got {target!r}")
    generations = base_config.generations
    if min_resource is None:
        min_resource = max(1, generations // 10)
    if type(min_resource) is not int or not 1 <= min_resource <= generations:
        raise ValueError(f"min_resource must be an int from 1 to generations ({generations}), "
                         f"got {min_resource!r}")
    if type(reduction_factor) is not int or reduction_factor < 2:
        raise ValueError(f"reduction_factor must be an int >= 2, got {reduction_factor!r}")
    space.check(base_config)
    out = Path(out_dir)
    rdb = open_storage(storage, heartbeat_interval=heartbeat_interval,
                       grace_period=grace_period, max_retry=max_retry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    pruner = optuna.pruners.HyperbandPruner(min_resource=min_resource, max_resource=generations,
                                            reduction_factor=reduction_factor)
    study = optuna.create_study(storage=rdb, study_name=study_name, sampler=sampler,
                                pruner=pruner, direction="maximize", load_if_exists=True)
    _check_study(study, {"base_config": base_config.resolved().to_dict(),
                         "space": space.to_dict(), "target": target,
                         "min_resource": min_resource, "reduction_factor": reduction_factor})
    _claim_out_dir(out, study_name)

    def objective(trial: Any) -> float:
        frozen = next(t for t in study.get_trials(deepcopy=False) if t.number == trial.number)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            original = optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(
                frozen)
        folder = out / TRIAL_FOLDER.format(number=trial.number if original is None else original)
        trial.set_user_attr("folder", str(folder))
        if original is not None:
            trial.set_user_attr("retry_of", original)
        elif folder.exists() and any(folder.iterdir()):
            raise RunFolderError(f"{folder} is not empty, but trial {trial.number} is new: "
                                 f"another study wrote into {out}; pass another out_dir (--out)")
        try:
            config = space.apply(base_config, space.sample(trial))
        except ConfigError as error:
            trial.set_user_attr("error", str(error))
            raise
        log = _TrialLog(trial, generations, target, on_generation)
        resume = original is not None and any(p.is_file() for p in state_paths(folder))
        t0 = time.perf_counter()
        try:
            if resume:
                start = latest_generation(folder)
                trial.set_user_attr("resumed_from_generation", start)
                log.replay(folder, start)
            run_metalearning(config, folder, resume=resume, on_generation=log,
                             force=original is not None and not resume)
        except (ConfigError, FloatingPointError) as error:  # a trial's own failure, e.g.
            trial.set_user_attr("error", str(error))  # strategy_kwargs its strategy refuses
            raise
        finally:
            trial.set_user_attr("wall_seconds", time.perf_counter() - t0)
            trial.set_user_attr("generations", log.generation)
            if target is not None:
                trial.set_user_attr("generations_to_target", log.reached)
        return log.value()

    study.optimize(objective, n_trials=n_trials, catch=(ConfigError, FloatingPointError),
                   callbacks=[on_trial] if on_trial is not None else None)
    return study


def best_trial_summary(study: Any) -> dict[str, Any]:
    """The best complete trial of an Optuna `study` that `tune` ran (or
    `optuna.load_study(study_name=..., storage=...)` of one).

    **Returns:** `{"study_name", "number", "value", "params", "folder", "wall_seconds",
    "generations_to_target", "trials"}`: the trial's number, value and sampled values (by
    path), its run folder and seconds, and the study's trial count by state (`COMPLETE`,
    `PRUNED`, `FAIL`, `RUNNING`, `WAITING`).

    **Raises:** `ValueError` when no trial of the study is complete.
    """
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    try:
        best = study.best_trial
    except ValueError:
        raise ValueError(f"study {study.study_name!r} has no complete trial yet (trials: "
                         f"{counts or 'none'})") from None
    return {
        "study_name": study.study_name,
        "number": best.number,
        "value": best.value,
        "params": dict(best.params),
        "folder": best.user_attrs.get("folder"),
        "wall_seconds": best.user_attrs.get("wall_seconds"),
        "generations_to_target": best.user_attrs.get("generations_to_target"),
        "trials": counts,
    }
