"""Train every agent with its named configuration on real gymnax environments; write the table.

    python experiments/agents_on_real_envs.py            # all runs, skipping finished ones
    python experiments/agents_on_real_envs.py --only dqn:CartPole-v1 --force

Each run trains 5 seeds (vmapped, one compiled program) and evaluates each final policy on 32
episodes of the real environment (deterministic actions). Results go to
`experiments/results/agents_on_real_envs.json` (one entry per run, written after each run, so an
interrupted sweep resumes where it stopped) and the table `docs/agents.md`.
"""

import argparse
import json
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from synthax.agents import make_agent
from synthax.agents.hyperparameters import config
from synthax.checkpoints.io import atomic_write_text
from synthax.envs import make
from synthax.meta import train_and_evaluate
from synthax.parallel import restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "experiments" / "results" / "agents_on_real_envs.json"
TABLE = ROOT / "docs" / "agents.md"

# (agent, environment, target mean return, what the target means)
RUNS = [
    ("dqn", "CartPole-v1", 475.0, ">= 475 within 200k steps"),
    ("ppo", "CartPole-v1", 475.0, ">= 475 within 500k steps"),
    ("ppo", "Acrobot-v1", -100.0, ">= -100"),
    ("sac", "CartPole-v1", 400.0, ">= 400"),
    ("td3", "Pendulum-v1", -250.0, ">= -250 within 50k steps"),
    ("ddpg", "Pendulum-v1", -250.0, ">= -250 within 50k steps"),
    ("sac", "Pendulum-v1", -250.0, ">= -250 within 50k steps"),
    ("ppo", "Pendulum-v1", -400.0, ">= -400"),
    ("td3", "MountainCarContinuous-v0", 0.0, "> 0"),
]


def run_one(agent_name: str, env_id: str, seeds: int, episodes: int) -> dict:
    cfg = config(agent_name, env_id)
    agent = make_agent(agent_name, **cfg)
    env = make(env_id)

    def train_all(key):
        keys = jax.random.split(key, seeds)
        return jax.vmap(lambda k: train_and_evaluate(agent, env, env, k, episodes))(keys)

    key = jax.random.PRNGKey(0)
    t0 = time.perf_counter()
    compiled = eqx.filter_jit(train_all).lower(key).compile()
    compile_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    returns = np.asarray(jax.block_until_ready(compiled(key)))
    wall = time.perf_counter() - t1
    per_seed = returns.mean(axis=1)
    return {
        "agent": agent_name, "env_id": env_id, "config": cfg,
        "steps": int(cfg.get("total_timesteps", agent.total_timesteps)),
        "seeds": seeds, "episodes_per_seed": episodes,
        "mean": float(per_seed.mean()), "std": float(per_seed.std()),
        "per_seed": [float(x) for x in per_seed],
        "train_seconds": wall, "compile_seconds": compile_seconds,
        "jax": jax.__version__, "platform": jax.devices()[0].platform,
    }


def write_table(results: dict) -> None:
    lines = [
        "# Agents on real environments",
        "",
        "Named configurations (`synthax.agents.hyperparameters.CONFIGS`), 5 seeds trained in one",
        "vmapped program, each evaluated on 32 episodes of the real environment with",
        "deterministic actions; mean ± standard deviation over seeds. Seconds are wall time of",
        "the 5 seeds together on a 2-core CPU (compilation apart). Regenerate with",
        "`python experiments/agents_on_real_envs.py`.",
        "",
        "| agent | environment | steps | return | target | met | train s | compile s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for agent, env_id, target, text in RUNS:
        r = results.get(f"{agent}:{env_id}")
        if r is None:
            lines.append(f"| {agent} | {env_id} | | not run | {text} | | | |")
            continue
        met = r["mean"] > target if env_id == "MountainCarContinuous-v0" else r["mean"] >= target
        lines.append(
            f"| {agent} | {env_id} | {r['steps']:,} | {r['mean']:.1f} ± {r['std']:.1f} | {text} "
            f"| {'yes' if met else 'no'} | {r['train_seconds']:.0f} | {r['compile_seconds']:.0f} |"
        )
    atomic_write_text(TABLE, "\n".join(lines) + "\n")


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="agent:env entries to run")
    parser.add_argument("--force", action="store_true", help="rerun finished entries")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--episodes", type=int, default=32)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for agent, env_id, _, _ in RUNS:
        name = f"{agent}:{env_id}"
        if args.only and name not in args.only:
            continue
        if name in results and not args.force:
            continue
        print(f"{name} ...", flush=True)
        results[name] = run_one(agent, env_id, args.seeds, args.episodes)
        print(json.dumps({k: results[name][k] for k in ("mean", "std", "train_seconds")}),
              flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(RESULTS, json.dumps(results, indent=2) + "\n")
    write_table(results)


if __name__ == "__main__":
    main()
