"""Compare training environments: agents with random hyperparameters trained for the same number
of steps in each, all evaluated in the real environment.

This is the evaluation of Liesen et al. (2024), arXiv:2406.12589, Table 1 / Fig. 3: for each
algorithm, `num_runs` agents whose hyperparameters are drawn from `SEARCH_SPACES` train 10k steps
in a synthetic environment; their real-environment returns are summarised by the IQM with 95%
bootstrap intervals. The same draws and seeds train in every arm (e.g. synthax's environment,
synthetic-gymnax's, and the real environment itself), so arms are paired.
"""

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np

from synthax.agents import INNER_LOOP, make_agent
from synthax.checkpoints.io import atomic_write_text
from synthax.envs import AbstractEnvironment
from synthax.evaluation import iqm_interval

from .inner_loop import InnerLoop

DISCRETE_ALGORITHMS = ("ppo", "sac", "dqn")
CONTINUOUS_ALGORITHMS = ("ppo", "sac", "ddpg", "td3")
FIELDS = ("env_id", "algorithm", "arm", "steps", "runs", "episodes_per_run", "iqm", "ci_low",
          "ci_high", "mean", "std", "train_seconds", "compile_seconds")


def default_algorithms(real_env: AbstractEnvironment) -> tuple[str, ...]:
    """The paper's algorithms for `real_env`'s action space: PPO, SAC, DQN for discrete actions;
    PPO, SAC, DDPG, TD3 for `Box` actions."""
    return DISCRETE_ALGORITHMS if real_env.is_discrete else CONTINUOUS_ALGORITHMS


def compare_environments(
    env_id: str,
    real_env: AbstractEnvironment,
    arms: dict[str, AbstractEnvironment],
    algorithms: tuple[str, ...] | None = None,
    agent_kwargs: dict[str, dict[str, Any]] | None = None,
    num_runs: int = 20,
    num_eval_episodes: int = 50,
    seed: int = 0,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    *,
    sharding: Any = None,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[float]]]]:
    """Train `num_runs` random-hyperparameter agents per algorithm in every arm; evaluate in
    `real_env`.

    **Arguments:**

    - `env_id`: the real environment's id (for the records).
    - `real_env`: where every agent is evaluated.
    - `arms`: training environments by name, e.g. ``{"synthax": env, "real": real_env}``.
    - `algorithms`: agent names (default: `default_algorithms(real_env)`).
    - `agent_kwargs`: per algorithm, overrides of the inner-loop sizes `INNER_LOOP` (10k steps).
    - `num_runs`: agents per algorithm and arm; `num_eval_episodes`: real episodes per agent.
    - `seed`: run `i` of algorithm `a` uses the same hyperparameter draw and seed in every arm.
    - `on_row`: called with each result row as soon as it is measured.
    - `sharding` (keyword-only): splits each cell's `num_runs` agents over devices, e.g.
      `synthax.parallel.population_sharding(num_runs)`; `None` (default) adds no constraint.

    **Returns:** `(rows, returns)`: one row per (algorithm, arm) with the fields `FIELDS`
    (IQM and 95% interval over runs of each run's mean return, `train_seconds` wall time of
    the arm's runs, compilation excluded), and ``returns[algorithm][arm]``, the `num_runs`
    per-run mean returns.

    **Raises:** `ValueError` for `num_runs < 1`, `num_eval_episodes < 1` or an empty `arms`;
    `KeyError` for an unknown algorithm.
    """
    if num_runs < 1 or num_eval_episodes < 1:
        raise ValueError(f"num_runs and num_eval_episodes must be >= 1, got {num_runs} and "
                         f"{num_eval_episodes}")
    if not arms:
        raise ValueError("arms is empty; pass at least one training environment")
    algorithms = tuple(algorithms or default_algorithms(real_env))
    loop = _inner_loop(algorithms, agent_kwargs)
    rows, returns = [], {}
    for index, name in enumerate(algorithms):
        key = _algorithm_key(seed, index)
        returns[name] = {}
        for arm, train_env in arms.items():
            run = eqx.filter_jit(
                lambda env, key, index=index: loop.evaluate(
                    index, env, real_env, key, num_runs, num_eval_episodes, sharding=sharding
                )
            )
            t0 = time.perf_counter()
            compiled = run.lower(train_env, key).compile()
            compile_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            per_run = np.asarray(jax.device_get(compiled(train_env, key)), np.float64)
            train_seconds = time.perf_counter() - t0
            point, low, high = iqm_interval(per_run, seed=seed)
            row = {
                "env_id": env_id, "algorithm": name, "arm": arm,
                "steps": int(loop.agents[index].total_timesteps), "runs": num_runs,
                "episodes_per_run": num_eval_episodes, "iqm": point, "ci_low": low,
                "ci_high": high, "mean": float(per_run.mean()), "std": float(per_run.std()),
                "train_seconds": train_seconds, "compile_seconds": compile_seconds,
            }
            rows.append(row)
            returns[name][arm] = per_run.tolist()
            if on_row is not None:
                on_row(row)
    return rows, returns


