"""A whole meta-learning run on disk: checkpoints, resume, a per-generation log and a summary.

Files written to the run folder (all atomically, none pickled):

- `config.json`: the [`MetaLearnConfig`][synthax.meta.MetaLearnConfig];
- `state.eqx`: the meta-learner's state (every `checkpoint_every` generations and at the end);
- `env.eqx`: the search distribution's mean as a synthetic environment, loadable with
  [`load_environment`][synthax.checkpoints.load_environment];
- `log.jsonl`: one JSON line per generation (`generation`, fitness statistics, `mean_return`,
  `seconds`);
- `summary.json`: wall and compile seconds and the final evaluation;
- `meta_training.png`: the meta-training curve (see
  [`plot_meta_training`][synthax.plotting.plot_meta_training]).
"""

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np

from synthax._version import __version__
from synthax.agents import INNER_LOOP, make_agent
from synthax.checkpoints import load, read_header, save, save_environment
from synthax.checkpoints.io import atomic_write_text
from synthax.envs import make
from synthax.parallel import device_description
from synthax.plotting import plot_meta_training

from .config import MetaLearnConfig
from .inner_loop import InnerLoop
from .learner import MetaLearner, MetaState

STATE_FILE = "state.eqx"
ENV_FILE = "env.eqx"
LOG_FILE = "log.jsonl"
CONFIG_FILE = "config.json"
SUMMARY_FILE = "summary.json"
PLOT_FILE = "meta_training.png"


class ResumeError(ValueError):
    """A run folder cannot be resumed with the given configuration."""


def build_inner_loop(config: MetaLearnConfig) -> InnerLoop:
    """The [`InnerLoop`][synthax.meta.InnerLoop] a config describes."""
    agents = []
    for name in config.agents:
        base = dict(INNER_LOOP[name]) if config.random_hyperparameters else {}
        base.update(config.agent_kwargs.get(name, {}))
        agents.append(make_agent(name, **base))
    return InnerLoop(agents, config.random_hyperparameters, config.schedule)


