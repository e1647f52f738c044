"""A whole meta-learning run on disk: checkpoints, resume, a per-generation log and a summary.

Files written to the run folder (all atomically, none pickled):

- `config.json`: the [`MetaLearnConfig`][synthax.meta.MetaLearnConfig];
- `state.eqx`: the meta-learner's state (every `checkpoint_every` generations and at the end),
  with the previous `KEEP_CHECKPOINTS - 1` checkpoints kept as `state.1.eqx` (the one before),
  `state.2.eqx`, ...; a resume loads the newest one that is valid;
- `env.eqx`: the search distribution's mean as a synthetic environment, loadable with
  [`load_environment`][synthax.checkpoints.load_environment];
- `log.jsonl`: one JSON line per generation (`generation`, fitness statistics, `mean_return`,
  `seconds`);
- `summary.json`: wall and compile seconds and the final evaluation;
- `meta_training.png`: the meta-training curve (see
  [`plot_meta_training`][synthax.plotting.plot_meta_training]).

A run folder is only written to by synthax: a new run refuses a folder that holds other files
(or another run) unless asked to `force`, and a resume changes nothing on disk until its
config, checkpoint and log are known to be good.
"""

import contextlib
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np

from synthax._version import __version__
from synthax.agents import INNER_LOOP, make_agent
from synthax.checkpoints import (
    CheckpointError,
    load,
    load_environment,
    read_header,
    save,
    save_environment,
)
from synthax.checkpoints.io import atomic_write_text, leaf_signature
from synthax.distributed import barrier, is_writer, to_host
from synthax.envs import (
    AbstractEnvironment,
    RewardNetwork,
    SyntheticContextualBandit,
    SyntheticMDP,
    make,
)
from synthax.parallel import device_description, population_sharding
from synthax.plotting import plot_meta_training

from .config import TRUE_CRITIC_OBJECTIVES, ConfigError, MetaLearnConfig
from .inner_loop import InnerLoop
from .learner import MetaLearner, MetaState

STATE_FILE = "state.eqx"
ENV_FILE = "env.eqx"
LOG_FILE = "log.jsonl"
CONFIG_FILE = "config.json"
SUMMARY_FILE = "summary.json"
PLOT_FILE = "meta_training.png"
KEEP_CHECKPOINTS = 3
"""State checkpoints kept in a run folder: `state.eqx` and the older `state.1.eqx`, ..."""
RUN_FILES = (CONFIG_FILE, ENV_FILE, LOG_FILE, SUMMARY_FILE, PLOT_FILE)
"""The files synthax writes into a run folder, besides the state checkpoints."""


class RunFolderError(ValueError):
    """A folder cannot be used as a run folder (it holds files synthax did not write)."""


class ResumeError(RunFolderError):
    """A run folder cannot be resumed (or started anew) with the given configuration."""


def state_paths(out_dir: str | Path) -> list[Path]:
    """The state checkpoint paths of a run folder, newest name first: `state.eqx`,
    `state.1.eqx`, ... (`KEEP_CHECKPOINTS` of them, whether they exist or not)."""
    out = Path(out_dir)
    return [out / STATE_FILE, *(out / f"state.{i}.eqx" for i in range(1, KEEP_CHECKPOINTS))]


def _existing_states(out: Path) -> list[Path]:
    """Every state checkpoint file in `out` (also beyond `KEEP_CHECKPOINTS`, e.g. written
    by a synthax that kept more)."""
    extra = sorted(p for p in out.glob("state.*.eqx")
                   if p.name[len("state."):-len(".eqx")].isdigit())
    return [p for p in dict.fromkeys([*state_paths(out), *extra]) if p.is_file()]


def _is_run_file(name: str) -> bool:
    """Whether synthax writes files called `name` into a run folder (temporary files of its
    atomic writes included)."""
    if name.startswith(".") and name.endswith(".tmp"):
        name = name[1:].rsplit(".", 2)[0]
    stem = name[len("state."):-len(".eqx")] if name.startswith("state.") else ""
    return name in RUN_FILES or name == STATE_FILE or (name.endswith(".eqx") and stem.isdigit())


def build_inner_loop(config: MetaLearnConfig) -> InnerLoop:
    """The [`InnerLoop`][synthax.meta.InnerLoop] a config describes."""
    agents = []
    for optimizer in config.optimizers:
        for name in config.agents:
            base = dict(INNER_LOOP[name]) if config.random_hyperparameters else {}
            base.update(config.agent_kwargs.get(name, {}))
            if config.optimizers != ["adam"]:
                base["optimizer"] = optimizer
            agents.append(make_agent(name, **base))
    return InnerLoop(agents, config.random_hyperparameters, config.schedule,
                     objective=config.build_objective(), search_spaces=config.search_spaces,
                     combination=config.fitness_combination)