def _inner_loop(algorithms: tuple[str, ...],
                agent_kwargs: dict[str, dict[str, Any]] | None) -> InnerLoop:
    """The random-hyperparameter inner loop `compare_environments` trains `algorithms` with."""
    agent_kwargs = agent_kwargs or {}
    agents = [make_agent(name, **{**INNER_LOOP[name], **agent_kwargs.get(name, {})})
              for name in algorithms]
    return InnerLoop(agents, random_hyperparameters=True)


def _algorithm_key(seed: int, index: int) -> jax.Array:
    """The key of algorithm `index`'s runs in `compare_environments(seed=seed)`."""
    return jax.random.fold_in(jax.random.PRNGKey(seed), index)


def hyperparameter_draws(
    algorithms: tuple[str, ...],
    agent_kwargs: dict[str, dict[str, Any]] | None = None,
    num_runs: int = 20,
    seed: int = 0,
) -> dict[str, list[dict[str, bool | int | float]]]:
    """The hyperparameters that `compare_environments` with the same `algorithms`,
    `agent_kwargs`, `num_runs` and `seed` draws: per algorithm, one `{field: value}` per run, in
    the order of its `returns`, so that a run's return can be read beside its draw (e.g. which
    learning rates fail). Draws nothing but the hyperparameters; trains no agent.

    **Raises:** `ValueError` for `num_runs < 1`; `KeyError` for an unknown algorithm.
    """
    if num_runs < 1:
        raise ValueError(f"num_runs must be >= 1, got {num_runs}")
    loop = _inner_loop(tuple(algorithms), agent_kwargs)
    return {name: loop.drawn_hyperparameters(index, _algorithm_key(seed, index), num_runs)
            for index, name in enumerate(algorithms)}


def interval_cell(row: dict[str, Any] | None) -> str:
    """A row of `compare_environments` as a table cell, `"IQM [low, high]"` to one decimal
    (`"594.5 [552.4, 673.8]"`), or `"-"` for `None` or an empty row (a cell not measured)."""
    if not row:
        return "-"
    return f"{row['iqm']:.1f} [{row['ci_low']:.1f}, {row['ci_high']:.1f}]"


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Rows of `compare_environments` as a markdown table: one line per (env, algorithm), one
    column per arm, cells `IQM [low, high]`."""
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    lines = ["| env | algorithm | " + " | ".join(arms) + " |",
             "|---|---|" + "---|" * len(arms)]
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows:
        cells.setdefault((r["env_id"], r["algorithm"]), {})[r["arm"]] = interval_cell(r)
    for (env_id, algorithm), by_arm in cells.items():
        lines.append(f"| {env_id} | {algorithm} | "
                     + " | ".join(by_arm.get(a, "-") for a in arms) + " |")
    return "\n".join(lines) + "\n"


def write_results(
    out_dir: str | Path, rows: list[dict[str, Any]], returns: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write `results.csv`, `results.json` (rows, per-run returns, `metadata`) and `results.md`
    to `out_dir`, atomically.

    **Returns:** the three paths by format (`"csv"`, `"json"`, `"md"`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    paths = {"csv": out / "results.csv", "json": out / "results.json", "md": out / "results.md"}
    atomic_write_text(paths["csv"], buffer.getvalue())
    payload = {"rows": rows, "returns": returns, "metadata": metadata or {}}
    atomic_write_text(paths["json"], json.dumps(payload, indent=2) + "\n")
    atomic_write_text(paths["md"], markdown_table(rows))
    return paths
