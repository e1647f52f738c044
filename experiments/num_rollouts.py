"""Agents per population member (`num_rollouts`): one draw each, or the mean of several?

With random hyperparameters, one agent per member scores each candidate environment on a single
hyperparameter draw (shared by the population), so a generation's ranking is the ranking for that
draw. The peer trains 8 agents per member (`meta_config.num_rollouts`) and scores their mean. This
script compares `--rollouts` values at the same budget of agent trainings per member
(`--budget`): a run with `r` rollouts gets `budget // r` generations. Each run starts from a
config file's initial bandit and seed (default `experiments/configs/pendulum.yaml`) with the
inner loop `--agents` (default PPO only, the cheapest on a CPU) at `--population-size`, and ends
by training `--final-seeds` agents of every algorithm of the config (random hyperparameters) on
the search distribution's mean and evaluating them on the real environment.

    python experiments/num_rollouts.py --config experiments/configs/pendulum.yaml \
        --agents ppo --population-size 32 --rollouts 1 4 --budget 160

Writes `experiments/results/num_rollouts/<env_id>.json` (every generation's record and the final
evaluation) and prints a markdown table.
"""

import argparse
import json
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.meta import MetaLearnConfig
from synthax.meta.run import build_learner
from synthax.parallel import device_description, restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
WINDOW = 10  # generations averaged for the "last generations" columns


def run(config: MetaLearnConfig, final_config: MetaLearnConfig, final_seeds: int) -> dict:
    """`config.generations` generations, then `final_seeds` agents of each algorithm of
    `final_config` on the mean environment."""
    learner = build_learner(config)
    state = learner.init(jax.random.PRNGKey(config.seed))
    t0 = time.perf_counter()
    step = eqx.filter_jit(learner.step).lower(state).compile()
    compile_seconds = time.perf_counter() - t0
    records, t_run = [], time.perf_counter()
    for _ in range(config.generations):
        t0 = time.perf_counter()
        state, metrics = step(state)
        metrics = jax.device_get(metrics)
        record = {"generation": int(state.generation),
                  **{k: float(v) for k, v in metrics.items() if k != "algorithm"},
                  "seconds": time.perf_counter() - t0}
        print(json.dumps({"num_rollouts": config.num_rollouts, **record}), flush=True)
        records.append(record)
    seconds = time.perf_counter() - t_run
    mean_env = learner.mean_environment(state)
    final_learner = build_learner(final_config)
    final = {}
    key = jax.random.fold_in(jax.random.PRNGKey(config.seed), 2**31 - 1)
    for index, name in enumerate(final_learner.inner_loop.names):
        returns = eqx.filter_jit(final_learner.evaluate_environment)(
            mean_env, key, final_seeds, index)
        returns = np.asarray(jax.device_get(returns))
        final[name] = {"mean": float(returns.mean()), "std": float(returns.std()),
                       "n": int(returns.size)}
        print(json.dumps({"num_rollouts": config.num_rollouts, "final": name, **final[name]}),
              flush=True)
    return {"num_rollouts": config.num_rollouts, "generations": config.generations,
            "compile_seconds": compile_seconds, "seconds": seconds, "records": records,
            "final": final}


def _window(records: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in records[-WINDOW:]]))


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "experiments" / "configs"
                        / "pendulum.yaml")
    parser.add_argument("--agents", nargs="+", default=["ppo"],
                        help="inner-loop algorithms during the search")
    parser.add_argument("--population-size", type=int, default=32)
    parser.add_argument("--rollouts", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--budget", type=int, default=160,
                        help="agent trainings per member: generations x rollouts")
    parser.add_argument("--final-seeds", type=int, default=16)
    args = parser.parse_args()
    if any(r < 1 or args.budget % r for r in args.rollouts):
        parser.error(f"every --rollouts value must be >= 1 and divide --budget {args.budget}")
    enable_compilation_cache()
    base = MetaLearnConfig.from_file(args.config)
    search = base.replace(
        agents=args.agents,
        agent_kwargs={k: v for k, v in base.agent_kwargs.items() if k in args.agents},
        population_size=args.population_size,
    )
    rows = [run(search.replace(num_rollouts=r, generations=args.budget // r), base,
                args.final_seeds) for r in args.rollouts]
    result = {"env_id": base.env_id, "config": str(args.config.resolve().relative_to(ROOT)),
              "agents": args.agents, "population_size": args.population_size,
              "budget": args.budget, "final_seeds": args.final_seeds,
              "devices": device_description(), "rows": rows}
    out = ROOT / "experiments" / "results" / "num_rollouts" / f"{base.env_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    print(markdown(result))
    print(f"\nwrote {out.relative_to(ROOT)}")


def markdown(result: dict) -> str:
    """The table of a result file: one row per `num_rollouts` value, with the mean environment's
    return over the last generations of each run and over the same generations in all runs."""
    names = list(result["rows"][0]["final"])
    shared = min(row["generations"] for row in result["rows"])
    first = max(shared - WINDOW, 0)
    lines = [
        f"{result['env_id']}: search with {', '.join(result['agents'])} at population "
        f"{result['population_size']}, {result['budget']} agent trainings per member "
        f"({result['devices']}). *Mean environment*: agents of the search's algorithm trained on "
        "the search mean each generation (the log's `mean_return`), averaged over the last "
        f"{WINDOW} generations of each run and over generations {first + 1}-{shared}, which "
        f"every run reached. Final: {result['final_seeds']} agents per algorithm on the last "
        "mean environment (mean +- std of their real returns).",
        "",
        "| num_rollouts | generations | seconds | population mean fitness, last "
        f"{WINDOW} generations | mean environment, last {WINDOW} | mean environment, "
        f"generations {first + 1}-{shared} | " + " | ".join(names) + " |",
        "|---|---|---|---|---|---|" + "---|" * len(names),
    ]
    for row in result["rows"]:
        finals = " | ".join(f"{row['final'][n]['mean']:.1f} +- {row['final'][n]['std']:.1f}"
                            for n in names)
        same = np.mean([r["mean_return"] for r in row["records"][first:shared]])
        lines.append(
            f"| {row['num_rollouts']} | {row['generations']} | {row['seconds']:.0f} | "
            f"{_window(row['records'], 'fitness_mean'):.1f} | "
            f"{_window(row['records'], 'mean_return'):.1f} | {same:.1f} | {finals} |"
        )
    return "\n".join(lines)

if __name__ == "__main__":
    main()
