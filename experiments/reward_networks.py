"""Reward networks for Cliff Walking (Q-learning), CartPole-v1 (DDQN) and
MountainCarContinuous-v0 (TD3): every variant, meta-learned, measured against the real reward.

Ferreira et al. (2022, arXiv:2202.02790), Section 5.2: a reward network (RN) keeps the real
dynamics and learns the reward; it is meta-learned with NES (here evosax's `Open_ES`, whose
antithetic sampling is the seed's mirrored sampling, with SGD steps of 0.1 and centered ranks in
which tied candidates share their rank) so that the agent solves the real task in
as few steps as possible (`StepsToSolve`). Afterwards, over `--seeds` seeds, we count the agent
steps each variant needs until the greedy policy reaches the real solved return, beside the
real reward and the curiosity (ICM) baseline, for the training agent and for an agent not seen
in meta-learning (Q-learning -> SARSA, DDQN -> Dueling DDQN, TD3 -> PPO).

    python experiments/reward_networks.py --env CliffWalking-v0            # all ten variants
    python experiments/reward_networks.py --env CartPole-v1 --variants additive potential_additive
    python experiments/reward_networks.py --env CliffWalking-v0 --stage evaluate
    python experiments/reward_networks.py --env CliffWalking-v0 --stage heatmaps
    python experiments/reward_networks.py --env CartPole-v1 --stage baselines   # real + ICM only

Runs are resumable (`experiments/runs/RewardNetwork-<env>-<variant>/`); results go to
`experiments/results/reward_networks/<env>.json` and, for Cliff Walking, heat maps of the
learned reward to `docs/images/`. `experiments/learning_environments_report.py` turns the
results into `docs/learning-environments.md`.
"""

import argparse
import json
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from synthax.agents import DQN, PPO, SARSA, TD3, QLearning
from synthax.checkpoints import load_environment, save_environment
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import CliffWalking, Curiosity, RewardNetwork, make
from synthax.envs.reward_network import VARIANTS
from synthax.evaluation import learning_curve, steps_to_solve
from synthax.meta import InnerLoop, MetaLearner, StepsToSolve, centered_ranks_with_ties
from synthax.meta.run import evolve
from synthax.parallel import population_sharding, restart_with_cpu_devices
from synthax.plotting import plot_meta_training

ROOT = Path(__file__).resolve().parent.parent
NON_INFO = [v for v in VARIANTS if "info" not in v]
# The curiosity baseline with the seed's ICM settings (default_config_cmc.yaml: eta 0.5, beta 0.2,
# learning rate 1e-4, 64 features, 128 hidden units); it is not meta-learned.
ICM = dict(eta=0.5, beta=0.2, learning_rate=1e-4, feature_dim=64, hidden_size=128)
ICM_ARM = "ICM curiosity (baseline)"


def _ddqn(steps, dueling=False):
    return DQN(total_timesteps=steps, double_q=True, dueling=dueling, num_envs=10,
               buffer_size=10_000, batch_size=128, learning_starts=1000, hidden_size=64,
               target_update_freq=50)


# Per environment: the training and the transfer agent (name, function of the step budget),
# the solved return, evaluation points and episodes, the variants (the info variants need an
# info vector: Cliff Walking's position; gymnax's CartPole and MountainCarContinuous have none,
# as in the seed, whose info_dim is 0 for them), and the outer loop.
SETTINGS = {
    "CliffWalking-v0": dict(
        make=CliffWalking, agent=("Q-learning", lambda n: QLearning(total_timesteps=n)),
        transfer=("SARSA", lambda n: SARSA(total_timesteps=n)), solved=-20.0,
        meta_steps=5000, eval_steps=5000, points=50, episodes=1, variants=list(VARIANTS),
        info_keys=("position",), network=dict(hidden_size=32), generations=100,
        population_size=32, sigma_init=0.1, learning_rate=0.1,
    ),
    "CartPole-v1": dict(
        make=lambda: make("CartPole-v1"), agent=("DDQN", _ddqn),
        transfer=("Dueling DDQN", lambda n: _ddqn(n, dueling=True)), solved=475.0,
        meta_steps=30_000, eval_steps=60_000, points=20, episodes=8, variants=NON_INFO,
        info_keys=(), network=dict(hidden_size=32), generations=20, population_size=16,
        sigma_init=0.1, learning_rate=0.1,
    ),
    "MountainCarContinuous-v0": dict(
        make=lambda: make("MountainCarContinuous-v0"),
        agent=("TD3", lambda n: TD3(total_timesteps=n, num_envs=10, buffer_size=n,
                                    batch_size=128, learning_starts=1000, hidden_size=64)),
        transfer=("PPO", lambda n: PPO(total_timesteps=n)), solved=90.0,
        meta_steps=20_000, eval_steps=50_000, points=10, episodes=4, variants=NON_INFO,
        info_keys=(), network=dict(hidden_size=32), generations=10, population_size=8,
        sigma_init=0.1, learning_rate=0.1,
    ),
}


