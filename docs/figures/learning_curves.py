"""The figure on the home page and in the README: real CartPole-v1 return against environment
steps, for agents trained on the shipped `Synthetic-CartPole-v1` and on the real CartPole-v1.

PPO and DQN with synthax's default hyperparameters; 8 seeds per arm (vmapped), each evaluated
on 16 real episodes (deterministic policy) at 20 evenly spaced points of its training budget
(10k steps on the synthetic environment, 50k on the real one); lines are the mean over seeds,
bands the 25th-75th percentile. Writes
`docs/images/learning_curves_CartPole-v1.png` and prints each curve's last point.

    python docs/figures/learning_curves.py
"""

import argparse
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

import synthax
from synthax.evaluation import learning_curve

OUT = Path(__file__).resolve().parent.parent / "images" / "learning_curves_CartPole-v1.png"


def curves(name, train_env, real_env, steps, seeds, points, episodes):
    agent = synthax.make_agent(name, total_timesteps=steps)
    run = eqx.filter_jit(eqx.filter_vmap(
        lambda k: learning_curve(agent, train_env, real_env, k, points, episodes)))
    curve = run(jax.random.split(jax.random.PRNGKey(0), seeds))
    return np.asarray(curve.steps[0]), np.asarray(curve.mean_returns)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    real_env = synthax.make("CartPole-v1")
    synthetic = synthax.make("Synthetic-CartPole-v1")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), dpi=120, sharey=True)
    for ax, name in zip(axes, ["ppo", "dqn"]):
        for label, env, steps, colour in [("trained on Synthetic-CartPole-v1", synthetic, 10_000,
                                           "tab:blue"),
                                          ("trained on CartPole-v1", real_env, 50_000,
                                           "tab:grey")]:
            x, returns = curves(name, env, real_env, steps, args.seeds, 20, 16)
            mean = returns.mean(axis=0)
            low, high = np.percentile(returns, [25, 75], axis=0)
            ax.plot(x, mean, color=colour, marker="o", markersize=3, label=label)
            ax.fill_between(x, low, high, color=colour, alpha=0.2)
            print(f"{name} {label}: mean {mean[-1]:.1f} (25th-75th percentile {low[-1]:.1f}-"
                  f"{high[-1]:.1f}) after {x[-1]:,} steps")
        ax.set_xscale("log")
        ax.set_title(name.upper())
        ax.set_xlabel("environment steps of training")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("return on the real CartPole-v1")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"Mean and 25th-75th percentile over {args.seeds} seeds, default "
                 "hyperparameters", fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(args.out, format="png")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
