"""Synthetic MDPs for CartPole-v1 and Acrobot-v1, meta-learned with a DDQN inner loop.

Ferreira et al. (2022, arXiv:2202.02790), Section 5.1: a synthetic environment (SE) whose
transition, reward and termination are networks, started from the real environment's reset,
is meta-learned so that a double DQN trained on it solves the real task. Afterwards we measure,
over `--seeds` seeds, how many agent steps and wall seconds DDQN, and Dueling DDQN (an agent not
seen in meta-learning), need to reach the real solved return when trained on the SE versus on
the real environment, with the same hyperparameters and, for CartPole, also with synthax's DQN
configuration tuned for the real environment (`synthax.agents.hyperparameters.CONFIGS`).

    python experiments/synthetic_mdp.py --env CartPole-v1    # meta-learn (resumable) + evaluate
    python experiments/synthetic_mdp.py --env Acrobot-v1
    python experiments/synthetic_mdp.py --env CartPole-v1 --stage evaluate   # evaluation only

Writes `experiments/runs/SyntheticMDP-<env>/` (checkpoint, log, `env.eqx`, curve) and
`experiments/results/synthetic_mdp/<env>.json`; `experiments/learning_environments_report.py`
turns the results into `docs/learning-environments.md`.
"""

import argparse
import json
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from synthax.agents import DQN
from synthax.agents.hyperparameters import CONFIGS, config
from synthax.checkpoints import load_environment, save_environment
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import SyntheticMDP, make
from synthax.evaluation import learning_curve, steps_to_solve
from synthax.meta import InnerLoop, MetaLearner
from synthax.meta.run import evolve
from synthax.parallel import population_sharding, restart_with_cpu_devices
from synthax.plotting import plot_meta_training

ROOT = Path(__file__).resolve().parent.parent

# Per environment: the solved return, the SE's networks (Ferreira et al.: CartPole one hidden
# layer of 83 leaky-ReLU units; Acrobot 167 PReLU units, here leaky ReLU) and the step budgets.
SETTINGS = {
    "CartPole-v1": dict(solved=475.0, se_hidden=64, se_budget=10_000, real_budget=100_000),
    "Acrobot-v1": dict(solved=-100.0, se_hidden=64, se_budget=10_000, real_budget=100_000),
}
# The inner loop's DDQN (double-Q target, hard target copies every 500 steps).
DDQN = dict(double_q=True, num_envs=10, buffer_size=10_000, batch_size=128, learning_starts=1000,
            hidden_size=64, learning_rate=5e-4, gamma=0.99, exploration_fraction=0.2,
            target_update_freq=50)
META = dict(strategy="SNES", population_size=32, sigma_init=0.05, num_eval_episodes=8,
            num_mean_eval_seeds=4)


def build(env_id: str, train_steps: int):
    """The real environment, the SE template and the meta-learner."""
    settings = SETTINGS[env_id]
    real = make(env_id)
    template = SyntheticMDP.for_environment(real, hidden_size=settings["se_hidden"],
                                            key=jax.random.key(1))
    agent = DQN(total_timesteps=train_steps, **DDQN)
    learner = MetaLearner(real, InnerLoop(agent), template, **META,
                          sharding=population_sharding(META["population_size"]))
    return real, learner


def metalearn(env_id: str, generations: int, train_steps: int, out: Path) -> None:
    real, learner = build(env_id, train_steps)
    metadata = {"env_id": env_id, "train_steps": train_steps, "meta": META, "ddqn": DDQN}

    def progress(record):
        print(json.dumps(record), flush=True)

    def save_mean(state):
        save_environment(out / "env.eqx", learner.mean_environment(state), env_id,
                         {"generation": int(state.generation), **metadata})

    state, wall, compile_seconds = evolve(learner, out, generations, 0, 5, metadata, progress,
                                          save_mean)
    save_mean(state)
    summary = {"env_id": env_id, "generations": int(state.generation), "wall_seconds": wall,
               "compile_seconds_this_session": compile_seconds, **metadata}
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    for path in (out / "meta_training.png", ROOT / "docs" / "images" / f"smdp_meta_{env_id}.png"):
        plot_meta_training(out / "log.jsonl", path,
                           title=f"Synthetic MDP for {env_id} (DDQN inner loop)")