def run_dir(env_id: str, variant: str) -> Path:
    return ROOT / "experiments" / "runs" / f"RewardNetwork-{env_id}-{variant}"


def build(env_id: str, variant: str):
    s = SETTINGS[env_id]
    real = s["make"]()
    info_keys = s["info_keys"] if "info" in variant else ()
    template = RewardNetwork(real, variant, info_keys=info_keys,
                             **s["network"], key=jax.random.key(1))
    objective = StepsToSolve(threshold=s["solved"], num_points=s["points"])
    learner = MetaLearner(
        real, InnerLoop(s["agent"][1](s["meta_steps"]), objective=objective), template,
        strategy="Open_ES", population_size=s["population_size"], sigma_init=s["sigma_init"],
        strategy_kwargs={"optimizer": optax.sgd(s["learning_rate"]),
                         "fitness_shaping_fn": centered_ranks_with_ties},
        num_eval_episodes=s["episodes"], num_mean_eval_seeds=4,
        sharding=population_sharding(s["population_size"]),
    )
    return real, learner


def metalearn(env_id: str, variant: str, generations: int) -> None:
    s = SETTINGS[env_id]
    out = run_dir(env_id, variant)
    _, learner = build(env_id, variant)
    metadata = {"env_id": env_id, "variant": variant, "meta_steps": s["meta_steps"],
                "strategy": "Open_ES", "population_size": s["population_size"],
                "sigma_init": s["sigma_init"], "learning_rate": s["learning_rate"],
                "fitness_shaping": "centered_ranks_with_ties",
                "objective": f"StepsToSolve(threshold={s['solved']}, num_points={s['points']})"}

    def save_mean(state):
        save_environment(out / "env.eqx", learner.mean_environment(state), env_id,
                         {"generation": int(state.generation), **metadata})

    def progress(record):
        print(variant, json.dumps(record), flush=True)

    state, wall, _ = evolve(learner, out, generations, 0, 5, metadata, progress, save_mean)
    save_mean(state)
    atomic_write_text(out / "summary.json", json.dumps(
        {"generations": int(state.generation), "wall_seconds": wall, **metadata}, indent=2) + "\n")
    plot_meta_training(out / "log.jsonl", out / "meta_training.png",
                       title=f"{env_id}: reward network '{variant}'")


def curve_stats(agent, train_env, real, keys, points, episodes, solved) -> dict:
    curves = eqx.filter_jit(eqx.filter_vmap(
        lambda k: learning_curve(agent, train_env, real, k, points, episodes)))(keys)
    flags, steps = steps_to_solve(curves, solved)
    flags, steps = np.asarray(flags), np.asarray(steps)
    return {
        "solved_fraction": float(flags.mean()),
        "steps_to_solve": [int(x) if f else None for x, f in zip(steps, flags)],
        "median_steps_to_solve": float(np.median(steps[flags])) if flags.any() else None,
        "final_mean_return": float(np.mean(curves.mean_returns[:, -1])),
        "eval_every_steps": int(curves.steps[0, 0]),
        "budget_steps": int(curves.steps[0, -1]),
    }


def load_rn(env_id: str, variant: str) -> RewardNetwork:
    return load_environment(run_dir(env_id, variant) / "env.eqx", env_id)


