"""Regenerate docs/brax.md: synthetic environments for the five Brax tasks, evaluated.

For each Brax task, train 20 agents per algorithm (PPO, SAC, DDPG, TD3) with random
hyperparameters for 10k steps in each arm and evaluate each on 16 real episodes of 1,000 steps;
report the IQM with 95% stratified-bootstrap intervals. The arms: synthax's own environment (a
finished or checkpointed run in `experiments/runs/<name>/`), synthetic-gymnax's (imported from
its wheel as data) and the real environment itself. Every arm draws the same hyperparameters and
seeds. The real environment runs on synthax's default backend for the task unless `--backend`
names another (synthetic-gymnax learned and reported on brax's generalized backend, a different
physics from spring's). Results go to `experiments/results/brax/<name>/<backend>/` after each
(algorithm, arm) cell, and measured cells are reused unless `--force`, so an interrupted run
loses at most one cell.

    pip download --no-deps synthetic-gymnax==0.0.1 -d sg
    pip install -e '.[brax]'
    python experiments/brax_results.py --synthetic-gymnax sg/synthetic_gymnax-0.0.1-py3-none-any.whl
"""

import argparse
import json
import sys
from pathlib import Path

from synthax.checkpoints import import_from_wheel, load_environment, read_header
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import make
from synthax.envs.brax_env import BRAX_ENVS, DEFAULT_BACKENDS
from synthax.meta import MetaLearnConfig, compare_environments, interval_cell, write_results
from synthax.parallel import population_sharding, restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
ALGORITHMS = ("ppo", "sac", "ddpg", "td3")
ARMS = ("synthax", "synthetic-gymnax", "real")
# Liesen et al. (2024), Table 2 as quoted from its README: IQM over 20 random-hyperparameter
# runs; agents trained 10k steps on synthetic-gymnax's environment, and a tuned agent trained
# 5M steps on the real one (brax's generalized backend). Reported, not run here.
REPORTED_SYNTHETIC = {
    "halfcheetah": {"ppo": 1657, "sac": 5810, "ddpg": 6162, "td3": 6556},
    "hopper": {"ppo": 854, "sac": 2739, "ddpg": 3012, "td3": 2985},
    "humanoidstandup": {"ppo": 13356, "sac": 21105, "ddpg": 21039, "td3": 20372},
    "swimmer": {"ppo": 349, "sac": 362, "ddpg": 365, "td3": 365},
    "walker2d": {"ppo": 858, "sac": 1323, "ddpg": 1304, "td3": 1322},
}
REPORTED_REAL_5M = {
    "halfcheetah": {"ppo": 3487, "sac": 7736, "ddpg": 3263, "td3": 13214},
    "hopper": {"ppo": 2522, "sac": 3119, "ddpg": 1536, "td3": 3326},
    "humanoidstandup": {"ppo": 17244, "sac": 23808, "ddpg": 24945, "td3": 28376},
    "swimmer": {"ppo": 84, "sac": 125, "ddpg": 349, "td3": 232},
    "walker2d": {"ppo": 2040, "sac": 4140, "ddpg": 698, "td3": 4606},
}
COMMAND = ("python experiments/brax_results.py --synthetic-gymnax "
           "sg/synthetic_gymnax-0.0.1-py3-none-any.whl")



def synthax_env(name):
    """synthax's environment for `name` (the run's mean environment) and a line on its scale,
    or `(None, reason)` when no run has a checkpoint yet."""
    run = ROOT / "experiments" / "runs" / name
    if not (run / "env.eqx").exists():
        return None, "no run yet"
    config = MetaLearnConfig.from_dict(json.loads((run / "config.json").read_text()))
    generation = int(read_header(run / "env.eqx")["metadata"]["generation"])
    backend = config.env_kwargs.get("backend", DEFAULT_BACKENDS[name])
    scale = (f"{', '.join(config.agents)} inner loop, population {config.population_size}, "
             f"{config.num_eval_episodes} evaluation episodes, generation {generation} of "
             f"{config.generations}, learned on the {backend} backend")
    return load_environment(run / "env.eqx", name), scale


