"""What do the synthetic bandits' reward networks ask for? Their optimal policies on the real envs.

A contextual bandit's optimal policy is `argmax_a r(s, a)` in every observation
(`synthax.evaluation.optimal_bandit_policy`; for `Box` actions a 41-point grid per dimension).
This script rolls that policy out in the real environment, with no agent training, for synthax's
environment of each classic-control run (the shipped one, `shipped_checkpoint` of
`experiments/metalearn_classic_control.py`, once it exists: the search mean at the run's last
checkpoint, finished or not) and for synthetic-gymnax's imported one. Agents trained
on a bandit learn at best its optimal policy, so a low return here means that the reward network
does not encode a solution, whatever the agents; a high one, that it does and the agents must
still learn it from 10k samples.

    python experiments/bandit_optimum.py \
        --synthetic-gymnax .whl/synthetic_gymnax-0.0.1-py3-none-any.whl

Writes `experiments/results/bandit_optimum.json` (read by `experiments/classic_control_results.py`)
and prints a markdown table.
"""

import argparse
import json
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

# experiments/metalearn_classic_control.py: the checkpoint each environment ships.
from metalearn_classic_control import ENV_IDS, shipped_checkpoint

from synthax.checkpoints import import_from_wheel, load_environment, read_header
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import make
from synthax.evaluation import evaluate, optimal_bandit_policy
from synthax.parallel import restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "experiments" / "results" / "bandit_optimum.json"


def optimal_returns(env, real, episodes: int, seed: int) -> np.ndarray:
    """Real returns, float `(episodes,)`, of `env`'s optimal bandit policy."""
    run = eqx.filter_jit(
        lambda env: evaluate(optimal_bandit_policy(env), real, jax.random.PRNGKey(seed),
                             episodes).returns)
    return np.asarray(run(env))


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-gymnax", type=Path, default=None,
                        help="synthetic-gymnax 0.0.1 wheel (adds its imported environments)")
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    enable_compilation_cache()
    rows = []
    for name, env_id in ENV_IDS.items():
        real = make(env_id)
        path = shipped_checkpoint(name)
        arms = {}
        if path.exists():
            generation = read_header(path)["metadata"].get("generation")
            arms["synthax"] = (load_environment(path, env_id), generation)
        if args.synthetic_gymnax is not None:
            arms["synthetic-gymnax"] = (import_from_wheel(args.synthetic_gymnax, real, env_id),
                                        None)
        for arm, (env, generation) in arms.items():
            returns = optimal_returns(env, real, args.episodes, args.seed)
            rows.append({"env_id": env_id, "arm": arm, "generation": generation,
                         "mean": float(returns.mean()), "median": float(np.median(returns)),
                         "returns": returns.tolist()})
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "returns"}), flush=True)
    result = {"episodes": args.episodes, "seed": args.seed, "points_per_dim": 41, "rows": rows}
    atomic_write_text(OUT, json.dumps(result, indent=1) + "\n")
    print("\n| env | arm | generation | mean | median |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['env_id']} | {row['arm']} | {row['generation'] or '-'} | "
              f"{row['mean']:.1f} | {row['median']:.1f} |")


if __name__ == "__main__":
    main()
