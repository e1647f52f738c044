"""Histograms of synthetic versus real observations and rewards for the CartPole synthetic MDP
(Ferreira et al. 2022, arXiv:2202.02790, Figures 4 and 8).

A DDQN agent is trained on the meta-learned synthetic MDP; its epsilon-greedy policy (epsilon
0.1) then acts in the *real* CartPole. For every real transition `(s, a, s', r)` the synthetic MDP
is asked for its own next state and reward at the same `(s, a)`. The first figure compares the
distributions of each next-state dimension (real vs synthetic), the second the rewards; the third
the observations visited when the same policy acts in the synthetic MDP itself.

    python experiments/synthetic_mdp_histograms.py [--env CartPole-v1]

Needs `experiments/runs/SyntheticMDP-<env>/env.eqx` (from `experiments/synthetic_mdp.py`);
writes `docs/images/smdp_<env>_{next_states,rewards,visited}.png`.
"""

import argparse
import json
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from synthax.agents import DQN  # noqa: E402
from synthax.checkpoints import load_environment  # noqa: E402
from synthax.checkpoints.io import atomic_write_text  # noqa: E402
from synthax.compilation_cache import enable_compilation_cache  # noqa: E402
from synthax.envs import make  # noqa: E402
from synthax.evaluation import evaluate  # noqa: E402
from synthax.parallel import restart_with_cpu_devices  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"CartPole-v1": ["cart position", "cart velocity", "pole angle", "pole angular velocity"],
         "Acrobot-v1": ["cos th1", "sin th1", "cos th2", "sin th2", "dth1", "dth2"]}


def rollout(policy, env, key, num_envs: int, steps: int):
    """`steps` steps of `num_envs` copies of `env` with auto-reset: observations, actions,
    next observations (before reset) and rewards, each flattened over envs and time."""

    def act(obs, k):
        k_eps, k_rand = jax.random.split(k)
        greedy = policy(obs, k)
        random = jax.random.randint(k_rand, (), 0, env.action_dim)
        return jnp.where(jax.random.uniform(k_eps) < 0.1, random, greedy)

    k_reset, key = jax.random.split(key)
    obs, state = jax.vmap(env.reset)(jax.random.split(k_reset, num_envs))

    def body(carry, k):
        obs, state = carry
        k_act, k_env = jax.random.split(k)
        action = jax.vmap(act)(obs, jax.random.split(k_act, num_envs))
        next_obs, state, reward, _, _, info = jax.vmap(env.step)(
            jax.random.split(k_env, num_envs), state, action)
        return (next_obs, state), (obs, action, info["final_observation"], reward)

    _, (o, a, o2, r) = jax.lax.scan(body, (obs, state), jax.random.split(key, steps))
    flat = lambda x: x.reshape(-1, *x.shape[2:])  # noqa: E731
    return flat(o), flat(a), flat(o2), flat(r)


def save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    print(path.relative_to(ROOT))


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=sorted(NAMES), default="CartPole-v1")
    args = parser.parse_args()
    enable_compilation_cache()
    real = make(args.env)
    se = load_environment(ROOT / "experiments" / "runs" / f"SyntheticMDP-{args.env}" / "env.eqx",
                          args.env)
    agent = DQN(total_timesteps=10_000, double_q=True, num_envs=10, buffer_size=10_000,
                batch_size=128, learning_starts=1000, hidden_size=64, target_update_freq=50)
    policy, _ = eqx.filter_jit(agent.train)(se, jax.random.key(0))
    key_real, key_se = jax.random.split(jax.random.key(1))
    obs, action, next_obs, reward = eqx.filter_jit(rollout)(policy, real, key_real, 16, 500)
    se_next, se_reward, _ = jax.vmap(se.dynamics)(obs, action)
    visited_se, _, _, _ = eqx.filter_jit(rollout)(policy, se, key_se, 16, 500)
    lengths = eqx.filter_jit(lambda k: evaluate(policy, se, k, 64).lengths)(key_se)
    one_step = float(np.mean(np.asarray(lengths) == 1))
    print(f"synthetic episodes of the greedy policy: mean length {float(np.mean(lengths)):.1f} "
          f"steps, {one_step:.0%} end after one step")
    stats = {"real_transitions": int(obs.shape[0]), "synthetic_episodes": int(lengths.shape[0]),
             "synthetic_mean_episode_length": float(np.mean(lengths)),
             "synthetic_one_step_fraction": one_step}
    out = ROOT / "experiments" / "results" / "synthetic_mdp" / f"{args.env}_histograms.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(stats, indent=2) + "\n")
    names = NAMES[args.env]
    slug = args.env

    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), constrained_layout=True)
    for i, ax in enumerate(axes):
        both = np.concatenate([np.asarray(next_obs[:, i]), np.asarray(se_next[:, i])])
        bins = np.linspace(*np.percentile(both, [0.5, 99.5]), 40)
        ax.hist(np.asarray(next_obs[:, i]), bins, alpha=0.6, label="real s'", density=True)
        ax.hist(np.asarray(se_next[:, i]), bins, alpha=0.6, label="synthetic s'", density=True)
        ax.set_title(names[i])
    axes[0].legend()
    fig.suptitle(f"{args.env}: next states at the same (s, a), {obs.shape[0]} real transitions")
    save(fig, ROOT / "docs" / "images" / f"smdp_{slug}_next_states.png")

    fig, ax = plt.subplots(figsize=(5, 3), constrained_layout=True)
    ax.hist(np.asarray(reward), 40, alpha=0.6, label="real r", density=True)
    ax.hist(np.asarray(se_reward), 40, alpha=0.6, label="synthetic r", density=True)
    ax.legend()
    ax.set_title(f"{args.env}: rewards at the same (s, a)")
    save(fig, ROOT / "docs" / "images" / f"smdp_{slug}_rewards.png")

    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), constrained_layout=True)
    for i, ax in enumerate(axes):
        both = np.concatenate([np.asarray(obs[:, i]), np.asarray(visited_se[:, i])])
        bins = np.linspace(*np.percentile(both, [0.5, 99.5]), 40)
        ax.hist(np.asarray(obs[:, i]), bins, alpha=0.6, label="visited in real", density=True)
        ax.hist(np.asarray(visited_se[:, i]), bins, alpha=0.6, label="visited in synthetic",
                density=True)
        ax.set_title(names[i])
    axes[0].legend()
    fig.suptitle(f"{args.env}: observations the same policy visits in each environment "
                 f"(synthetic episodes: mean length {float(np.mean(lengths)):.1f} steps)")
    save(fig, ROOT / "docs" / "images" / f"smdp_{slug}_visited.png")


if __name__ == "__main__":
    main()