def build_learner(config: MetaLearnConfig, *, devices: Any = None) -> MetaLearner:
    """The [`MetaLearner`][synthax.meta.MetaLearner] a config describes, its population split
    over `devices` (default `jax.devices()`; see `synthax.parallel.population_sharding`).

    **Raises:** `ConfigError` when the config names an unknown environment, gives an agent
    keyword arguments it does not take or values it refuses, or sizes the strategy cannot use.
    """
    try:
        return _build_learner(config, devices)
    except KeyError as error:
        raise ConfigError(f"config field env_id: {error.args[0] if error.args else error}"
                          ) from None
    except (TypeError, ValueError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"config {config.env_id}: {error}") from None


def build_template(config: MetaLearnConfig, real_env: AbstractEnvironment):
    """The synthetic environment whose parameters a config's run searches: the initial mean, at
    the networks' default initialisation from the run's seed, or the environment in the
    config's `init_environment` checkpoint.

    **Raises:** `ConfigError` if `init_environment` cannot be loaded for the config's `env_id`
    or holds an environment of another kind or other sizes than the config builds.
    """
    template = _default_template(config, real_env)
    if config.init_environment is None:
        return template
    path = config.init_environment
    try:
        loaded = load_environment(path, config.env_id)
    except (CheckpointError, OSError) as error:
        raise ConfigError(f"config field init_environment: {error}") from None
    # The tree structure holds the class and static fields; the signature the leaves' shapes.
    if (jax.tree.structure(loaded) != jax.tree.structure(template)
            or leaf_signature(loaded) != leaf_signature(template)):
        raise ConfigError(
            f"config field init_environment: {path} holds a {type(loaded).__name__} that "
            f"differs from the {type(template).__name__} this config builds (environment "
            f"{config.environment!r}, hidden_size {config.hidden_size}, environment_kwargs, "
            f"scale_reward_input and scale_initial_state must match the checkpoint's run)")
    return loaded


def _default_template(config: MetaLearnConfig, real_env: AbstractEnvironment):
    key = jax.random.PRNGKey(config.seed + 1)
    kwargs = {"hidden_size": config.hidden_size, **config.environment_kwargs}
    if config.environment == "bandit":
        return SyntheticContextualBandit.for_environment(
            real_env, scale_reward_input=config.scale_reward_input,
            scale_initial_state=config.scale_initial_state, **kwargs, key=key)
    if config.environment == "mdp":
        return SyntheticMDP.for_environment(real_env, **kwargs, key=key)
    return RewardNetwork(real_env, key=key, **kwargs)


def _build_learner(config: MetaLearnConfig, devices: Any = None) -> MetaLearner:
    real_env = make(config.env_id, **config.env_kwargs)
    if config.objective in TRUE_CRITIC_OBJECTIVES and real_env.is_discrete:
        raise ConfigError(f"config field objective: {config.objective!r} needs Box actions; "
                          f"{config.env_id}'s are discrete (use optimal_policy_return)")
    return MetaLearner(
        real_env,
        build_inner_loop(config),
        build_template(config, real_env),
        strategy=config.strategy,
        population_size=config.population_size,
        sigma_init=config.sigma_init,
        strategy_kwargs=config.build_strategy_kwargs(),
        num_eval_episodes=config.num_eval_episodes,
        num_mean_eval_seeds=config.num_mean_eval_seeds,
        num_rollouts=config.num_rollouts,
        eval_horizon=config.horizon_schedule(),
        sharding=population_sharding(config.population_size, devices),
    )


def _stats(per_agent: np.ndarray, episodes: int) -> dict[str, Any]:
    return {
        "mean": float(np.mean(per_agent)),
        "std": float(np.std(per_agent)),
        "n": int(per_agent.size),
        "episodes_per_agent": episodes,
    }