def build_learner(config: MetaLearnConfig) -> MetaLearner:
    """The [`MetaLearner`][synthax.meta.MetaLearner] a config describes."""
    real_env = make(config.env_id)
    return MetaLearner.for_bandit(
        real_env,
        build_inner_loop(config),
        jax.random.PRNGKey(config.seed + 1),
        hidden_size=config.hidden_size,
        scale_reward_input=config.scale_reward_input,
        scale_initial_state=config.scale_initial_state,
        strategy=config.strategy,
        population_size=config.population_size,
        sigma_init=config.sigma_init,
        num_eval_episodes=config.num_eval_episodes,
        num_mean_eval_seeds=config.num_mean_eval_seeds,
        num_rollouts=config.num_rollouts,
        eval_horizon=config.horizon_schedule(),
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
    for index, name in enumerate(loop.names):

        def both(env, key, index=index):
            run = lambda train_env: loop.evaluate(  # noqa: E731
                index, train_env, real, key, num_seeds, num_episodes
            )
            return run(env), run(real)

        t0 = time.perf_counter()
        compiled = eqx.filter_jit(both).lower(env, key).compile()
        compile_seconds += time.perf_counter() - t0
        synthetic, real_returns = jax.device_get(compiled(env, key))
        steps = getattr(loop.agents[index], "total_timesteps", 0)
        tag = f"{steps // 1000}k" if steps % 1000 == 0 else str(steps)
        results[name] = {
            f"synthetic_{tag}": _stats(np.asarray(synthetic), num_episodes),
            f"real_{tag}": _stats(np.asarray(real_returns), num_episodes),
        }
    return results, compile_seconds


def _read_log(path: Path, up_to: int) -> list[str]:
    if not path.exists():
        return []
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    return [ln for ln in lines if json.loads(ln)["generation"] <= up_to]


def load_meta_state(learner: MetaLearner, out_dir: str | Path,
                    seed: int) -> tuple[MetaState, dict[str, Any]]:
    """The meta-learner state checkpointed in `out_dir/state.eqx` and its header, placed on the
    devices as `learner.step` expects (`learner.place`). `seed` is the run's seed (it shapes
    the skeleton the leaves are read into).

    **Raises:** `FileNotFoundError` if there is no checkpoint; `CheckpointError` if it does
    not match the learner's state.
    """
    skeleton = eqx.filter_eval_shape(learner.init, jax.random.PRNGKey(seed))
    state, header = load(Path(out_dir) / STATE_FILE, skeleton, {"kind": "meta_state"})
    return learner.place(state), header


def evolve(
    learner: MetaLearner,
    out_dir: str | Path,
    generations: int,
    seed: int,
    checkpoint_every: int,
    metadata: dict[str, Any] | None = None,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
    on_checkpoint: Callable[[MetaState], None] | None = None,
) -> tuple[MetaState, float, float]:
    """Run `learner` up to `generations`, checkpointing and logging into `out_dir`.

    The folder gets `state.eqx` (every `checkpoint_every` generations and at the end; its header
    holds `metadata`, the generation and the wall seconds so far) and `log.jsonl` (one record
    per generation, with its seconds, JAX backend and devices). If `state.eqx` exists the run
    resumes from it: generations after the last checkpoint are recomputed (the keys are
    deterministic) and their log lines rewritten.
    Works for any synthetic environment the learner searches (bandit, MDP, reward network).

    **Arguments:** `learner`; `out_dir`; `generations` (the total to reach); `seed` (the
    initial state's PRNG seed); `checkpoint_every`; `metadata` (JSON-serialisable, stored in
    the checkpoint header); `on_generation`, called with each log record; `on_checkpoint`,
    called with the state at each checkpoint (e.g. to save the mean environment).

    **Returns:** `(state, wall_seconds, compile_seconds)`; wall seconds include earlier
    sessions of a resumed run.

    **Raises:** `CheckpointError` if `state.eqx` does not match the learner's state.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_path, log_path = out / STATE_FILE, out / LOG_FILE
    if state_path.exists():
        state, header = load_meta_state(learner, out, seed)
        elapsed = float(header["wall_seconds"])
    else:
        state, elapsed = learner.init(jax.random.PRNGKey(seed)), 0.0
    start_generation = int(state.generation)
    log_lines = _read_log(log_path, start_generation)
    atomic_write_text(log_path, "".join(ln + "\n" for ln in log_lines))

    def checkpoint(state: MetaState, elapsed: float) -> None:
        header = {**(metadata or {}), "kind": "meta_state", "generation": int(state.generation),
                  "wall_seconds": elapsed}
        if on_checkpoint is not None:
            on_checkpoint(state)
        save(state_path, state, header)

    t_start = time.perf_counter()
    compile_seconds = 0.0
    if start_generation < generations:
        t0 = time.perf_counter()
        step = eqx.filter_jit(learner.step).lower(state).compile()
        compile_seconds += time.perf_counter() - t0
        # Where each generation ran (a resumed run may change machines): "cpu" or "gpu", and
        # e.g. "2 x cpu" or "1 x NVIDIA H100 80GB HBM3".
        backend = jax.default_backend()
        devices = device_description()
        with open(log_path, "a", encoding="utf-8") as log:
            for _ in range(start_generation, generations):
                t_gen = time.perf_counter()
                state, metrics = step(state)
                metrics = jax.device_get(metrics)
                index = int(metrics.pop("algorithm"))
                record = {
                    "generation": int(state.generation),
                    "algorithm": learner.inner_loop.names[index] if index >= 0 else "all",
                    "eval_horizon": int(metrics.pop("eval_horizon")),
                }
                record.update({k: float(v) for k, v in metrics.items()})
                record["seconds"] = time.perf_counter() - t_gen
                record["backend"], record["devices"] = backend, devices
                log.write(json.dumps(record) + "\n")
                log.flush()
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
) -> dict[str, Any]:
    """Run (or resume) meta-learning and write the run folder described above.

    **Arguments:**

    - `config`: the run's configuration.
    - `out_dir`: the run folder.
    - `resume`: continue from `out_dir/state.eqx`; the saved `config.json` must equal `config`
      except for `generations`, which may be raised to extend a run (or lowered to no fewer
      than the checkpoint's generation).
      Generations after the last checkpoint are recomputed (the keys are deterministic) and
      their log lines rewritten, so the log holds each generation exactly once.
    - `on_generation`: called with each generation's log record (e.g. a progress bar).
    - `final_eval_episodes`: real episodes per agent in the final evaluation.

    **Returns:** the summary written to `summary.json`.

    **Raises:** `ResumeError` if `resume` is set and the folder has no checkpoint or a different
    config, or if it is not set and the folder already holds a run.
    """
    out = Path(out_dir)
    state_path = out / STATE_FILE
    learner = build_learner(config)

    if resume:
        if not state_path.exists():
            raise ResumeError(f"cannot resume: {state_path} does not exist")
        saved = MetaLearnConfig.from_dict(json.loads((out / CONFIG_FILE).read_text())).to_dict()
        requested = config.to_dict()
        if {**saved, "generations": 0} != {**requested, "generations": 0}:
            raise ResumeError(
                f"cannot resume {out}: its config.json differs from the requested config in "
                "more than `generations` "
                f"(saved {saved}, requested {requested})"
            )
        saved_generation = latest_generation(out)
        if config.generations < saved_generation:
            raise ResumeError(
                f"cannot resume {out} with generations={config.generations}: its checkpoint is "
                f"already at generation {saved_generation}"
            )
        if saved != requested:  # a longer (or shorter) run of the same configuration
            atomic_write_text(out / CONFIG_FILE, json.dumps(requested, indent=2) + "\n")
    else:
        if state_path.exists():
            raise ResumeError(f"{out} already holds a run; pass resume=True or another folder")
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / CONFIG_FILE, json.dumps(config.to_dict(), indent=2) + "\n")

    def save_mean(state: MetaState) -> None:
        env_meta = {"generation": int(state.generation), "config": config.to_dict()}
        save_environment(out / ENV_FILE, learner.mean_environment(state), config.env_id, env_meta)

    state, elapsed, compile_seconds = evolve(
        learner, out, config.generations, config.seed, config.checkpoint_every,
        {"config": config.to_dict()}, on_generation, save_mean,
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
    atomic_write_text(out / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
    plot_meta_training(out / LOG_FILE, out / PLOT_FILE, title=f"{config.env_id}: {out.name}")
    return summary


def latest_generation(out_dir: str | Path) -> int:
    """The generation of the checkpoint in `out_dir` (0 if there is none)."""
    path = Path(out_dir) / STATE_FILE
    return int(read_header(path)["generation"]) if path.exists() else 0