def evaluate_env(name, wheel, runs, episodes, arms_wanted, force, backend=None):
    """Measure the missing arms of one environment, one arm at a time, saving after each."""
    real = make(name) if backend is None else make(name, backend=backend)
    out = ROOT / "experiments" / "results" / "brax" / name / real.backend
    results = {"rows": [], "returns": {}, "metadata": {}}
    if (out / "results.json").exists() and not force:
        results = json.loads((out / "results.json").read_text())
    metadata = {"runs": runs, "episodes": episodes, "seed": 0, "backend": real.backend,
                "time_limit": real.time_limit}
    if results["metadata"] and {k: results["metadata"].get(k) for k in metadata} != metadata:
        results = {"rows": [], "returns": {}, "metadata": {}}  # measured at another size
    env, scale = synthax_env(name)
    if env is not None and results["metadata"].get("synthax_scale") != scale:
        results["rows"] = [r for r in results["rows"] if r["arm"] != "synthax"]
    metadata["synthax_scale"] = scale
    metadata["synthetic_gymnax_wheel"] = (Path(wheel).name if wheel else
                                          results["metadata"].get("synthetic_gymnax_wheel"))
    config = MetaLearnConfig.from_file(ROOT / "experiments" / "configs" / f"{name}.yaml")
    done = {(r["algorithm"], r["arm"]) for r in results["rows"]}
    for arm in arms_wanted:
        if arm == "synthax" and env is None or arm == "synthetic-gymnax" and wheel is None:
            continue
        train_env = {"synthax": env, "real": real}.get(arm)
        for algorithm in ALGORITHMS:
            if (algorithm, arm) in done:
                continue
            if train_env is None:  # synthetic-gymnax's, read once the arm is needed
                train_env = import_from_wheel(wheel, real, name)
            rows, returns = compare_environments(
                name, real, {arm: train_env}, algorithms=(algorithm,),
                agent_kwargs=config.agent_kwargs, num_runs=runs, num_eval_episodes=episodes,
                seed=0, on_row=lambda r: print(json.dumps(r), file=sys.stderr, flush=True),
                sharding=population_sharding(runs),
            )
            results["rows"] += rows
            results["returns"].setdefault(algorithm, {}).update(returns[algorithm])
            results["metadata"] = metadata
            write_results(out, results["rows"], results["returns"], metadata)
    results["metadata"] = metadata
    return results


def env_section(name, results):
    meta = results["metadata"]
    rows = {(r["algorithm"], r["arm"]): r for r in results["rows"]}
    lines = [
        f"## {name}, {meta.get('backend')} backend", "",
        f"Real environment: brax `{name}`, {meta.get('backend')} backend, "
        f"{meta.get('time_limit')}-step episodes. synthax's environment: "
        f"{meta.get('synthax_scale')}.", "",
        "| algorithm | synthax | synthetic-gymnax (imported) | real env, 10k steps | "
        "synthetic-gymnax reported, 10k synthetic | reported tuned real, 5M steps |",
        "|---|---|---|---|---|---|",
    ]
    for algorithm in ALGORITHMS:
        lines.append(
            f"| {algorithm} | {interval_cell(rows.get((algorithm, 'synthax')))} | "
            f"{interval_cell(rows.get((algorithm, 'synthetic-gymnax')))} | "
            f"{interval_cell(rows.get((algorithm, 'real')))} | "
            f"{REPORTED_SYNTHETIC[name][algorithm]} | {REPORTED_REAL_5M[name][algorithm]} |"
        )
    seconds = sum(r["train_seconds"] + r["compile_seconds"] for r in results["rows"])
    lines += ["", f"Measured arms took {seconds / 60:.1f} min (training, evaluation and "
              "compilation).", ""]
    return lines


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-gymnax", dest="wheel", default=None,
                        help="synthetic_gymnax-0.0.1-py3-none-any.whl (pip download)")
    parser.add_argument("--only", nargs="*", choices=BRAX_ENVS, default=list(BRAX_ENVS))
    parser.add_argument("--arms", nargs="*", choices=ARMS, default=list(ARMS))
    parser.add_argument("--backend", default=None,
                        help="brax backend of the real environment (default: synthax's for "
                             "each task, synthax.envs.brax_env.DEFAULT_BACKENDS)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=16)
    parser.add_argument("--force", action="store_true", help="remeasure cached arms")
    parser.add_argument("--page-only", action="store_true",
                        help="rewrite docs/brax.md from the cached results")
    args = parser.parse_args()
    enable_compilation_cache()
    if not args.page_only:
        for name in args.only:  # in the order given
            evaluate_env(name, args.wheel, args.runs, args.episodes, args.arms, args.force,
                         args.backend)
    sections = []
    for name in BRAX_ENVS:
        for out in sorted((ROOT / "experiments" / "results" / "brax" / name).glob(
                "*/results.json")):
            sections += env_section(name, json.loads(out.read_text()))
    intro = [
        "## Results", "",
        f"IQM of the real return of {args.runs} agents per algorithm with random "
        "hyperparameters (synthetic-gymnax's lists), trained 10k steps in each arm and "
        f"evaluated on {args.episodes} real episodes of 1,000 steps; in brackets the 95% "
        "stratified-bootstrap interval. Every arm draws the same hyperparameters and seeds. "
        "A `-` is a cell not measured yet. synthetic-gymnax's own numbers are quoted from its "
        "paper (brax's generalized backend). Regenerate with:", "",
        "```bash", "pip download --no-deps synthetic-gymnax==0.0.1 -d sg",
        COMMAND.replace(" --synthetic-gymnax", " \\\n    --synthetic-gymnax"), "```",
        "",
    ]
    sections = [line.replace("## ", "### ", 1) if line.startswith("## ") else line
                for line in sections]
    page = Path(ROOT / "docs" / "brax.md")
    head, _, _ = page.read_text().partition("<!-- results -->")
    atomic_write_text(page, head + "<!-- results -->\n\n" + "\n".join(intro + sections))


if __name__ == "__main__":
    main()
