"""Does a fitness that trains no agent rank Pendulum bandits as their agents do?

For each environment: the real return of its reward network's argmax policy
(`synthax.meta.OptimalPolicyReturn`) and of an actor trained on its reward as the exact critic
(`synthax.meta.TrueCriticReturn`, 200 and 1000 Adam steps, 4 seeds each; 1000 steps again with
the bandit's resets replaced by real states uniform on the circle and in angular velocity), the
1st-99th percentiles of its resets' observations (4,000 resets), beside the mean real
return of the agents its run's summary trained on it (10k steps each). The environments:
synthetic-gymnax's imported one (its agents' IQMs are on docs/results.md) and each committed
Pendulum-v1 run's search mean (`experiments/runs/<run>/env.eqx`).

    python experiments/true_critic.py \
        --synthetic-gymnax .whl/synthetic_gymnax-0.0.1-py3-none-any.whl

Writes `experiments/results/true_critic.json` and prints a markdown table.
"""

import argparse
import json
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from synthax.checkpoints import import_from_wheel, load_environment
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import make
from synthax.meta import OptimalPolicyReturn, TrueCriticReturn

ROOT = Path(__file__).resolve().parent.parent
ENV_ID = "Pendulum-v1"
RUNS = ["Pendulum-v1", "Pendulum-v1-policy", "Pendulum-v1-policy-stage2", "Pendulum-v1-argmax",
        "Pendulum-v1-true-critic", "Pendulum-v1-true-critic-from-argmax",
        "Pendulum-v1-true-critic-actors", "Pendulum-v1-true-critic-unscaled",
        "Pendulum-v1-ppo-finish", "Pendulum-v1-ppo-true-critic"]
STEPS = (200, 1000)
SEEDS, EPISODES = 4, 16
OUT = ROOT / "experiments" / "results" / "true_critic.json"
HALF = jnp.asarray([1.0, 1.0, 8.0])  # Pendulum-v1's observation bounds are -HALF to HALF


class UniformStates(eqx.Module):
    """An initial-state network for a Pendulum-v1 bandit whose resets are real states: the
    angle uniform on the circle, the angular velocity uniform within its bounds (`HALF`). It
    undoes the bandit's own output scaling (`scale_initial_state`) and squashing into the
    bounds (`bound_observations`)."""

    scaled: bool = eqx.field(static=True)
    squashed: bool = eqx.field(static=True)

    def __call__(self, z):
        uniform = jax.scipy.stats.norm.cdf(z[:2])  # latent -> uniform on [0, 1]
        angle = jnp.pi * (2 * uniform[0] - 1)
        units = jnp.stack([jnp.cos(angle), jnp.sin(angle), 2 * uniform[1] - 1])  # obs / HALF
        if self.squashed:
            units = jnp.arctanh(jnp.clip(units, -1 + 1e-6, 1 - 1e-6))
        return units if self.scaled else units * HALF


def scores(env, real):
    """The argmax policy's mean real return, `SEEDS` true-critic ones per step count and with
    uniform resets, and the resets' percentiles."""
    keys = jax.random.split(jax.random.PRNGKey(0), SEEDS)
    argmax = eqx.filter_jit(OptimalPolicyReturn())(None, env, real, keys[0], EPISODES)
    resets = jax.vmap(lambda k: env.reset(k)[0])(jax.random.split(jax.random.PRNGKey(1), 4000))
    row = {"argmax": float(argmax),
           "reset_percentiles": np.percentile(np.asarray(resets), [1, 99], axis=0).T.tolist()}
    uniform = eqx.tree_at(lambda e: e.init_net, env,
                          UniformStates(env.scale_initial_state, env.bound_observations))
    states = jax.vmap(lambda k: uniform.reset(k)[0])(jax.random.split(jax.random.PRNGKey(2), 4000))
    if not np.allclose(np.asarray(states[:, 0] ** 2 + states[:, 1] ** 2), 1.0, atol=1e-3):
        raise RuntimeError("UniformStates' resets are not on the circle")
    for name, steps, bandit in [(f"true_critic_{s}", s, env) for s in STEPS] + [
            ("true_critic_uniform_1000", 1000, uniform)]:
        run = eqx.filter_jit(jax.vmap(
            lambda k, b, objective: objective(None, b, real, k, EPISODES), in_axes=(0, None, None)))
        row[name] = np.asarray(run(keys, bandit, TrueCriticReturn(steps=steps))).tolist()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-gymnax", type=Path, required=True,
                        help="synthetic-gymnax 0.0.1 wheel")
    args = parser.parse_args()
    enable_compilation_cache()
    real = make(ENV_ID)
    envs = {"synthetic-gymnax": (import_from_wheel(args.synthetic_gymnax, real, ENV_ID), None)}
    for run in RUNS:
        folder = ROOT / "experiments" / "runs" / run
        if (folder / "env.eqx").exists():
            summary = folder / "summary.json"
            agents = ({a: e["synthetic_10k"]["mean"]
                       for a, e in json.loads(summary.read_text())["eval"].items()}
                      if summary.exists() else None)
            envs[run] = (load_environment(folder / "env.eqx", ENV_ID), agents)
    rows = []
    for name, (env, agents) in envs.items():
        rows.append({"env": name, **scores(env, real), "agents": agents})
        print(json.dumps(rows[-1]), flush=True)
    atomic_write_text(OUT, json.dumps({"seeds": SEEDS, "episodes": EPISODES, "rows": rows},
                                      indent=1) + "\n")
    print("\n| environment | argmax policy | true critic, 200 steps | true critic, 1000 steps | "
          "uniform resets | agents (summary, mean) |\n|---|---|---|---|---|---|")
    for row in rows:
        cells = [f"{np.mean(row[k]):.1f} ({min(row[k]):.1f} to {max(row[k]):.1f})"
                 for k in ("true_critic_200", "true_critic_1000", "true_critic_uniform_1000")]
        agents = ("; ".join(f"{a} {v:.1f}" for a, v in row["agents"].items())
                  if row["agents"] else "-")
        print(f"| {row['env']} | {row['argmax']:.1f} | {' | '.join(cells)} | {agents} |")


if __name__ == "__main__":
    main()
