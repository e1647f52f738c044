"""Finish a synthetic bandit by choosing the scale of its reward with agents.

The true-critic fitness (`synthax.meta.TrueCriticReturn`) and the argmax policy's return do not
change when a bandit's reward is multiplied by a constant `c > 0`: Adam's steps and the argmax are
invariant to it. Agents are not: SAC tunes its temperature from an initial value of 1 against the
reward's size (Haarnoja et al. 2018, Eq. 18), and PPO's value loss and entropy bonus are weighed
against it. So a search on those fitnesses leaves the scale wherever the search drifted. This
experiment multiplies the reward network's output layer (weights and bias) by each `c` in
`--scales`, trains `--runs` random-hyperparameter agents per algorithm for 10k steps on each
scaled bandit (seed `--seed`, whose hyperparameter draws differ from those of the seed-0
evaluation on the results page), and evaluates them on the real environment. The scale with the
highest mean, over the algorithms, of the agents' IQM is written, as a new checkpoint, to
`--out/env.eqx`, with every row in `--out/reward_scale.json`.

    SYNTHAX_CPU_DEVICES=2 python experiments/reward_scale.py \\
        --checkpoint experiments/runs/Pendulum-v1-true-critic-actors/env.eqx \\
        --config experiments/configs/pendulum.yaml --scales 1 2 4 8 --runs 12 --seed 1 \\
        --out experiments/runs/Pendulum-v1-true-critic-actors-scaled
"""

import argparse
import json
import sys
import time
from pathlib import Path

import equinox as eqx
import numpy as np

from synthax.checkpoints import load_environment, read_header, save_environment
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import SyntheticContextualBandit, make
from synthax.meta import MetaLearnConfig, compare_environments
from synthax.parallel import population_sharding, restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent


def scale_reward(env: SyntheticContextualBandit, scale: float) -> SyntheticContextualBandit:
    """`env` with its reward multiplied by `scale` (the reward network's output layer, weights
    and bias, times `scale`); its resets are unchanged.

    **Raises:** `ValueError` if `scale` is not a finite number above 0.
    """
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0, got {scale}")
    last = env.reward_net.layers[-1]
    return eqx.tree_at(lambda e: (e.reward_net.layers[-1].weight, e.reward_net.layers[-1].bias),
                       env, (last.weight * scale, last.bias * scale))


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True, help="a bandit's env.eqx")
    parser.add_argument("--config", type=Path, required=True,
                        help="config whose agents and agent_kwargs train the agents")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 2.0, 4.0, 8.0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--episodes", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="a new folder")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out {args.out} exists and is not empty; choose a new folder")
    enable_compilation_cache()
    header = read_header(args.checkpoint)
    env_id = header["env_id"]
    env = load_environment(args.checkpoint, env_id=env_id)
    if not isinstance(env, SyntheticContextualBandit):
        parser.error(f"--checkpoint {args.checkpoint} holds a {type(env).__name__}; "
                     "allowed: SyntheticContextualBandit")
    config = MetaLearnConfig.from_file(args.config)
    real = make(env_id)
    arms = {f"x{scale:g}": scale_reward(env, scale) for scale in args.scales}
    t0 = time.perf_counter()
    rows, returns = compare_environments(
        env_id, real, arms, algorithms=tuple(config.agents), agent_kwargs=config.agent_kwargs,
        num_runs=args.runs, num_eval_episodes=args.episodes, seed=args.seed,
        on_row=lambda r: print(json.dumps(r), file=sys.stderr, flush=True),
        sharding=population_sharding(args.runs))
    wall = time.perf_counter() - t0
    by_scale = {scale: float(np.mean([r["iqm"] for r in rows if r["arm"] == f"x{scale:g}"]))
                for scale in args.scales}
    best = max(by_scale, key=by_scale.get)
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python experiments/reward_scale.py " + " ".join(sys.argv[1:])
    save_environment(args.out / "env.eqx", arms[f"x{best:g}"], env_id,
                     metadata={**header.get("metadata", {}), "reward_scale": best,
                               "reward_scale_of": str(args.checkpoint), "command": command})
    result = {"env_id": env_id, "checkpoint": str(args.checkpoint), "config": str(args.config),
              "scales": args.scales, "runs": args.runs, "episodes": args.episodes,
              "seed": args.seed, "wall_seconds": wall, "mean_iqm_by_scale": by_scale,
              "best": best, "rows": rows, "returns": returns, "command": command}
    atomic_write_text(args.out / "reward_scale.json", json.dumps(result, indent=1) + "\n")
    for scale, value in by_scale.items():
        print(f"x{scale:g}: mean IQM over {', '.join(config.agents)} {value:.1f}"
              + ("  <- written" if scale == best else ""))


if __name__ == "__main__":
    main()