def final_evaluation(
    learner: MetaLearner, env: eqx.Module, key, num_seeds: int, num_episodes: int
) -> tuple[dict[str, Any], float]:
    """Train `num_seeds` agents of each inner-loop algorithm on the learned `env` and, with the
    same seeds and hyperparameters, on the real environment.

    **Returns:** ``({algorithm: {"synthetic_<k>k": stats, "real_<k>k": stats}},
    compile_seconds)`` where the stats give the mean and standard deviation over agents of each
    agent's mean real return over `num_episodes` episodes.
    """
    loop, real = learner.inner_loop, learner.real_env
    results, compile_seconds = {}, 0.0
    for index, name in enumerate(loop.labels):

        def both(env, key, index=index):
            run = lambda train_env: loop.evaluate(  # noqa: E731
                index, train_env, real, key, num_seeds, num_episodes, sharding=learner.sharding
            )
            return run(env), run(real)

        t0 = time.perf_counter()
        compiled = eqx.filter_jit(both).lower(env, key).compile()
        compile_seconds += time.perf_counter() - t0
        synthetic, real_returns = to_host(compiled(env, key))
        steps = getattr(loop.agents[index], "total_timesteps", 0)
        tag = f"{steps // 1000}k" if steps % 1000 == 0 else str(steps)
        results[name] = {
            f"synthetic_{tag}": _stats(np.asarray(synthetic), num_episodes),
            f"real_{tag}": _stats(np.asarray(real_returns), num_episodes),
        }
    return results, compile_seconds


def _read_log(path: Path, up_to: int) -> list[str]:
    """The log lines of generations up to `up_to`. A last line that is not a whole record (what
    a kill during its write leaves) is dropped; a bad line before it is an error.

    **Raises:** `ResumeError` for a malformed line that is not the last.
    """
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ResumeError(f"{path} is not UTF-8 text; it is not a synthax log") from None
    lines = [ln for ln in text.split("\n") if ln.strip()]
    kept = []
    for number, line in enumerate(lines, start=1):
        try:
            generation = json.loads(line)["generation"]
            if type(generation) is not int:
                raise TypeError(generation)
        except (json.JSONDecodeError, KeyError, TypeError):
            if number == len(lines):
                break  # torn by a kill during its write; recomputed after the checkpoint
            raise ResumeError(f"{path}: line {number} is not a log record "
                              f"({line[:60]!r}); it is not a synthax log") from None
        if generation <= up_to:
            kept.append(line)
    return kept


def _newest_valid_state(learner: MetaLearner, out: Path, seed: int
                        ) -> tuple[MetaState, dict[str, Any], Path]:
    """The newest state checkpoint in `out` that loads, its header and its path; warns about
    each newer one that does not.

    **Raises:** `FileNotFoundError` if there is none; `CheckpointError` listing each file and
    why when none is valid.
    """
    paths = _existing_states(out)
    if not paths:
        raise FileNotFoundError(f"{out} has no checkpoint ({STATE_FILE})")
    errors: dict[Path, str] = {}
    dated = []
    for path in paths:
        try:
            header = read_header(path)
            generation = header.get("generation")
            if header.get("kind") != "meta_state" or type(generation) is not int:
                raise CheckpointError(f"{path} is not a meta-learner state checkpoint")
            dated.append((generation, path))
        except (CheckpointError, OSError) as error:
            errors[path] = str(error)
    skeleton = eqx.filter_eval_shape(learner.init, jax.random.PRNGKey(seed))
    for _, path in sorted(dated, key=lambda gp: -gp[0]):
        try:
            state, header = load(path, skeleton, {"kind": "meta_state"})
        except (CheckpointError, OSError) as error:
            errors[path] = str(error)
            continue
        if errors:
            warnings.warn(f"resuming from {path.name} (generation {header['generation']}); "
                          f"skipped: {'; '.join(errors.values())}", stacklevel=3)
        return learner.place(state), header, path
    raise CheckpointError(f"no valid checkpoint in {out}: {'; '.join(errors.values())}")


def load_meta_state(learner: MetaLearner, out_dir: str | Path,
                    seed: int) -> tuple[MetaState, dict[str, Any]]:
    """The meta-learner state checkpointed in `out_dir` and its header, placed on the devices
    as `learner.step` expects (`learner.place`). `seed` is the run's seed (it shapes the
    skeleton the leaves are read into). The newest valid checkpoint is used: if `state.eqx`
    is missing or corrupt, the older `state.1.eqx`, ... (with a warning).

    **Raises:** `FileNotFoundError` if there is no checkpoint; `CheckpointError` if none
    matches the learner's state (the message names each file and why).
    """
    state, header, _ = _newest_valid_state(learner, Path(out_dir), seed)
    return state, header


