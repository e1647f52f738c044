"""Write `docs/learning-environments.md` from the results of the synthetic-MDP and
reward-network experiments (nothing is recomputed here).

    python experiments/learning_environments_report.py

Inputs: `experiments/results/synthetic_mdp/<env>.json` (from `experiments/synthetic_mdp.py`),
`experiments/results/reward_networks/<env>.json` (from `experiments/reward_networks.py`) and the
figures those scripts and `experiments/synthetic_mdp_histograms.py` write to `docs/images/`.
"""

import json
from pathlib import Path

from synthax.checkpoints.io import atomic_write_text
from synthax.parallel import restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "experiments" / "results"
DOC = ROOT / "docs" / "learning-environments.md"


def _steps(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _solved(entry: dict) -> str:
    return f"{entry['solved_fraction'] * 100:.0f}%"


def _histogram_stats() -> list[str]:
    path = RESULTS / "synthetic_mdp" / "CartPole-v1_histograms.json"
    if not path.exists():
        return []
    stats = json.loads(path.read_text())
    return [
        f"{stats['real_transitions']:,} real transitions. In the synthetic MDP itself the "
        f"greedy policy's episodes last {stats['synthetic_mean_episode_length']:.1f} steps on "
        f"average ({stats['synthetic_one_step_fraction']:.0%} of {stats['synthetic_episodes']} "
        "end after one step). The histograms compare its next states and rewards with the "
        "real ones at the same states and actions.",
        "",
    ]


def synthetic_mdp_section() -> list[str]:
    lines = [
        "## Synthetic MDPs (DDQN inner loop)",
        "",
        "A [`SyntheticMDP`][synthax.envs.SyntheticMDP] (transition, reward and termination "
        "networks; episodes start from the real reset) is meta-learned with SNES so that a "
        "double DQN trained on it for a fixed number of steps does well in the real "
        "environment. Then DDQN, and Dueling DDQN (not seen in meta-learning), are trained on "
        "the synthetic MDP and on the real environment with the same seeds, their greedy "
        "policies evaluated on the real environment (10 episodes) at 20 evenly spaced points; "
        "*steps to solve* is the first point whose mean real return reaches the solved level.",
        "",
        "```",
        "python experiments/synthetic_mdp.py --env CartPole-v1",
        "python experiments/synthetic_mdp.py --env Acrobot-v1",
        "python experiments/learning_environments_report.py",
        "```",
        "",
    ]
    found = False
    for env_id in ("CartPole-v1", "Acrobot-v1"):
        path = RESULTS / "synthetic_mdp" / f"{env_id}.json"
        if not path.exists():
            lines += [f"**{env_id}**: not run yet.", ""]
            continue
        found = True
        report = json.loads(path.read_text())
        run = report["run"]
        lines += [
            f"### {env_id} (solved at a mean return of {report['solved_return']:g}; "
            f"{report['seeds']} seeds)",
            "",
            f"Meta-learning: {run['generations']} generations of SNES (population "
            f"{run['meta']['population_size']}, sigma {run['meta']['sigma_init']}), DDQN "
            f"trained {run['train_steps']:,} steps per candidate, "
            f"{run['wall_seconds'] / 60:.1f} min on a 2-core CPU. Seconds were measured "
            "while other experiments shared the two cores.",
            "",
            "| agent | trained on | solved | median steps to solve | final real return | "
            "train seconds per 1k steps (all seeds, vmapped) | wall seconds to the median |",
            "|---|---|---|---|---|---|---|",
        ]
        for agent, arms in report["agents"].items():
            for arm, r in arms.items():
                per_k = r["seconds_per_step_all_seeds"] * 1000
                median = r["median_steps_to_solve"]
                to_median = ("-" if median is None
                             else f"{median * r['seconds_per_step_all_seeds']:.2f}")
                lines.append(
                    f"| {agent} | {arm} ({r['budget_steps']:,} steps, evaluated every "
                    f"{r['eval_every_steps']:,}) | {_solved(r)} | {_steps(median)} | "
                    f"{r['final_mean_return']:.1f} | {per_k:.3f} | {to_median} |")
        lines += ["", f"![meta-training curve](images/smdp_meta_{env_id}.png)", ""]
    if found:
        lines += [
            "### What the CartPole synthetic MDP produces (learning_environments' Figures 4 and 8)",
            "",
            "A DDQN trained on the synthetic MDP acts (epsilon 0.1) in real CartPole; for each "
            "real transition the synthetic MDP predicts the next state and reward at the same "
            "state and action.",
            "",
            "```",
            "python experiments/synthetic_mdp_histograms.py --env CartPole-v1",
            "```",
            "",
            *_histogram_stats(),
            "![next states](images/smdp_CartPole-v1_next_states.png)",
            "![rewards](images/smdp_CartPole-v1_rewards.png)",
            "![visited](images/smdp_CartPole-v1_visited.png)",
            "",
        ]
    return lines


def reward_network_section() -> list[str]:
    lines = [
        "## Reward networks",
        "",
        "A [`RewardNetwork`][synthax.envs.RewardNetwork] keeps the real dynamics and replaces "
        "or augments the reward (variants in the API page; learning_environments' "
        "`reward_env_type` numbers map to them). Each variant is meta-learned with evosax's "
        "`Open_ES` (antithetic sampling, learning_environments' mirrored NES; SGD step 0.1; "
        "centered ranks in which tied candidates share their rank, so plateaus do not move the "
        "search) for the [`StepsToSolve`][synthax.meta.StepsToSolve] objective. Then the "
        "training agent and an agent not seen in meta-learning are trained with the learned "
        "reward and with the real reward (same seeds), and their greedy policies are evaluated "
        "on the *real* reward.",
        "",
        "```",
        "python experiments/reward_networks.py --env CliffWalking-v0",
        "python experiments/reward_networks.py --env CartPole-v1",
        "python experiments/reward_networks.py --env MountainCarContinuous-v0 "
        "--variants potential_exclusive exclusive",
        "python experiments/reward_networks.py --env MountainCarContinuous-v0 "
        "--variants additive potential_additive --generations 40",
        "python experiments/learning_environments_report.py",
        "```",
        "",
    ]
    for env_id in ("CliffWalking-v0", "CartPole-v1", "MountainCarContinuous-v0"):
        path = RESULTS / "reward_networks" / f"{env_id}.json"
        if not path.exists():
            lines += [f"**{env_id}**: not run yet.", ""]
            continue
        report = json.loads(path.read_text())
        arms = report["arms"]
        first = next(iter(arms.values()))
        train, transfer = first["train"], first["transfer"]
        lines += [
            f"### {env_id} (solved at a mean real return of {report['solved_return']:g}; "
            f"{report['seeds']} seeds; {train['budget_steps']:,} steps, evaluated every "
            f"{train['eval_every_steps']:,})",
            "",
            f"| reward | {train['agent']}: solved | median steps to solve | final real return "
            f"| {transfer['agent']} (transfer): solved | median steps | final real return | "
            "meta-learning |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for arm, entry in arms.items():
            a, b = entry["train"], entry["transfer"]
            meta = entry.get("meta")
            meta_text = "-" if meta is None else (
                f"{meta['generations']} gens, {meta['wall_seconds'] / 60:.1f} min")
            lines.append(
                f"| {arm} | {_solved(a)} | {_steps(a['median_steps_to_solve'])} | "
                f"{a['final_mean_return']:.1f} | {_solved(b)} | "
                f"{_steps(b['median_steps_to_solve'])} | {b['final_mean_return']:.1f} | "
                f"{meta_text} |")
        failed = [arm for arm, entry in arms.items() if entry["train"]["solved_fraction"] == 0]
        faster = [arm for arm, entry in arms.items() if entry.get("meta") is not None
                  and entry["train"]["median_steps_to_solve"] is not None
                  and (arms["real reward"]["train"]["median_steps_to_solve"] is None
                       or entry["train"]["median_steps_to_solve"]
                       < arms["real reward"]["train"]["median_steps_to_solve"])]
        lines += [
            "",
            "*Solved* counts the seeds whose greedy policy reached the solved return at one of "
            "the evaluation points; *median steps to solve* is over those seeds; *final real "
            "return* is the mean over seeds at the end of the budget.",
            "",
            f"With a learned reward, {train['agent']} reaches the solved level in fewer median "
            f"steps than with the real reward (or at all, where the real reward never gets "
            f"there) for: {', '.join(faster) or 'none'}. "
            f"No seed solved the task within the budget for: {', '.join(failed) or 'none'}.",
        ]
        lines.append("")
        if env_id == "CliffWalking-v0":
            lines += ["The learned part of the reward per state and action (heat maps; "
                      "`--stage heatmaps` redraws them):", ""]
            for arm in arms:
                image = ROOT / "docs" / "images" / f"cliff_reward_{arm}.png"
                if image.exists():
                    lines.append(f"![{arm}](images/{image.name})")
            lines.append("")
    return lines


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    lines = [
        "# Synthetic MDPs and reward networks",
        "",
        "Everything *learning_environments* (Ferreira et al. 2022, arXiv:2202.02790) offers, "
        "measured on a 2-core CPU. This page is written by "
        "`python experiments/learning_environments_report.py` from the committed results; "
        "each table names the command that recomputes it.",
        "",
        *synthetic_mdp_section(),
        *reward_network_section(),
    ]
    atomic_write_text(DOC, "\n".join(lines).rstrip() + "\n")
    print(DOC.relative_to(ROOT))


if __name__ == "__main__":
    main()
