"""Does a bandit's reward network need its input scaled? Early SNES generations, with and without.

MountainCar's velocity spans only +-0.07, so with raw observations it barely moves a random
reward network's output, and agents trained on such bandits learn policies that ignore it, which
never climb the hill: every candidate scores -horizon and the search has no signal. This script
measures that. For each `scale_reward_input` in (off, on) and each `--sigmas` value it runs
`--generations` generations of SNES (population 32, the same initial bandit and keys) with one
inner-loop algorithm (random hyperparameters, the peer's 10k-step sizes) and a fixed evaluation
horizon, and counts the generations in which some candidate scored above `--threshold` (default:
MountainCar-v0 -horizon, i.e. some agent reached the goal in time; MountainCarContinuous-v0 0,
i.e. some agent collected the goal's +100; Pendulum-v1 -1000, better than PPO's -1327 after 10k
real steps in docs/results.md).

    python experiments/reward_input_scaling.py --env MountainCar-v0
    python experiments/reward_input_scaling.py --env MountainCarContinuous-v0
    python experiments/reward_input_scaling.py --env Pendulum-v1

Writes `experiments/results/reward_input_scaling/<env_id>.json` and prints a markdown table.
"""

import argparse
import json
import time
from pathlib import Path

import equinox as eqx
import jax

from synthax._compilation_cache import enable_compilation_cache
from synthax.checkpoints.io import atomic_write_text
from synthax.meta import MetaLearnConfig
from synthax.meta.run import build_learner

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {  # agent, evaluation horizon, threshold
    "MountainCar-v0": ("dqn", 1000, -1000.0),
    "MountainCarContinuous-v0": ("ppo", 999, 0.0),
    "Pendulum-v1": ("ppo", 200, -1000.0),
}


def run(env_id: str, agent: str, horizon: int, sigma: float, scale: bool, generations: int,
        population_size: int) -> list[dict]:
    config = MetaLearnConfig(
        env_id=env_id, agents=[agent], random_hyperparameters=True, sigma_init=sigma,
        scale_reward_input=scale, population_size=population_size, num_eval_episodes=8,
        num_mean_eval_seeds=1,
        eval_horizon=dict(init_value=horizon, end_value=horizon),
    )
    learner = build_learner(config)
    state = learner.init(jax.random.PRNGKey(0))
    step = eqx.filter_jit(learner.step)
    records = []
    for generation in range(generations):
        t0 = time.perf_counter()
        state, metrics = step(state)
        record = {"generation": generation, **{k: float(v) for k, v in metrics.items()},
                  "seconds": time.perf_counter() - t0}
        print(json.dumps({"sigma": sigma, "scale_reward_input": scale, **record}), flush=True)
        records.append(record)
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=sorted(DEFAULTS), default="MountainCar-v0")
    parser.add_argument("--agent", default=None, help="inner-loop algorithm (default per env)")
    parser.add_argument("--horizon", type=int, default=None, help="evaluation time limit")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[0.05, 0.3])
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--population-size", type=int, default=32)
    args = parser.parse_args()
    agent, horizon, threshold = DEFAULTS[args.env]
    agent = args.agent or agent
    horizon = args.horizon or horizon
    threshold = threshold if args.threshold is None else args.threshold
    enable_compilation_cache()
    rows = []
    for scale in (False, True):
        for sigma in args.sigmas:
            records = run(args.env, agent, horizon, sigma, scale, args.generations,
                          args.population_size)
            rows.append({
                "scale_reward_input": scale, "sigma_init": sigma,
                "generations_above_threshold": sum(r["fitness_max"] > threshold
                                                   for r in records),
                "best_fitness": max(r["fitness_max"] for r in records),
                "records": records,
            })
    result = {"env_id": args.env, "agent": agent, "eval_horizon": horizon,
              "threshold": threshold, "generations": args.generations,
              "population_size": args.population_size, "rows": rows}
    out = ROOT / "experiments" / "results" / "reward_input_scaling" / f"{args.env}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    print(f"\n{args.env}, {agent} inner loop, horizon {horizon}, population "
          f"{args.population_size}, {args.generations} generations:\n")
    print("| scale_reward_input | sigma_init | generations with a candidate above "
          f"{threshold:g} | best fitness |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {'on' if row['scale_reward_input'] else 'off'} | {row['sigma_init']:g} | "
              f"{row['generations_above_threshold']}/{args.generations} | "
              f"{row['best_fitness']:.1f} |")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
