"""Compare synthetic environments of one real environment by the agents they train.

Trains `--runs` random-hyperparameter agents per algorithm for 10k steps on each checkpoint
(the same draws and seeds on each: `synthax.meta.compare_environments`), evaluates each agent on
`--episodes` real episodes, and writes the IQM with its 95% interval per algorithm and checkpoint
to `--out` (JSON; with each run's return and hyperparameter draw,
`synthax.meta.hyperparameter_draws`), without the real-environment arm that `synthax evaluate`
adds. It decides between a meta-learning stage's input and its result on a seed other than the
results page's (seed 0), so that the page's evaluation stays a held-out one.

    SYNTHAX_CPU_DEVICES=2 python experiments/compare_checkpoints.py \\
        --config experiments/configs/pendulum.yaml --seed 1 --out experiments/results/x.json \\
        experiments/runs/Pendulum-v1-true-critic-actors-scaled/env.eqx \\
        experiments/runs/Pendulum-v1-ppo-finish/env.eqx
"""

import argparse
import json
import sys
import time
from pathlib import Path

from synthax.checkpoints import load_environment
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import make
from synthax.meta import (
    MetaLearnConfig,
    compare_environments,
    hyperparameter_draws,
    interval_cell,
)
from synthax.parallel import population_sharding, restart_with_cpu_devices


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", type=Path, nargs="+", help="env.eqx files, one env_id")
    parser.add_argument("--config", type=Path, required=True,
                        help="config whose agents and agent_kwargs train the agents")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    args = parser.parse_args()
    if args.runs < 1 or args.episodes < 1:
        parser.error(f"--runs and --episodes must be >= 1, got {args.runs} and {args.episodes}")
    if args.out.exists():
        parser.error(f"--out {args.out} exists; pass a new file")
    if len(set(args.checkpoints)) != len(args.checkpoints):
        parser.error("each checkpoint once, please")
    enable_compilation_cache()
    config = MetaLearnConfig.from_file(args.config).resolved()
    real = make(config.env_id)
    arms = {str(path): load_environment(path, config.env_id) for path in args.checkpoints}
    t0 = time.perf_counter()

    def show(row):
        print(f"{row['algorithm']} {row['arm']}: {interval_cell(row)}", file=sys.stderr,
              flush=True)

    rows, returns = compare_environments(
        config.env_id, real, arms, algorithms=tuple(config.agents),
        agent_kwargs=config.agent_kwargs, num_runs=args.runs, num_eval_episodes=args.episodes,
        seed=args.seed, on_row=show, sharding=population_sharding(args.runs))
    result = {"env_id": config.env_id, "config": str(args.config), "runs": args.runs,
              "episodes": args.episodes, "seed": args.seed,
              "wall_seconds": time.perf_counter() - t0, "rows": rows, "returns": returns,
              "hyperparameters": hyperparameter_draws(tuple(config.agents), config.agent_kwargs,
                                                      args.runs, args.seed)}
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(args.out)


if __name__ == "__main__":
    main()
