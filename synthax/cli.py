"""The `synthax` command line: `metalearn`, `tune`, `train`, `evaluate`, `plot` and `envs`."""

import importlib
import json
import os
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Meta-learned synthetic reinforcement-learning environments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


ISSUES_URL = "https://github.com/synthax/synthax/issues"


def _message(error: BaseException) -> str:
    """One line saying what was wrong: a `KeyError`'s own message (not its repr), an
    `OSError`'s file and reason (not only its errno)."""
    if isinstance(error, KeyError) and error.args and isinstance(error.args[0], str):
        text = error.args[0]
    elif isinstance(error, OSError) and error.strerror:
        text = f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    else:
        text = str(error)
    return " ".join(text.split())


def _usage_error(error: BaseException, prefix: str = "") -> typer.BadParameter:
    """A usage error (exit status 2, one message) for `error`."""
    return typer.BadParameter(f"{prefix}{_message(error)}")


def _setup_jax() -> None:
    from synthax.compilation_cache import enable_compilation_cache

    enable_compilation_cache()


@app.command()
def envs() -> None:
    """List the environment ids synthax can make (synthetic and real)."""
    from synthax.envs import list_envs

    ids = list_envs()
    for env_id in ids["synthetic"]:
        typer.echo(f"{env_id}\tsynthetic")
    for env_id in ids["real"]:
        typer.echo(f"{env_id}\treal")


def _latest_run(env_id: str) -> Path:
    runs = sorted({p.parent for p in Path("runs").glob(f"{env_id}-*/state*.eqx")})
    if not runs:
        raise typer.BadParameter(f"no run of {env_id} under runs/ to resume; pass --out DIR")
    return runs[-1]