def _resume_point(learner: MetaLearner, out: Path, seed: int
                  ) -> tuple[MetaState, float, list[str]]:
    """Where a run in `out` continues: `(state, wall_seconds_so_far, log_lines_to_keep)`; a
    fresh state when the folder has no checkpoint. Reads only."""
    if _existing_states(out):
        state, header, _ = _newest_valid_state(learner, out, seed)
        elapsed = float(header.get("wall_seconds", 0.0))
    else:
        state, elapsed = learner.init(jax.random.PRNGKey(seed)), 0.0
    return state, elapsed, _read_log(out / LOG_FILE, int(state.generation))


def _rotate(out: Path) -> None:
    """Shift the state checkpoints one name older (`state.eqx` -> `state.1.eqx`, ...), dropping
    the oldest; each rename is atomic, and a kill between them leaves every file loadable."""
    paths = state_paths(out)
    for newer, older in reversed(list(zip(paths, paths[1:]))):
        if newer.exists():
            os.replace(newer, older)


def _append_line(log, line: str) -> None:
    log.write(line + "\n")
    log.flush()


def _remove_temporaries(out: Path) -> None:
    """Remove what an interrupted atomic write of synthax's left (`.state.eqx.*.tmp`, ...)."""
    for path in out.glob(".*.tmp"):
        if _is_run_file(path.name) and path.is_file():
            path.unlink()


def evolve(
    learner: MetaLearner,
    out_dir: str | Path,
    generations: int,
    seed: int,
    checkpoint_every: int,
    metadata: dict[str, Any] | None = None,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
    on_checkpoint: Callable[[MetaState], None] | None = None,
    *,
    _start: tuple[MetaState, float, list[str]] | None = None,
) -> tuple[MetaState, float, float]:
    """Run `learner` up to `generations`, checkpointing and logging into `out_dir`.

    The folder gets `state.eqx` (every `checkpoint_every` generations and at the end; its header
    holds `metadata`, the generation and the wall seconds so far; the previous checkpoints are
    kept as `state.1.eqx`, ..., see `KEEP_CHECKPOINTS`) and `log.jsonl` (one record per
    generation, with its seconds, JAX backend and devices). If the folder holds a checkpoint
    the run resumes from the newest valid one: generations after it are recomputed (the keys
    are deterministic) and their log lines rewritten; a torn last log line is dropped. Nothing
    is written before the checkpoint and the log have been read.
    Works for any synthetic environment the learner searches (bandit, MDP, reward network).
    With several processes (`synthax.distributed`) every process calls it with the same
    arguments; they all read the folder, and process 0 alone writes it.

    **Arguments:** `learner`; `out_dir`; `generations` (the total to reach); `seed` (the
    initial state's PRNG seed); `checkpoint_every`; `metadata` (JSON-serialisable, stored in
    the checkpoint header); `on_generation`, called with each log record; `on_checkpoint`,
    called with the state at each checkpoint (e.g. to save the mean environment).

    **Returns:** `(state, wall_seconds, compile_seconds)`; wall seconds include earlier
    sessions of a resumed run.

    **Raises:** `CheckpointError` if no checkpoint in the folder matches the learner's state;
    `ResumeError` if `log.jsonl` is not a synthax log.
    """
    out = Path(out_dir)
    state_path, log_path = out / STATE_FILE, out / LOG_FILE
    state, elapsed, log_lines = (_start if _start is not None
                                 else _resume_point(learner, out, seed))
    start_generation = int(state.generation)
    writer = is_writer()
    barrier("synthax: run folder read")  # every process has read it before it changes
    if writer:
        out.mkdir(parents=True, exist_ok=True)
        _remove_temporaries(out)
        atomic_write_text(log_path, "".join(ln + "\n" for ln in log_lines))

    def checkpoint(state: MetaState, elapsed: float) -> None:
        header = {**(metadata or {}), "kind": "meta_state", "generation": int(state.generation),
                  "wall_seconds": elapsed}
        if on_checkpoint is not None:
            on_checkpoint(state)
        host_state = to_host(state)  # on every process: a collective for split arrays
        if writer:
            _rotate(out)
            save(state_path, host_state, header)

    t_start = time.perf_counter()
    compile_seconds = 0.0
    if start_generation < generations:
        t0 = time.perf_counter()
        step = eqx.filter_jit(learner.step).lower(state).compile()
        compile_seconds += time.perf_counter() - t0
        # Where each generation ran (a resumed run may change machines): "cpu" or "gpu", e.g.
        # "2 x cpu" or "1 x NVIDIA H100 80GB HBM3" (the devices of every process), and the
        # number of processes.
        backend = jax.default_backend()
        devices = device_description()
        processes = jax.process_count()
        with (open(log_path, "a", encoding="utf-8") if writer
              else contextlib.nullcontext()) as log:
            for _ in range(start_generation, generations):
                t_gen = time.perf_counter()
                state, metrics = step(state)
                metrics = to_host(metrics)
                index = int(metrics.pop("algorithm"))
                record = {
                    "generation": int(state.generation),
                    "algorithm": learner.inner_loop.labels[index] if index >= 0 else "all",
                    "eval_horizon": int(metrics.pop("eval_horizon")),
                }
                record.update({k: float(v) for k, v in metrics.items()})
                record["seconds"] = time.perf_counter() - t_gen
                record["backend"], record["devices"] = backend, devices
                record["processes"] = processes
                if log is not None:
                    _append_line(log, json.dumps(record))
                if on_generation is not None:
                    on_generation(record)
                generation = record["generation"]
                if generation % checkpoint_every == 0 or generation == generations:
                    checkpoint(state, elapsed + time.perf_counter() - t_start)
    return state, elapsed + time.perf_counter() - t_start, compile_seconds