def time_training(agent, env, keys) -> float:
    """Seconds to train `len(keys)` agents (vmapped) for the agent's budget, compile excluded."""
    def run(key):  # outputs that depend on every update, so none of training is optimised away
        policy, metrics = agent.train(env, key)
        weights = jax.tree.leaves(eqx.filter(policy, eqx.is_inexact_array))
        return sum(w.sum() for w in weights), metrics["loss"]

    train = eqx.filter_jit(eqx.filter_vmap(run))
    jax.block_until_ready(train(keys))
    t0 = time.perf_counter()
    jax.block_until_ready(train(keys))
    return time.perf_counter() - t0


def evaluate_arm(agent, train_env, real, keys, num_points, solved, episodes=10):
    curves = eqx.filter_jit(eqx.filter_vmap(
        lambda k: learning_curve(agent, train_env, real, k, num_points, episodes)))(keys)
    solved_flags, steps = steps_to_solve(curves, solved)
    seconds = time_training(agent, train_env, keys)
    per_step = seconds / agent.total_timesteps
    return {
        "budget_steps": agent.total_timesteps,
        "eval_every_steps": int(curves.steps[0, 0]),
        "solved_fraction": float(np.mean(solved_flags)),
        "steps_to_solve": [int(s) if f else None for s, f in zip(steps, solved_flags)],
        "median_steps_to_solve": (float(np.median(np.asarray(steps)[np.asarray(solved_flags)]))
                                  if np.any(solved_flags) else None),
        "final_mean_return": float(np.mean(curves.mean_returns[:, -1])),
        "mean_returns": np.asarray(curves.mean_returns).round(2).tolist(),
        "train_seconds_all_seeds": seconds,
        "seconds_per_step_all_seeds": per_step,
    }


def evaluate(env_id: str, out: Path, seeds: int, results: Path) -> dict:
    settings = SETTINGS[env_id]
    real = make(env_id)
    se = load_environment(out / "env.eqx", env_id)
    keys = jax.random.split(jax.random.key(12345), seeds)
    report = {"env_id": env_id, "seeds": seeds, "solved_return": settings["solved"],
              "run": json.loads((out / "summary.json").read_text()), "agents": {}}
    for name, dueling in (("DDQN", False), ("Dueling DDQN", True)):
        arms = {}
        candidates = [("synthetic", se, DQN(total_timesteps=settings["se_budget"],
                                            dueling=dueling, **DDQN)),
                      ("real", real, DQN(total_timesteps=settings["real_budget"],
                                         dueling=dueling, **DDQN))]
        if env_id in CONFIGS["dqn"]:  # also the DQN configuration tuned for the real env
            candidates.append(("real, tuned config", real,
                               DQN(**config("dqn", env_id), dueling=dueling)))
        for arm, env, agent in candidates:
            arms[arm] = evaluate_arm(agent, env, real, keys, 20, settings["solved"])
            print(name, arm, {k: v for k, v in arms[arm].items() if k != "mean_returns"},
                  flush=True)
        report["agents"][name] = arms
    results.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(results, json.dumps(report, indent=2) + "\n")
    return report


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=sorted(SETTINGS), default="CartPole-v1")
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--train-steps", type=int, default=5_000,
                        help="DDQN steps on each candidate SE during meta-learning")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--stage", choices=["all", "metalearn", "evaluate"], default="all")
    args = parser.parse_args()
    enable_compilation_cache()
    out = ROOT / "experiments" / "runs" / f"SyntheticMDP-{args.env}"
    if args.stage in ("all", "metalearn"):
        metalearn(args.env, args.generations, args.train_steps, out)
    if args.stage in ("all", "evaluate"):
        evaluate(args.env, out, args.seeds,
                 ROOT / "experiments" / "results" / "synthetic_mdp" / f"{args.env}.json")


if __name__ == "__main__":
    main()