@app.command()
def metalearn(
    env: Annotated[
        str | None, typer.Option("--env", help="Real environment id: gymnax, or Brax with "
                                 "synthax\\[brax] \\[default: the config's, CartPole-v1]."
                                 )
    ] = None,
    preset: Annotated[
        str, typer.Option(help="Named configuration (see synthax.meta.PRESETS).")
    ] = "cpu",
    config: Annotated[
        Path | None, typer.Option(help="YAML or JSON file of MetaLearnConfig fields (e.g. "
                                  "experiments/configs/cartpole.yaml); replaces the preset, "
                                  "fields it omits take their defaults.",
                                  exists=True, dir_okay=False)
    ] = None,
    import_modules: Annotated[
        list[str] | None, typer.Option("--import", help="Python module to import first, e.g. "
                                       "one that calls gymnax.register for your own env.")
    ] = None,
    generations: Annotated[
        int | None, typer.Option(help="Override the number of generations.")
    ] = None,
    population_size: Annotated[
        int | None, typer.Option(help="Override the population size.")
    ] = None,
    strategy: Annotated[
        str | None, typer.Option(help="evosax strategy name, e.g. SNES, Open_ES.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the seed.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Run folder (default runs/<env>-<time>/).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Resume the run in --out (or the latest for --env).")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Start a new run in an --out folder that is not empty "
                                "(replacing synthax's run files there, and nothing else).")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    distributed: Annotated[
        bool, typer.Option(help="Run as one of several processes (one per host or GPU) with "
                                "jax.distributed, which detects SLURM and Open MPI; or give "
                                "--coordinator, --num-processes and --process-id.")
    ] = False,
    coordinator: Annotated[
        str | None, typer.Option(help="HOST:PORT of process 0, for --distributed by hand.",
                                 rich_help_panel="Several processes")
    ] = None,
    num_processes: Annotated[
        int | None, typer.Option(help="How many processes run, for --distributed by hand.",
                                 rich_help_panel="Several processes")
    ] = None,
    process_id: Annotated[
        int | None, typer.Option(help="This process's index, 0 to --num-processes - 1.",
                                 rich_help_panel="Several processes")
    ] = None,
) -> None:
    """Meta-learn a synthetic environment for ENV and evaluate it.

    Writes the checkpoint (env.eqx), log.jsonl and summary.json to the run folder. A folder
    holding files synthax did not write is refused (pass a new one, or --force).

    With --distributed, every process runs this same command; the population is split over
    the devices of all of them and process 0 writes the run folder, which every process must
    see (a shared file system). Each process has one CPU device unless SYNTHAX_CPU_DEVICES
    says otherwise.
    """
    import jax

    from synthax import distributed as dist

    by_hand = (coordinator, num_processes, process_id)
    if (distributed or any(v is not None for v in by_hand)) and not dist.relaunched():
        if any(v is not None for v in by_hand) and any(v is None for v in by_hand):
            raise typer.BadParameter("--coordinator, --num-processes and --process-id go "
                                     "together (or pass --distributed alone on SLURM or Open "
                                     "MPI)")
        if out is None:
            raise typer.BadParameter("--distributed needs --out: every process must name the "
                                     "same run folder")
        from synthax.parallel import ENV_VAR, requested_cpu_devices

        try:
            cpu_devices = requested_cpu_devices() if os.environ.get(ENV_VAR) else None
            dist.relaunch(coordinator, num_processes, process_id, cpu_devices)
        except ValueError as error:
            raise _usage_error(error) from None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from synthax.checkpoints import CheckpointError
    from synthax.meta import PRESETS, ConfigError, MetaLearnConfig
    from synthax.meta.run import RunFolderError, latest_generation, run_metalearning

    if resume and force:
        raise typer.BadParameter("--resume and --force exclude each other")
    for module in import_modules or []:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise _usage_error(error, f"--import {module}: ") from None
    if preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}; allowed: {sorted(PRESETS)}")
    try:
        cfg = PRESETS[preset] if config is None else MetaLearnConfig.from_file(config)
    except ValueError as error:
        raise _usage_error(error, "--config ") from None  # the message names the file
    overrides = {"env_id": env, "generations": generations, "population_size": population_size,
                 "strategy": strategy, "seed": seed}
    try:
        cfg = cfg.replace(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as error:
        raise _usage_error(error) from None
    if out is None:
        out = _latest_run(cfg.env_id) if resume else Path("runs") / (
            f"{cfg.env_id}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
        )
    _setup_jax()
    writer = dist.is_writer()
    console = Console(stderr=True, quiet=not writer)  # one display, process 0's
    where = f" ({jax.process_count()} processes)" if jax.process_count() > 1 else ""
    console.print(f"[bold]synthax metalearn[/] {cfg.env_id} -> {out}{where}")
    done = latest_generation(out) if resume else 0
    with Progress(
        TextColumn("generation"), MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"), console=console,
        disable=not (progress and writer),
    ) as bar:
        task = bar.add_task("meta", total=cfg.generations, completed=done, info="compiling...")

        def on_generation(record):
            bar.update(task, completed=record["generation"], info=(
                f"fitness mean {record['fitness_mean']:.1f} max {record['fitness_max']:.1f} | "
                f"mean env {record['mean_return']:.1f}"
            ))
            if not progress:
                console.print(json.dumps(record))

        try:
            summary = run_metalearning(cfg, out, resume=resume, on_generation=on_generation,
                                       force=force)
        except (ConfigError, RunFolderError, CheckpointError) as error:
            raise _usage_error(error) from None
    console.print(json.dumps({k: summary[k] for k in ("generations", "wall_seconds",
                                                       "compile_seconds", "eval")}, indent=2))
    if writer:
        typer.echo(str(out / "summary.json"))


@app.command()
def tune(
    config: Annotated[
        Path | None, typer.Option(help="YAML or JSON file of MetaLearnConfig fields every trial "
                                  "starts from (default: the cpu preset); its generations is "
                                  "each trial's length.", exists=True, dir_okay=False)
    ] = None,
    space: Annotated[
        Path | None, typer.Option(help="YAML or JSON file mapping MetaLearnConfig fields to "
                                  "{low, high, log} or {choices} (default: "
                                  "synthax.meta.tune.DEFAULT_SPACE: sigma_init, "
                                  "population_size, strategy).", exists=True, dir_okay=False)
    ] = None,
    study: Annotated[
        str, typer.Option(help="Optuna storage URL of the study, the same for every worker: "
                               "sqlite:///study.db, postgresql://user:password@host/db, ...")
    ] = "sqlite:///study.db",
    study_name: Annotated[
        str, typer.Option(help="The study's name in the storage; workers with the same "
                               "--study and --study-name share it.")
    ] = "synthax",
    trials: Annotated[int, typer.Option(help="Trials this worker runs.")] = 10,
    out: Annotated[
        Path, typer.Option(help="Folder of the trials' run folders (trial-<number>/), the same "
                                "for every worker.")
    ] = Path("tuning"),
    target: Annotated[
        float | None, typer.Option(help="Minimise the generations until mean_return reaches "
                                        "this, instead of maximising the last mean_return.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of Optuna's TPE sampler; give each worker its own "
                                      "(default: Optuna draws one).")
    ] = None,
    min_resource: Annotated[
        int | None, typer.Option(help="Generations before the Hyperband pruner's first "
                                      "decision (default: a tenth of generations; generations "
                                      "turns pruning off).")
    ] = None,
    import_modules: Annotated[
        list[str] | None, typer.Option("--import", help="Python module to import first, e.g. "
                                       "one that calls gymnax.register for your own env.")
    ] = None,
    heartbeat_interval: Annotated[
        int, typer.Option(help="Seconds between a running trial's heartbeats in the study.",
                          rich_help_panel="Killed workers")
    ] = 60,
    grace_period: Annotated[
        int | None, typer.Option(help="Seconds without a heartbeat after which a trial is a "
                                      "killed worker's and is retried (default: twice "
                                      "--heartbeat-interval).", rich_help_panel="Killed workers")
    ] = None,
    max_retry: Annotated[
        int, typer.Option(help="Retries of one killed trial.", rich_help_panel="Killed workers")
    ] = 3,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Tune a meta-learning config's settings with Optuna (learning_environments' third level).

    learning_environments tuned its NES with BOHB; here Optuna's TPE sampler proposes the
    settings in --space and a Hyperband pruner stops runs whose mean_return falls behind at
    the same generation. Each trial is a run folder OUT/trial-<number>/ as synthax metalearn
    writes it. Workers on several machines share one study: each runs this command with the
    same --study, --study-name and --out. A killed worker's trial is retried by the next
    trial any worker starts after --grace-period, resuming its folder from its checkpoint.
    Prints the best trial (its params, value and folder) at the end.
    """
    import math

    import optuna
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from synthax.checkpoints import CheckpointError
    from synthax.meta import PRESETS, ConfigError, MetaLearnConfig
    from synthax.meta.run import RunFolderError
    from synthax.meta.tune import (
        DEFAULT_SPACE,
        StudyError,
        TuneSpace,
        best_trial_summary,
        open_storage,
        tune as run_tune,
    )

    for module in import_modules or []:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise _usage_error(error, f"--import {module}: ") from None
    try:
        cfg = PRESETS["cpu"] if config is None else MetaLearnConfig.from_file(config)
    except ValueError as error:
        raise _usage_error(error, "--config ") from None
    try:
        search = DEFAULT_SPACE if space is None else TuneSpace.from_file(space)
        search.check(cfg)
    except ConfigError as error:
        raise _usage_error(error, "--space ") from None
    for name, value in (("--trials", trials), ("--heartbeat-interval", heartbeat_interval),
                        ("--grace-period", grace_period), ("--max-retry", max_retry)):
        if value is not None and value < 1:
            raise typer.BadParameter(f"{name} must be >= 1, got {value}")
    if target is not None and not math.isfinite(target):
        raise typer.BadParameter(f"--target must be a finite mean_return, got {target}")
    if min_resource is not None and not 1 <= min_resource <= cfg.generations:
        raise typer.BadParameter(f"--min-resource must be from 1 to the config's generations "
                                 f"({cfg.generations}), got {min_resource}")
    try:
        open_storage(study, heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                     max_retry=max_retry)
    except ValueError as error:
        raise _usage_error(error, "--study ") from None
    _setup_jax()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the bars say what INFO would
    console = Console(stderr=True)
    console.print(f"[bold]synthax tune[/] {cfg.env_id}: study {study_name!r}, {trials} trials "
                  f"-> {out}")
    with Progress(
        TextColumn("{task.description}"), MofNCompleteColumn(), BarColumn(),
        TimeElapsedColumn(), TextColumn("{task.fields[info]}"), console=console,
        disable=not progress,
    ) as bar:
        trial_task = bar.add_task("trial", total=trials, info="")
        generation_task = bar.add_task("generation", total=cfg.generations, info="compiling...")

        def on_generation(number, record):
            bar.update(generation_task, completed=record["generation"],
                       info=f"trial {number} | mean env {record['mean_return']:.1f}")
            if not progress:
                console.print(json.dumps({"trial": number, **record}))

        def on_trial(shared, trial):
            counts = {}
            for t in shared.get_trials(deepcopy=False):
                counts[t.state.name.lower()] = counts.get(t.state.name.lower(), 0) + 1
            try:
                best = f"best {shared.best_value:.1f} (trial {shared.best_trial.number})"
            except ValueError:
                best = "no complete trial yet"
            shown = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
            bar.update(trial_task, advance=1, info=f"{best} | study: {shown}")
            done = bar.tasks[trial_task].completed >= trials
            bar.reset(generation_task, info="done" if done else "next trial...")
            if not progress:
                console.print(json.dumps({"trial": trial.number, "state": trial.state.name,
                                          "value": trial.value, "params": trial.params}))

        try:
            result = run_tune(
                cfg, search, study_name=study_name, storage=study, n_trials=trials,
                out_dir=out, target=target, seed=seed, min_resource=min_resource,
                heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                max_retry=max_retry, on_generation=on_generation, on_trial=on_trial,
            )
        except (ConfigError, RunFolderError, CheckpointError, StudyError) as error:
            raise _usage_error(error) from None
    try:
        summary = best_trial_summary(result)
    except ValueError as error:
        console.print(f"synthax tune: {_message(error)}")
        raise typer.Exit(1) from None
    typer.echo(json.dumps(summary, indent=2))


@app.command()
def train(
    env: Annotated[str, typer.Option("--env", help="Real, Synthetic- or Synthax- environment id.")],
    agent: Annotated[str, typer.Option(help="Agent: ppo, dqn, sac, ddpg or td3.")] = "ppo",
    steps: Annotated[
        int | None, typer.Option(help="Training environment steps (default 10k, or the tuned "
                                      "configuration's budget).")
    ] = None,
    hyperparameters: Annotated[
        str, typer.Option(help="'default' (the agent's defaults) or 'tuned' (the named "
                               "configuration for the real environment, see docs/agents.md).")
    ] = "default",
    seeds: Annotated[int, typer.Option(help="Independent agents, trained vmapped.")] = 16,
    eval_episodes: Annotated[int, typer.Option(help="Real episodes per agent.")] = 32,
    seed: Annotated[int, typer.Option(help="PRNG seed.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Folder for train.json.")] = None,
) -> None:
    """Train SEEDS agents on ENV (vmapped) and evaluate them on the matching real environment."""
    import equinox as eqx
    import jax
    import numpy as np

    from synthax.agents import PPO, make_agent
    from synthax.agents.hyperparameters import config as named_config
    from synthax.checkpoints.io import atomic_write_text
    from synthax.envs import make, real_env_id
    from synthax.meta import train_and_evaluate

    if hyperparameters not in ("default", "tuned"):
        raise typer.BadParameter("--hyperparameters must be 'default' or 'tuned'")
    if seeds < 1 or eval_episodes < 1:
        raise typer.BadParameter("--seeds and --eval-episodes must be >= 1")
    _setup_jax()
    try:
        train_env = make(env)
        eval_env = make(real_env_id(env))
        kwargs = named_config(agent, real_env_id(env)) if hyperparameters == "tuned" else {}
        if steps is not None or "total_timesteps" not in kwargs:
            kwargs["total_timesteps"] = 10_000 if steps is None else steps
        learner = make_agent(agent, **kwargs)
    except (KeyError, ValueError, TypeError) as error:
        raise _usage_error(error) from None
    # Agents train in whole iterations: PPO in rollouts of num_envs * num_steps steps, the
    # others num_envs steps at a time; a --steps that is not a multiple is refused.
    per_iteration = learner.rollout_size if isinstance(learner, PPO) else learner.num_envs
    steps_run = learner.num_iterations * per_iteration
    if steps is not None and steps_run != steps:
        lower, upper = steps_run, steps_run + per_iteration
        raise typer.BadParameter(
            f"--steps {steps}: {agent} trains in iterations of {per_iteration} environment "
            f"steps ({'num_envs * num_steps' if isinstance(learner, PPO) else 'num_envs'}), so "
            f"--steps must be a multiple of {per_iteration}, e.g. "
            f"{' or '.join(str(n) for n in (lower, upper) if n > 0)}"
        )

    def run(key):
        keys = jax.random.split(key, seeds)
        return jax.vmap(lambda k: train_and_evaluate(learner, train_env, eval_env, k,
                                                     eval_episodes))(keys)

    key = jax.random.PRNGKey(seed)
    t0 = time.perf_counter()
    try:
        compiled = eqx.filter_jit(run).lower(key).compile()
    except ValueError as error:  # e.g. DQN on a Box action space
        raise typer.BadParameter(str(error)) from None
    compile_seconds = time.perf_counter() - t0
    returns = np.asarray(jax.device_get(compiled(key)))
    wall = time.perf_counter() - t0
    per_agent = returns.mean(axis=1)
    result = {
        "env_id": env, "agent": agent, "steps": steps_run, "seeds": seeds,
        "hyperparameters": hyperparameters,
        "wall_seconds": wall, "compile_seconds": compile_seconds,
        "eval": {"mean": float(per_agent.mean()), "std": float(per_agent.std()),
                 "n": int(per_agent.size), "episodes_per_agent": eval_episodes,
                 "eval_env_id": real_env_id(env)},
    }
    if steps_run != learner.total_timesteps:  # a tuned budget that is not whole iterations
        result["requested_steps"] = learner.total_timesteps
    text = json.dumps(result, indent=2)
    if out is not None:
        atomic_write_text(Path(out) / "train.json", text + "\n")
    typer.echo(text)

@app.command()
def evaluate(
    env: Annotated[str, typer.Option("--env", help="Synthetic environment id, e.g. "
                                     "Synthetic-CartPole-v1 (or the real id with --checkpoint).")],
    checkpoint: Annotated[
        Path | None, typer.Option(help="Evaluate this env.eqx (e.g. a run's) instead of the "
                                  "shipped environment.", exists=True, dir_okay=False)
    ] = None,
    synthetic_gymnax: Annotated[
        Path | None, typer.Option(help="synthetic-gymnax 0.0.1 wheel: add its environment as an "
                                  "arm (pip download --no-deps synthetic-gymnax==0.0.1).",
                                  exists=True, dir_okay=False)
    ] = None,
    algorithms: Annotated[
        str | None, typer.Option(help="Comma-separated agents \\[default: ppo,sac,dqn for "
                                 "discrete actions, ppo,sac,ddpg,td3 for Box].")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Meta-learning config (YAML/JSON) whose agent_kwargs "
                                  "set the agents' sizes \\[default: synthax.agents.INNER_LOOP].",
                                  exists=True, dir_okay=False)
    ] = None,
    runs: Annotated[int, typer.Option(help="Random-hyperparameter agents per algorithm and "
                                      "arm.")] = 20,
    episodes: Annotated[int, typer.Option(help="Real episodes per agent.")] = 50,
    seed: Annotated[int, typer.Option(help="PRNG seed (same draws in every arm).")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Folder for results.{csv,json,md} "
                                  "\\[default: evaluations/<env>-<time>/].")
    ] = None,
) -> None:
    """Train RUNS agents per algorithm (random hyperparameters, 10k steps) on ENV and on the real
    environment; report the IQM of their real returns with 95% bootstrap intervals."""
    from rich.console import Console

    from synthax.agents import AGENTS
    from synthax.checkpoints import import_from_wheel, load_environment
    from synthax.envs import make, real_env_id
    from synthax.meta import MetaLearnConfig, compare_environments, markdown_table, write_results

    _setup_jax()
    console = Console(stderr=True)
    real_id = real_env_id(env)
    if env == real_id and checkpoint is None:
        raise typer.BadParameter(f"--env {env} is a real environment; pass a Synthetic- or "
                                 "Synthax- id or --checkpoint")
    names = tuple(a.strip() for a in algorithms.split(",")) if algorithms else None
    for name in names or ():
        if name not in AGENTS:
            raise typer.BadParameter(f"--algorithms: unknown agent {name!r}; allowed: "
                                     f"{sorted(AGENTS)}")
    try:
        real = make(real_id)
        synthetic = (load_environment(checkpoint, real_id) if checkpoint is not None
                     else make(env))
        arms = {"synthax": synthetic}
        if synthetic_gymnax is not None:
            arms["synthetic-gymnax"] = import_from_wheel(synthetic_gymnax, real, real_id)
        arms["real"] = real
        agent_kwargs = MetaLearnConfig.from_file(config).agent_kwargs if config else {}
    except (KeyError, ValueError, OSError) as error:
        raise _usage_error(error) from None
    if out is None:
        out = Path("evaluations") / f"{real_id}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"

    def on_row(row):
        console.print(f"{row['algorithm']:>5} {row['arm']:<17} IQM {row['iqm']:8.1f} "
                      f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]  train "
                      f"{row['train_seconds']:.1f} s, compile {row['compile_seconds']:.1f} s")

    try:
        rows, returns = compare_environments(
            real_id, real, arms, algorithms=names, agent_kwargs=agent_kwargs, num_runs=runs,
            num_eval_episodes=episodes, seed=seed, on_row=on_row,
        )
    except (KeyError, ValueError) as error:
        raise _usage_error(error) from None
    metadata = {"env": env, "checkpoint": str(checkpoint) if checkpoint else None,
                "synthetic_gymnax": str(synthetic_gymnax) if synthetic_gymnax else None,
                "runs": runs, "episodes": episodes, "seed": seed,
                "config": str(config) if config else None}
    write_results(out, rows, returns, metadata)
    typer.echo(markdown_table(rows), nl=False)
    typer.echo(str(out / "results.md"))


@app.command()
def plot(
    run: Annotated[Path, typer.Argument(help="A metalearn run folder (holding log.jsonl).")],
    out: Annotated[Path | None, typer.Option(help="PNG path \\[default: RUN/meta_training.png].")
                   ] = None,
) -> None:
    """Plot a meta-training run's curve (mean environment's return per generation)."""
    from synthax.plotting import plot_meta_training

    log = run / "log.jsonl"
    if not log.exists():
        raise typer.BadParameter(f"{log} does not exist; pass a metalearn run folder")
    try:
        path = plot_meta_training(log, out or run / "meta_training.png")
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    typer.echo(str(path))


def main() -> None:
    """Entry point of the `synthax` console script.

    Usage errors, and an optional extra that is not installed, end with one message and exit
    status 2; any other exception is a bug in
    synthax: its traceback is printed with where to report it, and the exit status is 1.

    Run as the `synthax` command (or `python -m synthax.cli`), it first splits the CPU into one
    JAX device per core (`synthax.parallel.restart_with_cpu_devices`; `SYNTHAX_CPU_DEVICES=1`
    keeps one), so that a population is spread over the cores. Called from other Python code,
    it leaves JAX as it is; `import synthax` never changes it.
    """
    from synthax.distributed import relaunched
    from synthax.parallel import restart_with_cpu_devices

    # A process `synthax metalearn --distributed` started has its devices already.
    if Path(sys.argv[0]).name in ("synthax", "cli.py") and not relaunched():
        try:
            restart_with_cpu_devices()
        except ValueError as error:  # a bad SYNTHAX_CPU_DEVICES
            print(f"synthax: {error}", file=sys.stderr)
            sys.exit(2)
    from synthax.envs import MissingExtraError

    try:
        app()
    except MissingExtraError as error:  # e.g. a Brax id without synthax[brax]
        print(f"synthax: {error}", file=sys.stderr)
        sys.exit(2)
    except Exception:
        traceback.print_exc()
        print(f"synthax: this is a bug in synthax, not a problem with your input; please report "
              f"it with the command and the traceback above at {ISSUES_URL}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