def evaluate(env_id: str, variants: list[str], seeds: int) -> dict:
    s = SETTINGS[env_id]
    real = s["make"]()
    keys = jax.random.split(jax.random.key(2024), seeds)
    results_path = ROOT / "experiments" / "results" / "reward_networks" / f"{env_id}.json"
    report = json.loads(results_path.read_text()) if results_path.exists() else {}
    report.update({"env_id": env_id, "seeds": seeds, "solved_return": s["solved"]})
    agents = {"train": s["agent"], "transfer": s["transfer"]}
    report.setdefault("arms", {})
    arms = [("real reward", None), (ICM_ARM, None)] + [(v, v) for v in variants]
    for arm, variant in arms:
        if arm == ICM_ARM:
            train_env = Curiosity(real, **ICM, key=jax.random.key(3))
        else:
            train_env = real if variant is None else load_rn(env_id, variant)
        entry = {}
        for role, (name, factory) in agents.items():
            entry[role] = {"agent": name, **curve_stats(
                factory(s["eval_steps"]), train_env, real, keys, s["points"], s["episodes"],
                s["solved"])}
            print(env_id, arm, role, {k: v for k, v in entry[role].items()
                                      if k != "steps_to_solve"}, flush=True)
        if variant is not None:
            summary = json.loads((run_dir(env_id, variant) / "summary.json").read_text())
            entry["meta"] = {"generations": summary["generations"],
                             "wall_seconds": summary["wall_seconds"]}
        report["arms"][arm] = entry
    first = ["real reward", ICM_ARM]  # the baselines first, then the variants in VARIANTS order
    order = first + [v for v in VARIANTS if v in report["arms"]]
    report["arms"] = {arm: report["arms"][arm] for arm in order if arm in report["arms"]}
    results_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(results_path, json.dumps(report, indent=2) + "\n")
    if env_id == "CliffWalking-v0":
        for variant in variants:
            heat_map(load_rn(env_id, variant), variant)
    return report


def heat_map(rn: RewardNetwork, variant: str) -> Path:
    """The learned part of the reward (without the real reward of additive variants) for every
    state and action of Cliff Walking, one panel per action: the seed's reward heat maps.
    Cliff and goal cells are not states the agent acts in and are left blank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    real = rn.env
    rows, cols = CliffWalking.num_rows, CliffWalking.num_cols
    names = ["up", "right", "down", "left"]
    key = jax.random.key(0)

    def learned(cell, action):
        _, state = real.reset(key)
        state = eqx.tree_at(lambda s: s.position, state, jnp.asarray(cell, jnp.int32))
        next_obs, _, _, _, _, info = real.transition(key, state, jnp.asarray(action))
        return rn.learned_reward(jax.nn.one_hot(cell, rows * cols), next_obs, info)

    grid = jax.vmap(lambda c: jax.vmap(lambda a: learned(c, a))(jnp.arange(4)))(
        jnp.arange(rows * cols))
    grid = np.array(grid).reshape(rows, cols, 4)
    grid[rows - 1, 1:] = np.nan  # the cliff and the goal
    fig, axes = plt.subplots(2, 2, figsize=(11, 4.2), constrained_layout=True)
    vmax = float(np.nanmax(np.abs(grid)))
    for a, ax in enumerate(axes.flat):
        im = ax.imshow(grid[:, :, a], cmap="RdBu", vmin=-vmax, vmax=vmax)
        ax.set_title(f"action {names[a]}")
        ax.set_xticks([])
        ax.set_yticks([])
        for r in range(rows):
            for c in range(cols):
                if np.isfinite(grid[r, c, a]):
                    ax.text(c, r, f"{grid[r, c, a]:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=axes, shrink=0.8, label="learned reward")
    fig.suptitle(f"Cliff Walking, variant '{variant}': learned part of the reward per state and "
                 "action (start bottom left; cliff and goal blank)")
    path = ROOT / "docs" / "images" / f"cliff_reward_{variant}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=sorted(SETTINGS), default="CliffWalking-v0")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=None)
    parser.add_argument("--generations", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--stage", choices=["all", "metalearn", "evaluate", "baselines",
                                            "heatmaps"], default="all")
    args = parser.parse_args()
    enable_compilation_cache()
    settings = SETTINGS[args.env]
    variants = args.variants or settings["variants"]
    bad = [v for v in variants if v not in settings["variants"]]
    if bad:
        parser.error(f"{args.env} has no info vector for {bad}; allowed: {settings['variants']}")
    if args.stage in ("all", "metalearn"):
        for variant in variants:
            metalearn(args.env, variant, args.generations or settings["generations"])
    if args.stage in ("all", "evaluate"):
        evaluate(args.env, variants, args.seeds)
    if args.stage == "baselines":  # only the real-reward and ICM arms, kept beside the variants
        evaluate(args.env, [], args.seeds)
    if args.stage == "heatmaps" and args.env == "CliffWalking-v0":
        for variant in variants:
            print(heat_map(load_rn(args.env, variant), variant).relative_to(ROOT))


if __name__ == "__main__":
    main()
