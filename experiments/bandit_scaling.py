"""Does a bandit need its networks scaled to the real bounds? Early SNES generations, both ways.

MountainCar's velocity spans only +-0.07, so with raw observations it barely moves a random
reward network's output, and agents trained on such bandits learn policies that ignore it, which
never climb the hill: every candidate scores -horizon and the search has no signal
(`scale_reward_input`). Pendulum's angular velocity spans +-8, but a random initial-state
network's outputs are of order 1, so resets start far inside that range and agents never see
the states of a swing-up (`scale_initial_state`). This script measures both. For each
`scale_reward_input` in (off, on), each `scale_initial_state` of `--scale-initial-state` and
each `--sigmas` value it runs `--generations` generations of SNES (population 32, the same
initial bandit and keys) with one inner-loop algorithm (random hyperparameters, the peer's
10k-step sizes) and a fixed evaluation horizon. It counts the generations in which some
candidate scored above `--threshold` (default: MountainCar-v0 -horizon, i.e. some agent reached
the goal in time; MountainCarContinuous-v0 0, i.e. some agent collected the goal's +100;
Pendulum-v1 -1000, better than PPO's -1327 after 10k real steps in docs/results.md) and
averages the population's mean fitness over the last 5 generations.

    python experiments/bandit_scaling.py --env MountainCar-v0
    python experiments/bandit_scaling.py --env MountainCarContinuous-v0
    python experiments/bandit_scaling.py --env Pendulum-v1 --scale-initial-state both \
        --generations 20

Writes `experiments/results/bandit_scaling/<env_id>.json` and prints a markdown table.
"""

import argparse
import json
import time
from pathlib import Path

import equinox as eqx
import jax

from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.meta import MetaLearnConfig
from synthax.meta.run import build_learner
from synthax.parallel import restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {  # agent, evaluation horizon, threshold
    "MountainCar-v0": ("dqn", 1000, -1000.0),
    "MountainCarContinuous-v0": ("ppo", 999, 0.0),
    "Pendulum-v1": ("ppo", 200, -1000.0),
}


LAST = 5  # generations averaged for `last_mean_fitness`
INITIAL_STATE_CHOICES = {"off": (False,), "on": (True,), "both": (False, True)}


def run(env_id: str, agent: str, horizon: int, sigma: float, scale: bool, scale_initial: bool,
        generations: int, population_size: int) -> list[dict]:
    config = MetaLearnConfig(
        env_id=env_id, agents=[agent], random_hyperparameters=True, sigma_init=sigma,
        scale_reward_input=scale, scale_initial_state=scale_initial,
        population_size=population_size, num_eval_episodes=8,
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
        print(json.dumps({"sigma": sigma, "scale_reward_input": scale,
                          "scale_initial_state": scale_initial, **record}), flush=True)
        records.append(record)
    return records


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=sorted(DEFAULTS), default="MountainCar-v0")
    parser.add_argument("--agent", default=None, help="inner-loop algorithm (default per env)")
    parser.add_argument("--horizon", type=int, default=None, help="evaluation time limit")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[0.05, 0.3])
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--population-size", type=int, default=32)
    parser.add_argument("--scale-initial-state", choices=sorted(INITIAL_STATE_CHOICES),
                        default="off", help="which scale_initial_state values to run")
    args = parser.parse_args()
    agent, horizon, threshold = DEFAULTS[args.env]
    agent = args.agent or agent
    horizon = args.horizon or horizon
    threshold = threshold if args.threshold is None else args.threshold
    enable_compilation_cache()
    rows = []
    for scale_initial in INITIAL_STATE_CHOICES[args.scale_initial_state]:
        for scale in (False, True):
            for sigma in args.sigmas:
                records = run(args.env, agent, horizon, sigma, scale, scale_initial,
                              args.generations, args.population_size)
                rows.append({
                    "scale_reward_input": scale, "scale_initial_state": scale_initial,
                    "sigma_init": sigma,
                    "generations_above_threshold": sum(r["fitness_max"] > threshold
                                                       for r in records),
                    "best_fitness": max(r["fitness_max"] for r in records),
                    "last_mean_fitness": sum(r["fitness_mean"] for r in records[-LAST:])
                    / len(records[-LAST:]),
                    "records": records,
                })
    result = {"env_id": args.env, "agent": agent, "eval_horizon": horizon,
              "threshold": threshold, "generations": args.generations,
              "population_size": args.population_size, "rows": rows}
    out = ROOT / "experiments" / "results" / "bandit_scaling" / f"{args.env}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    print(f"\n{args.env}, {agent} inner loop, horizon {horizon}, population "
          f"{args.population_size}, {args.generations} generations:\n")
    print("| scale_reward_input | scale_initial_state | sigma_init | generations with a "
          f"candidate above {threshold:g} | best fitness | mean fitness, last {LAST} |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {'on' if row['scale_reward_input'] else 'off'} | "
              f"{'on' if row['scale_initial_state'] else 'off'} | {row['sigma_init']:g} | "
              f"{row['generations_above_threshold']}/{args.generations} | "
              f"{row['best_fitness']:.1f} | {row['last_mean_fitness']:.1f} |")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