def run_metalearning(
    config: MetaLearnConfig,
    out_dir: str | Path,
    resume: bool = False,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
    final_eval_episodes: int = 32,
    force: bool = False,
) -> dict[str, Any]:
    """Run (or resume) meta-learning and write the run folder described above.

    **Arguments:**

    - `config`: the run's configuration.
    - `out_dir`: the run folder.
    - `resume`: continue from the newest valid checkpoint in `out_dir` (`state.eqx`, else
      `state.1.eqx`, ...); the saved `config.json` must equal `config` except for
      `generations`, which may be raised to extend a run (or lowered to no fewer than the
      checkpoint's generation).
      Generations after the checkpoint are recomputed (the keys are deterministic) and their
      log lines rewritten, so the log holds each generation exactly once. Nothing in the
      folder changes until the config, a checkpoint and the log have been read successfully.
    - `on_generation`: called with each generation's log record (e.g. a progress bar).
    - `final_eval_episodes`: real episodes per agent in the final evaluation.
    - `force`: start a new run in a folder that is not empty: files named as synthax's run
      files (`RUN_FILES`, the state checkpoints) are replaced, others are left alone.

    With several processes (`synthax.distributed`, e.g. `synthax metalearn --distributed`)
    every process calls it with the same arguments: the population is split over all their
    devices (`jax.devices()`), every process checks and reads the folder, process 0 alone
    writes it, and each returns once it is complete.

    **Returns:** the summary written to `summary.json`.

    **Raises:** `ConfigError` for a config that does not build (unknown environment, agent
    keyword arguments); `ResumeError` if `resume` is set and the folder has no checkpoint, its
    `config.json` is missing, unreadable or different, or its log is not a synthax log, or if
    `resume` is not set and the folder already holds a run (unless `force`);
    `RunFolderError` if the folder is not empty and `force` is not set, or is not a folder;
    `CheckpointError` if no checkpoint in the folder is valid. All of these are raised before
    anything is written.
    """
    out = Path(out_dir)
    config = config.resolved()  # config.json records the spaces and sizes used
    learner = build_learner(config)
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"{out} is a file, not a folder")

    # With several processes (synthax.distributed) each checks the folder, and process 0 alone
    # writes, after all of them have read it.
    writer = is_writer()
    if resume:
        start = _check_resume(learner, config, out)
        requested = config.to_dict()
        stale = _saved_config(out) != requested  # a longer (or shorter) run of this config
        barrier("synthax: run folder checked")
        if stale and writer:
            atomic_write_text(out / CONFIG_FILE, json.dumps(requested, indent=2) + "\n")
    else:
        _check_new_run_folder(out, force)
        barrier("synthax: run folder checked")
        if writer:
            out.mkdir(parents=True, exist_ok=True)
            for path in [*_existing_states(out), out / SUMMARY_FILE]:  # a forced restart
                path.unlink(missing_ok=True)
            atomic_write_text(out / CONFIG_FILE, json.dumps(config.to_dict(), indent=2) + "\n")
        start = (learner.init(jax.random.PRNGKey(config.seed)), 0.0, [])

    def save_mean(state: MetaState) -> None:
        env = to_host(learner.mean_environment(state))  # every process computes it
        if writer:
            env_meta = {"generation": int(state.generation), "config": config.to_dict()}
            save_environment(out / ENV_FILE, env, config.env_id, env_meta)

    state, elapsed, compile_seconds = evolve(
        learner, out, config.generations, config.seed, config.checkpoint_every,
        {"config": config.to_dict()}, on_generation, save_mean, _start=start,
    )
    t_start = time.perf_counter()
    env = learner.mean_environment(state)
    final_key = jax.random.fold_in(jax.random.PRNGKey(config.seed), 2**31 - 1)
    evaluation, final_compile = final_evaluation(
        learner, env, final_key, config.final_eval_seeds, final_eval_episodes
    )
    compile_seconds += final_compile
    wall = elapsed + time.perf_counter() - t_start
    summary = {
        "env_id": config.env_id,
        "agents": list(config.agents),
        "random_hyperparameters": config.random_hyperparameters,
        "strategy": config.strategy,
        "generations": int(state.generation),
        "population_size": config.population_size,
        "wall_seconds": wall,
        "compile_seconds": compile_seconds,
        "eval": evaluation,
        "checkpoint": ENV_FILE,
        "synthax_version": __version__,
        "config": config.to_dict(),
    }
    if not all(math.isfinite(v["mean"]) for arms in evaluation.values() for v in arms.values()):
        raise FloatingPointError(f"final evaluation is not finite: {evaluation}")
    if writer:
        atomic_write_text(out / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
        plot_meta_training(out / LOG_FILE, out / PLOT_FILE, title=f"{config.env_id}: {out.name}")
    barrier("synthax: run written")  # the run folder is complete when any process returns
    return summary


def _saved_config(out: Path) -> dict[str, Any]:
    path = out / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a mapping of config keys")
        return MetaLearnConfig.from_dict(data).resolved().to_dict()
    except FileNotFoundError:
        raise ResumeError(f"cannot resume {out}: it has no {CONFIG_FILE}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise ResumeError(f"cannot resume {out}: {path} is not a synthax run config "
                          f"({error})") from None


def _check_resume(learner: MetaLearner, config: MetaLearnConfig, out: Path
                  ) -> tuple[MetaState, float, list[str]]:
    """Everything a resume needs, read and checked without writing: the saved config, the
    newest valid checkpoint and the log."""
    if not _existing_states(out):
        raise ResumeError(f"cannot resume {out}: it has no checkpoint ({STATE_FILE} does not "
                          "exist); start a new run without --resume")
    saved, requested = _saved_config(out), config.resolved().to_dict()
    if {**saved, "generations": 0} != {**requested, "generations": 0}:
        changed = sorted(k for k in requested if k != "generations"
                         and saved.get(k) != requested[k])
        raise ResumeError(
            f"cannot resume {out}: its config.json differs from the requested config in more "
            f"than `generations` (in {changed}: saved "
            f"{ {k: saved.get(k) for k in changed} }, requested "
            f"{ {k: requested[k] for k in changed} })"
        )
    start = _resume_point(learner, out, config.seed)
    generation = int(start[0].generation)
    if config.generations < generation:
        raise ResumeError(
            f"cannot resume {out} with generations={config.generations}: its checkpoint is "
            f"already at generation {generation}"
        )
    return start


def _check_new_run_folder(out: Path, force: bool) -> None:
    """Refuse to start a run in a folder that holds a run or files synthax did not write."""
    if not out.exists() or force:
        return
    names = sorted(p.name for p in out.iterdir())
    if not names:
        return
    states = _existing_states(out)
    if states:
        raise ResumeError(f"{out} already holds a run ({states[0].name}); pass --resume "
                          "(resume=True) to continue it, --force to start it over, or another "
                          "folder")
    shown = ", ".join(names[:8]) + (f", ... ({len(names)} files)" if len(names) > 8 else "")
    foreign = [n for n in names if not _is_run_file(n)]
    what = ("files synthax did not write" if foreign
            else "files with the names of synthax's run files but no checkpoint")
    raise RunFolderError(
        f"{out} is not empty and is not a synthax run: it holds {what} ({shown}); pass "
        f"a new folder, or --force (force=True) to write the run there, replacing any of "
        f"{[*RUN_FILES, STATE_FILE]} but nothing else"
    )


def latest_generation(out_dir: str | Path) -> int:
    """The generation of the newest checkpoint in `out_dir` whose header reads (0 if there is
    none)."""
    generations = [0]
    for path in _existing_states(Path(out_dir)):
        try:
            generation = read_header(path).get("generation")
        except (CheckpointError, OSError):
            continue
        if type(generation) is int:
            generations.append(generation)
    return max(generations)
