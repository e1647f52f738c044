"""Regenerate docs/results.md: the five classic-control synthetic environments, evaluated.

For every environment meta-learned by `experiments/metalearn_classic_control.py` (a finished run
of its last stage, `STAGES` there; for most a single run in `experiments/runs/<env_id>/`), train
20 agents per algorithm with random hyperparameters for
10k steps in each arm (synthax's environment, synthetic-gymnax's imported one, the real
environment), evaluate each on 50 real episodes, and report the IQM with 95% stratified-bootstrap
intervals (`synthax evaluate`). Results per environment go to
`experiments/results/classic_control/<env_id>/` and are reused unless `--force`; when the shipped
run's checkpoint is another one than the cache's, only synthax's arm is measured again and the
earlier one's rows are kept in the cache as `superseded`.

    pip download --no-deps synthetic-gymnax==0.0.1 -d .whl
    python experiments/classic_control_results.py \
        --synthetic-gymnax .whl/synthetic_gymnax-0.0.1-py3-none-any.whl
"""

import argparse
import json
import sys
from pathlib import Path

import jax
import numpy as np

# experiments/metalearn_classic_control.py: each shipped environment's stages and checkpoint.
from metalearn_classic_control import (
    ENV_IDS,
    reward_scale_after,
    reward_scale_command,
    reward_scaled_checkpoint,
    shipped_checkpoint,
    shipped_run,
    stage_runs,
)

from synthax.checkpoints import import_from_wheel, load_environment, read_header
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import make
from synthax.meta import MetaLearnConfig, compare_environments, interval_cell, write_results
from synthax.parallel import population_sharding, restart_with_cpu_devices
from synthax.plotting import plot_meta_training

ROOT = Path(__file__).resolve().parent.parent
# Liesen et al. (2024), as its README reports them: IQM over 20
# random-hyperparameter runs of 10k steps on synthetic-gymnax's environments. Reported, not run.
PEER_REPORTED = {
    "Acrobot-v1": {"ppo": -84.1, "sac": -85.3, "dqn": -82.6},
    "CartPole-v1": {"ppo": 500.0, "sac": 500.0, "dqn": 500.0},
    "MountainCar-v0": {"ppo": -181.8, "sac": -170.1, "dqn": -118.4},
    "MountainCarContinuous-v0": {"ppo": 66.9, "sac": 91.1, "ddpg": 97.6, "td3": 97.5},
    "Pendulum-v1": {"ppo": -205.4, "sac": -188.3, "ddpg": -164.3, "td3": -168.5},
}
# synthetic-gymnax's meta-learning scale per environment (reference/synthetic-gymnax-configs/*.yaml:
# strategy_params.popsize, meta_config.num_generations, meta_config.num_rollouts).
PEER_SCALE = {
    "Acrobot-v1": (128, 100, 1),
    "CartPole-v1": (128, 300, 1),
    "MountainCar-v0": (128, 1000, 1),
    "MountainCarContinuous-v0": (128, 300, 1),
    "Pendulum-v1": (64, 1000, 8),
}
DOWNLOAD = "pip download --no-deps synthetic-gymnax==0.0.1 -d .whl"
COMMAND = ("python experiments/classic_control_results.py --synthetic-gymnax "
           ".whl/synthetic_gymnax-0.0.1-py3-none-any.whl")



def evaluate_env(name, env_id, wheel, runs, episodes, force, with_synthax):
    """Evaluate (or load the cached evaluation of) one environment's arms. Before its run has
    finished (`with_synthax` false) only the synthetic-gymnax and real arms are measured; once
    synthax's environment exists only its arm is added to a cache of the same size (every arm
    draws the same hyperparameters and seeds, so the cached arms stay valid)."""
    out = ROOT / "experiments" / "results" / "classic_control" / env_id
    checkpoint = str(shipped_checkpoint(name).relative_to(ROOT))
    cached, superseded = None, None
    if (out / "results.json").exists() and not force:
        cached = json.loads((out / "results.json").read_text())
        # Caches written before this field existed evaluated experiments/runs/<env_id>/env.eqx.
        cached_checkpoint = cached["metadata"].get("synthax_checkpoint",
                                                   f"experiments/runs/{env_id}/env.eqx")
        has_synthax = any(r["arm"] == "synthax" for r in cached["rows"])
        if not with_synthax or (has_synthax and cached_checkpoint == checkpoint):
            return cached
        if has_synthax:  # another checkpoint is shipped now: keep the earlier one's rows
            superseded = {"checkpoint": cached_checkpoint,
                          "rows": [r for r in cached["rows"] if r["arm"] == "synthax"],
                          "returns": {a: {"synthax": by_arm["synthax"]}
                                      for a, by_arm in cached["returns"].items()
                                      if "synthax" in by_arm}}
            cached["rows"] = [r for r in cached["rows"] if r["arm"] != "synthax"]
            for by_arm in cached["returns"].values():
                by_arm.pop("synthax", None)
        same_size = (cached["metadata"].get("runs"), cached["metadata"].get("episodes"),
                     cached["metadata"].get("seed")) == (runs, episodes, 0)
        if not same_size:
            cached = None
    config = MetaLearnConfig.from_file(ROOT / "experiments" / "configs" / f"{name}.yaml")
    real = make(env_id)
    arms = {}
    if with_synthax:
        arms["synthax"] = load_environment(ROOT / checkpoint, env_id)
    if cached is None:
        if wheel is not None:
            arms["synthetic-gymnax"] = import_from_wheel(wheel, real, env_id)
        arms["real"] = real
    rows, returns = compare_environments(
        env_id, real, arms, algorithms=tuple(config.agents), agent_kwargs=config.agent_kwargs,
        num_runs=runs, num_eval_episodes=episodes, seed=0,
        on_row=lambda r: print(json.dumps(r), file=sys.stderr, flush=True),
        sharding=population_sharding(runs),
    )
    metadata = {"runs": runs, "episodes": episodes, "seed": 0,
                "synthetic_gymnax_wheel": Path(wheel).name if wheel else None}
    if cached is not None:
        metadata = cached["metadata"]
        if superseded is not None:
            metadata["superseded"] = superseded
        rows = rows + cached["rows"]
        for algorithm, by_arm in cached["returns"].items():
            returns.setdefault(algorithm, {}).update(by_arm)
    if with_synthax:
        metadata["synthax_checkpoint"] = checkpoint
    write_results(out, rows, returns, metadata)
    return {"rows": rows, "returns": returns, "metadata": metadata}


def table(env_id, agents, results):
    lines = [
        "IQM of the real return over 20 agents (random hyperparameters, 10k training steps; "
        "95% bootstrap interval):",
        "",
        "| algorithm | synthax | synthetic-gymnax (imported) | real env, 10k steps | "
        "synthetic-gymnax published |",
        "|---|---|---|---|---|",
    ]
    rows = {(r["algorithm"], r["arm"]): r for r in results["rows"]}
    for algorithm in agents:
        peer = PEER_REPORTED.get(env_id, {}).get(algorithm)
        lines.append(
            f"| {algorithm} | {interval_cell(rows.get((algorithm, 'synthax')))} | "
            f"{interval_cell(rows.get((algorithm, 'synthetic-gymnax')))} | "
            f"{interval_cell(rows.get((algorithm, 'real')))} | "
            f"{'-' if peer is None else f'{peer:.1f}'} |"
        )
    return lines


def _read_log(log_path: Path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]


def _window_means(records: list[dict], up_to: int, width: int = 20) -> tuple[float, float, int]:
    """Mean `fitness_mean` and `mean_return` over generations `up_to - width + 1 .. up_to` of a
    run's log records, and the number of generations averaged."""
    window = [r for r in records if up_to - width < r["generation"] <= up_to]
    return (float(np.mean([r["fitness_mean"] for r in window])),
            float(np.mean([r["mean_return"] for r in window])), len(window))


EARLIER_RUNS = {  # folder suffix -> how that earlier run of the same environment differed
    "unscaled": "The first run, without `scale_reward_input` and `scale_initial_state`",
    "pop32": "The second run, at population 32 on a 2-core CPU",
}


def earlier_run_lines(env_id: str, generation: int, records: list[dict]) -> list[str]:
    """Compare a run (its log `records` up to `generation`) with each earlier run of the same
    environment kept in `experiments/runs/<env_id>-<suffix>/` (`EARLIER_RUNS`), over the same
    generations: fitness, agents on the mean, and the spread of the mean environment's resets."""
    run = ROOT / "experiments" / "runs" / env_id
    lines = []
    for suffix, description in EARLIER_RUNS.items():
        earlier = ROOT / "experiments" / "runs" / f"{env_id}-{suffix}"
        if not (earlier / "log.jsonl").exists():
            continue
        earlier_records = _read_log(earlier / "log.jsonl")
        last = earlier_records[-1]["generation"]
        up_to = min(generation, last)
        old_fitness, old_return, width = _window_means(earlier_records, up_to)
        new_fitness, new_return, _ = _window_means(records, up_to)
        ranges = []
        for folder in (earlier, run):
            env = load_environment(folder / "env.eqx", env_id=env_id)
            keys = jax.random.split(jax.random.PRNGKey(0), 4000)
            obs = np.asarray(jax.vmap(lambda key, env=env: env.reset(key)[0])(keys))
            low, high = np.percentile(obs, 1, axis=0), np.percentile(obs, 99, axis=0)
            ranges.append(", ".join(f"[{lo:.2f}, {hi:.2f}]" for lo, hi in zip(low, high)))
        bounds = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in zip(env.observation_low,
                                                                 env.observation_high))
        lines += [
            f"{description} (`experiments/runs/{env_id}-{suffix}/`, stopped at generation "
            f"{last}), over generations {up_to - width + 1}-{up_to}: population mean fitness "
            f"{old_fitness:.1f} (this run: {new_fitness:.1f}); agents trained on the mean "
            f"environment {old_return:.1f} (this run: {new_return:.1f}). The 1st-99th "
            f"percentile of each observation dimension over 4,000 resets of the mean "
            f"environment: {ranges[0]} at that run's generation {last}, {ranges[1]} at this "
            f"run's generation {generation} (the real bounds: {bounds}).",
            "",
        ]
    return lines


def _backend_note(records: list[dict]) -> str:
    """Where a run's generations ran, from the `devices` field of its log (logs written
    before the field existed hold none, and then this says nothing)."""
    counts: dict[str, int] = {}
    for record in records:
        if "devices" in record:
            counts[record["devices"]] = counts.get(record["devices"], 0) + 1
    return "".join(f", {n} generations on {devices}" for devices, n in sorted(counts.items()))


def env_section(name, env_id, results):
    config_path, run = shipped_run(name)
    lines = [f"## {env_id}", ""]
    summary_path = run / "summary.json"
    if not summary_path.exists():
        generation = 0
        if (run / "state.eqx").exists():
            generation = int(read_header(run / "state.eqx")["generation"])
        config = MetaLearnConfig.from_file(config_path)
        state = (f"the run is at generation {generation} of {config.generations}" if generation
                 else "the run has not started")
        lines += [f"Not meta-learned yet: {state} (`python "
                  f"experiments/metalearn_classic_control.py --only {name}` starts or resumes "
                  "it).", ""]
        if generation:
            records = [r for r in _read_log(run / "log.jsonl") if r["generation"] <= generation]
            recent = records[-len(config.agents):]
            lines += [
                "Agents trained on the current mean environment reach, in the last "
                f"{len(recent)} generations: "
                + ", ".join(f"{r['algorithm']} {r['mean_return']:.1f}" for r in recent)
                + f" (generation 1: {records[0]['mean_return']:.1f}; "
                f"{read_header(run / 'state.eqx')['wall_seconds'] / 60:.1f} min so far"
                + _backend_note(records) + ").",
                "",
            ]
            lines += earlier_run_lines(env_id, generation, records)
            image = ROOT / "docs" / "images" / f"meta_training_{env_id}.png"
            plot_meta_training(run / "log.jsonl", image,
                               title=f"Synthetic-{env_id}: meta-training (in progress)")
            lines += [f"![meta-training curve](images/{image.name})", ""]
        if results is not None:
            lines += ["Meanwhile, the same evaluation of synthetic-gymnax's environment and of the "
                      "real environment:", ""]
            lines += table(env_id, config.agents, results) + [""]
        return lines
    stages = stage_runs(name)
    # Each stage's summary and log, read once; the last stage is the shipped run.
    read = {folder: (json.loads((folder / "summary.json").read_text()),
                     _read_log(folder / "log.jsonl")) for _, folder in stages}
    summary, records = read[run]
    image = ROOT / "docs" / "images" / f"meta_training_{env_id}.png"
    plot_meta_training(run / "log.jsonl", image, title=f"Synthetic-{env_id}: meta-training")
    command = reward_scale_command(name)
    after = reward_scale_after(name)  # the stage the reward-scale step follows, if any
    scale_lines = []
    if command is not None:
        scaled = json.loads((reward_scaled_checkpoint(name).parent / "reward_scale.json")
                            .read_text())
        by_scale = "; ".join(f"x{float(c):g} {v:.1f}"
                             for c, v in scaled["mean_iqm_by_scale"].items())
        scale_lines = [
            f"Then the reward's scale, which that fitness cannot see, was chosen with agents "
            f"(`{' '.join(command)}`, {scaled['wall_seconds'] / 60:.1f} min; {scaled['runs']} "
            f"agents per algorithm and scale, seed {scaled['seed']}, {scaled['episodes']} real "
            f"episodes each; the mean over "
            f"{', '.join(sorted({r['algorithm'] for r in scaled['rows']}))} of their IQMs: "
            f"{by_scale}): "
            + (f"the shipped environment is the last stage's with its reward times "
               f"{scaled['best']:g}." if after == run else
               f"that stage's environment with its reward times {scaled['best']:g} is where "
               f"the next stage starts.")
            + " Its seed's hyperparameter draws are not those of the table below (seed 0)."]
    if len(stages) > 1:
        lines += [f"Meta-learned in {len(stages)} stages, each after the first from the one "
                  f"before (`init_environment`; `python experiments/metalearn_classic_control.py "
                  f"--only {name}` runs them in turn and ships the last):", ""]
        total = 0.0
        for path, folder in stages:
            stage, log = read[folder]
            lines.append(f"- {_run_description(path, stage)} " + _wall_time(stage, log))
            total += stage["wall_seconds"]
            if folder == after and after != run:
                lines.append(f"- {scale_lines[0]}")
        lines += ["", f"Wall time of the stages together: **{total / 60:.1f} min**"
                  + (" (without the reward-scale step)." if scale_lines else "."), ""]
    if scale_lines and after == run:
        lines += scale_lines + [""]
    if len(stages) > 1 or command is not None:
        lines += ["Every algorithm below is evaluated on the shipped environment with the agent "
                  f"sizes of `experiments/configs/{name}.yaml`.", ""]
    else:
        lines += [_run_description(config_path, summary) + " " + _wall_time(summary, records),
                  ""]
    agents = MetaLearnConfig.from_file(ROOT / "experiments" / "configs" / f"{name}.yaml").agents
    lines += table(env_id, agents, results)
    lines += [""] + superseded_lines(name, env_id, agents, results)
    first = ROOT / "experiments" / "runs" / env_id  # the earlier runs compare with this one
    if first in read:
        first_summary, first_log = read[first]
        lines += earlier_run_lines(env_id, first_summary["generations"], first_log)
    lines += [f"![meta-training curve](images/{image.name})", ""]
    return lines


def _run_description(config_path: Path, summary: dict) -> str:
    """One sentence: the config, strategy, population, generations and fitness of a run."""
    config = MetaLearnConfig.from_dict(summary["config"])
    if config.objective == "final_return" and not config.init_environment:
        fitness = (f"inner loop {', '.join(summary['agents'])} (round-robin, random "
                   "hyperparameters)")
    else:
        fitness = "fitness: " + _stage_fitness(summary["config"])
    return (
        f"Meta-learned with `{config_path.relative_to(ROOT)}`: {summary['strategy']} "
        f"(sigma_init {config.sigma_init:g}), population {summary['population_size']}, "
        f"{summary['generations']} generations, {fitness}"
        + ("; the reward network reads observations scaled to [-1, 1] (`scale_reward_input`)"
           if config.scale_reward_input else "")
        + ("; the initial-state network outputs observations in units of the bounds "
           "(`scale_initial_state`)" if config.scale_initial_state else "") + ".")


def superseded_lines(name: str, env_id: str, agents: list[str], results: dict) -> list[str]:
    """The environment shipped before the current one, where the cache kept its rows."""
    superseded = results["metadata"].get("superseded")
    if not superseded:
        return []
    folder = ROOT / Path(superseded["checkpoint"]).parent
    rows = {r["algorithm"]: r for r in superseded["rows"]}
    cells = "; ".join(f"{a} {interval_cell(rows.get(a))}" for a in agents)
    where = ""
    if folder == ROOT / "experiments" / "runs" / env_id:
        where = f", from `experiments/configs/{name}.yaml`"
    if (folder / "summary.json").exists():
        summary = json.loads((folder / "summary.json").read_text())
        where += (f" ({summary['generations']} generations of its config's fitness, "
                 f"{summary['wall_seconds'] / 60:.1f} min)")
    return [f"The environment shipped before, `{superseded['checkpoint']}`{where}, with the "
            f"same agents and seeds: {cells}.", ""]


def _wall_time(summary: dict, records: list[dict]) -> str:
    """The run's wall time and where it ran. Logs written before the `devices` field existed
    come from runs on this 2-core CPU. A run resumed on other machines names each; its wall time
    covers every session, its compile time (`summary.json`) only the last one."""
    wall = f"**{summary['wall_seconds'] / 60:.1f} min**"
    if all(r.get("backend", "cpu") == "cpu" for r in records):
        return (f"Wall time on a 2-core CPU: {wall} "
                f"(compile {summary['compile_seconds']:.0f} s).")
    return (f"Wall time over every session: {wall} (" + _backend_note(records).lstrip(", ")
            + f"; compile {summary['compile_seconds']:.0f} s in the last session).")


def peer_comparison(evaluated: dict[str, dict]) -> list[str]:
    """Every cell where synthax's IQM is below synthetic-gymnax's reported one (and whether
    the reported IQM still lies within synthax's 95% interval), and the environments not
    shipped yet."""
    below, within, missing, at_or_above, peer_below = [], [], [], 0, []
    for env_id, peer in PEER_REPORTED.items():
        rows = {r["algorithm"]: r for r in (evaluated.get(env_id) or {}).get("rows", [])
                if r["arm"] == "synthax"}
        imported = {r["algorithm"]: r for r in (evaluated.get(env_id) or {}).get("rows", [])
                    if r["arm"] == "synthetic-gymnax"}
        if not rows:
            missing.append(env_id)
            continue
        for algorithm, reported in peer.items():
            row = rows[algorithm]
            own = imported.get(algorithm)
            if row["ci_high"] < reported and own is not None and own["ci_high"] < reported:
                peer_below.append(f"{env_id} {algorithm} ({interval_cell(own)} against "
                                  f"{reported:.1f}; synthax's {interval_cell(row)})")
            if row["iqm"] >= reported:
                at_or_above += 1
            elif row["ci_high"] >= reported:
                within.append(f"{env_id} {algorithm} ({interval_cell(row)} against "
                              f"{reported:.1f})")
            else:
                below.append(f"{env_id} {algorithm} ({interval_cell(row)} against "
                             f"{reported:.1f}, short by {reported - row['ci_high']:.1f} at the "
                             "interval's upper end)")
    lines = ["## Against synthetic-gymnax's published table", "",
             f"synthax's environments match or beat {at_or_above} of synthetic-gymnax's "
             f"published cells for the environments shipped so far."]
    if within:
        lines.append("Below its IQM, but with the published IQM inside synthax's 95% interval: "
                     + "; ".join(within) + ".")
    if below:
        lines.append("Below it, interval and all: " + "; ".join(below) + ". What was tried "
                     "for each, and by how much it moved, is in [Reproducing]"
                     "(reproducing.md#the-shipped-classic-control-environments).")
    if peer_below:
        lines.append("Of these, synthetic-gymnax's own environment, rerun here with the same "
                     "agents and seeds (its *imported* column), is below its published IQM, "
                     "interval and all, too: " + "; ".join(peer_below) + ".")
    if below:
        lines += ["", "synthetic-gymnax's scale (from its configuration files: population, "
                  "generations, agents trained per member and generation) against these "
                  "runs' (each stage, in order), for the environments with a cell below it:", "",
                  "| env | synthetic-gymnax | synthax | synthetic-gymnax's agent trainings per "
                  "member | synthax's |",
                  "|---|---|---|---|---|"]
        names = {env_id: name for name, env_id in ENV_IDS.items()}
        for env_id in sorted({b.split(" ")[0] for b in below + within}):
            scales, trainings = [], 0
            for _, folder in stage_runs(names[env_id]):  # every stage, in order
                summary = json.loads((folder / "summary.json").read_text())
                config = MetaLearnConfig.from_dict(summary["config"])
                # A fitness that trains no agent (the argmax policy's, the true critic's) has
                # none; under schedule "all" every algorithm trains num_rollouts agents.
                rollouts = config.num_rollouts if config.objective == "final_return" else 0
                if config.schedule == "all":
                    rollouts *= len(config.agents)
                scales.append(f"{summary['population_size']} / {summary['generations']} / "
                              f"{rollouts}")
                trainings += summary["generations"] * rollouts
            population, generations, peer_rollouts = PEER_SCALE[env_id]
            lines.append(
                f"| {env_id} | {population} / {generations} / {peer_rollouts} | "
                f"{', then '.join(scales)} | {generations * peer_rollouts:,} | {trainings:,} |")
        lines += ["", "Where a bandit's own optimal policy (next section) is far below "
                  "synthetic-gymnax's, the shortfall is in the learned reward rather than in the "
                  "agents, which learn more from synthetic-gymnax's imported environment (its "
                  "column in each table above)."]
    if missing:
        lines.append("Not shipped yet: " + ", ".join(missing) + ".")
    return lines + [""]


STAGED_PENDULUM = (  # (run folder, the config it ran)
    ("Pendulum-v1-policy", "experiments/configs/pendulum_policy/stage1.yaml"),
    ("Pendulum-v1-policy-stage2", "experiments/configs/pendulum_policy/stage2.yaml"),
    ("Pendulum-v1-argmax", "experiments/configs/pendulum_policy/argmax.yaml"),
    ("Pendulum-v1-true-critic", "experiments/configs/pendulum_policy/true_critic.yaml"),
    ("Pendulum-v1-true-critic-from-argmax",
     "experiments/configs/pendulum_policy/true_critic_from_argmax.yaml"),
    ("Pendulum-v1-true-critic-actors",
     "experiments/configs/pendulum_policy/true_critic_actors.yaml"),
    ("Pendulum-v1-true-critic-unscaled",
     "experiments/configs/pendulum_policy/true_critic_unscaled.yaml"),
)
TRUE_CRITIC = ROOT / "experiments" / "results" / "true_critic.json"


def _stage_fitness(config: dict) -> str:
    """What a staged run's fitness is, from its `config.json`."""
    warm = (f", warm-started from `{config['init_environment']}`"
            if config["init_environment"] else "")
    if config["objective"] == "true_critic_return":
        kwargs = config["objective_kwargs"]
        actors = kwargs.get("num_actors", 1)
        unscaled = ("; raw observations, no `scale_reward_input` or `scale_initial_state`"
                    if not (config["scale_reward_input"] or config["scale_initial_state"]) else "")
        return (f"the real return of {'an actor' if actors == 1 else f'{actors} actors'} "
                f"trained {kwargs.get('steps', 1000)} Adam steps on the bandit's reward as its "
                f"exact critic (`true_critic_return`; no agent trained){warm}{unscaled}")
    if config["objective"] == "optimal_policy_return":
        states = config["objective_kwargs"].get("num_states")
        known = f" known at {states} resets" if states else ", known at every state"
        return (f"the real return of the bandit's own optimal policy{known} "
                f"(`optimal_policy_return`{f', `num_states` {states}' if states else ''}; "
                "no agent trained)")
    agents, rollouts = config["agents"], config.get("num_rollouts", 1)
    if config.get("schedule", "round_robin") == "all" and len(agents) > 1:
        which = f"the mean of {' and '.join(agents)} agents together"
        if config.get("fitness_combination", "mean") == "centered_ranks":
            which = (f"{' and '.join(agents)} agents together, ranked by the mean of each "
                     "algorithm's centered ranks")
    else:
        which = f"{', '.join(agents)} in turn" if len(agents) > 1 else agents[0]
    per_member = f", {rollouts} agents of each per member" if rollouts > 1 else ""
    return f"the agents' ({which}{per_member}){warm}"


def staged_pendulum_section() -> list[str]:
    """What was tried for Pendulum-v1 since the 1000-generation run: fitnesses that train no
    agent, and the agents' fitness from one's result (the committed runs' logs and summaries),
    then how well those fitnesses track agents (`experiments/true_critic.py`'s results)."""
    runs = [(ROOT / "experiments" / "runs" / folder, config) for folder, config in STAGED_PENDULUM]
    runs = [(run, config) for run, config in runs if (run / "summary.json").exists()]
    if not runs:
        return []
    lines = [
        "## Pendulum-v1: fitnesses that train no agent",
        "",
        "Committed runs, each with its command (on a 2-core CPU); the argmax run and, from "
        "its result, the true-critic run with 4 actors are the first two stages of the shipped "
        "environment (the Pendulum-v1 section above). *Fitness* is the population's mean fitness "
        "(the run's own objective), *mean environment* the real return of the agents trained "
        "on the search mean each generation (the log's `mean_return`: DDPG where the fitness "
        "trains no agent, the generation's algorithm otherwise), each averaged over the first "
        "and the last 20 generations. *Final* is the mean real return of the summary's agents "
        "per algorithm (10k steps on the result, and on the real env).",
        "",
        "| run | fitness | generations | wall time | fitness, first / last 20 | mean "
        "environment, first / last 20 | final: synthetic env | final: real env |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run, config in runs:
        summary = json.loads((run / "summary.json").read_text())
        records = _read_log(run / "log.jsonl")
        devices = records[-1]["devices"].split(" x ")[0]  # the log's "<n> x cpu"
        fitness = _stage_fitness(summary["config"])
        last = records[-1]["generation"]
        first_fit, first_env, _ = _window_means(records, 20)
        last_fit, last_env, _ = _window_means(records, last)
        final = "; ".join(
            f"{a} {e['synthetic_10k']['mean']:.1f}" for a, e in summary["eval"].items())
        real = "; ".join(f"{a} {e['real_10k']['mean']:.1f}" for a, e in summary["eval"].items())
        lines.append(
            f"| `SYNTHAX_CPU_DEVICES={devices} synthax metalearn --config {config} --out "
            f"experiments/runs/{run.name}` | {fitness} | {last} (population "
            f"{summary['population_size']}) | {summary['wall_seconds'] / 60:.1f} min | "
            f"{first_fit:.1f} / {last_fit:.1f} | {first_env:.1f} / {last_env:.1f} | {final} | "
            f"{real} |")
    if not TRUE_CRITIC.exists():
        return lines + [""]
    result = json.loads(TRUE_CRITIC.read_text())
    rows = {row["env"]: row for row in result["rows"]}

    def spread(values):
        return f"{np.mean(values):.1f} ({min(values):.1f} to {max(values):.1f})"

    lines += ["", "A fitness that trains no agent must rank environments as agents would. Below, "
              "for each Pendulum-v1 bandit: the real return of its argmax policy; of an actor "
              "trained on its reward as the exact critic at its own resets (`synthax.meta."
              "TrueCriticReturn`), and at resets uniform over the real states (angle on the "
              "circle, angular velocity within its bounds); the range of its resets' cos(angle) "
              "(1st-99th percentile of 4,000); and the agents its run's summary trained on it.",
              "", "```bash", "python experiments/true_critic.py --synthetic-gymnax "
              ".whl/synthetic_gymnax-0.0.1-py3-none-any.whl", "```", "",
              f"Real returns, means over {result['episodes']} episodes; the true-critic columns "
              f"give the mean and range over {result['seeds']} seeds (actor initialisations and "
              "resets). *Agents*: mean real return after 10k steps on the environment "
              "(synthetic-gymnax's agents' IQMs are in the Pendulum-v1 table above).", "",
              "| environment | argmax policy | true critic, 200 steps | true critic, 1000 steps "
              "| 1000 steps, uniform real resets | resets' cos(angle) | agents |",
              "|---|---|---|---|---|---|---|"]
    for name, row in rows.items():
        agents = ("; ".join(f"{a} {v:.1f}" for a, v in row["agents"].items())
                  if row["agents"] else "-")
        cos = row["reset_percentiles"][0]
        label = name if name == "synthetic-gymnax" else f"`experiments/runs/{name}`"
        lines.append(f"| {label} | {row['argmax']:.1f} | {spread(row['true_critic_200'])} | "
                     f"{spread(row['true_critic_1000'])} | "
                     f"{spread(row['true_critic_uniform_1000'])} | [{cos[0]:.2f}, {cos[1]:.2f}] "
                     f"| {agents} |")
    argmax = rows.get("Pendulum-v1-argmax")
    if argmax is not None:
        uniform = argmax["true_critic_uniform_1000"]
        lines += ["", f"The argmax policy does not rank them as agents do: the argmax run's "
                  f"result asks for a policy that scores {argmax['argmax']:.1f}, yet the "
                  f"actors trained on it score {np.mean(argmax['true_critic_1000']):.1f} and its "
                  "agents about the same. Its resets stay in the lower part of the circle "
                  f"(cos(angle) {argmax['reset_percentiles'][0][0]:.2f} to "
                  f"{argmax['reset_percentiles'][0][1]:.2f}), so no actor sees the upright "
                  f"states; with uniform real resets the best of {len(uniform)} actors "
                  f"scores {max(uniform):.1f}, and {sum(v > -500 for v in uniform)} of them "
                  "better than -500: the reward's gradient in the action leads most "
                  "initialisations elsewhere."]
    with_agents = [row for row in rows.values() if row["agents"]]
    if with_agents:
        def gap(row, value):
            return abs(value - np.mean(list(row["agents"].values())))

        critic = max(gap(row, np.mean(row["true_critic_1000"])) for row in with_agents)
        policy = max(gap(row, row["argmax"]) for row in with_agents)
        lines += ["", f"Over the {len(with_agents)} environments with agents, the true critic's "
                  f"return (1000 steps) is within {critic:.0f} of the mean of the agents' "
                  f"returns, the argmax policy's within {policy:.0f}."]
    return lines + [""]


def bandit_optimum_section() -> list[str]:
    """The real return of each bandit's optimal policy (`experiments/bandit_optimum.py`)."""
    path = ROOT / "experiments" / "results" / "bandit_optimum.json"
    if not path.exists():
        return []
    result = json.loads(path.read_text())
    lines = [
        "## What the reward networks ask for",
        "",
        "A contextual bandit's optimal policy takes, in every observation, the action of highest "
        "reward (`synthax.evaluation.optimal_bandit_policy`; for `Box` actions the best of a "
        f"{result['points_per_dim']}-point grid per dimension). Agents trained on a bandit learn "
        "at best this policy, so its return in the real environment, measured with no agent "
        "training, tells whether the reward network encodes a solution at all. Mean and median "
        f"over {result['episodes']} real episodes; synthax's environment is each run's search "
        "mean at its last checkpoint (the generation column):",
        "",
        "```bash",
        "python experiments/bandit_optimum.py --synthetic-gymnax "
        ".whl/synthetic_gymnax-0.0.1-py3-none-any.whl",
        "```",
        "",
        "| env | synthax: generation | synthax: mean | synthax: median | "
        "synthetic-gymnax: mean | synthetic-gymnax: median |",
        "|---|---|---|---|---|---|",
    ]
    by_env: dict[str, dict[str, dict]] = {}
    for row in result["rows"]:
        by_env.setdefault(row["env_id"], {})[row["arm"]] = row

    def cells(row, with_generation=False):
        if row is None:
            return ["-"] * (3 if with_generation else 2)
        values = [f"{row['mean']:.1f}", f"{row['median']:.1f}"]
        return ([str(row["generation"] or "-")] if with_generation else []) + values

    for env_id, arms in by_env.items():
        lines.append(f"| {env_id} | " + " | ".join(
            cells(arms.get("synthax"), True) + cells(arms.get("synthetic-gymnax"))) + " |")
    return lines + [""]


def _scaling_command(result: dict) -> str:
    """The `experiments/bandit_scaling.py` command that wrote `result`."""
    command = f"python experiments/bandit_scaling.py --env {result['env_id']}"
    initial = {row.get("scale_initial_state", False) for row in result["rows"]}
    if initial != {False}:
        command += " --scale-initial-state " + ("both" if len(initial) == 2 else "on")
    if result["generations"] != 10:
        command += f" --generations {result['generations']}"
    return command


def scaling_section() -> list[str]:
    """The measurements behind `scale_reward_input` and `scale_initial_state`
    (`experiments/bandit_scaling.py`)."""
    folder = ROOT / "experiments" / "results" / "bandit_scaling"
    results = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    if not results:
        return []
    lines = [
        "## Why the bandits scale their networks to the real bounds",
        "",
        "MountainCar's velocity spans only ±0.07, so with raw observations it barely moves a "
        "randomly initialised reward network, agents trained on such bandits ignore it, and a "
        "policy that ignores velocity never climbs the hill: every candidate scores -horizon "
        "and the evolution strategy has no signal. With `scale_reward_input` the reward network "
        "reads every bounded dimension mapped to [-1, 1]. Pendulum's angular velocity spans ±8, "
        "but a random initial-state network's outputs are of order 1, so its resets stay near "
        "the centre of that range and agents never see the states of a swing-up; with "
        "`scale_initial_state` the initial-state network's output is in units of the bounds' "
        "half-width. Below, for SNES at population 32 with one inner-loop algorithm (random "
        "hyperparameters): the generations in which some candidate beat the threshold "
        "(MountainCar-v0: reached the goal within the horizon; MountainCarContinuous-v0: a "
        "positive return, i.e. the goal's +100 collected; Pendulum-v1: better than -1000), the "
        "best fitness, and the population's mean fitness averaged over the last 5 generations.",
        "",
    ]
    for result in results:
        lines += [
            f"`{_scaling_command(result)}` ({result['agent']}, horizon "
            f"{result['eval_horizon']}, threshold {result['threshold']:g}):",
            "",
            "| scale_reward_input | scale_initial_state | sigma_init | generations above the "
            "threshold | best fitness | mean fitness, last 5 generations |",
            "|---|---|---|---|---|---|",
        ]
        for row in result["rows"]:
            last = [r["fitness_mean"] for r in row["records"][-5:]]
            lines.append(
                f"| {'on' if row['scale_reward_input'] else 'off'} | "
                f"{'on' if row.get('scale_initial_state', False) else 'off'} | "
                f"{row['sigma_init']:g} | "
                f"{row['generations_above_threshold']}/{result['generations']} | "
                f"{row['best_fitness']:.1f} | {sum(last) / len(last):.1f} |"
            )
        lines.append("")
    return lines


def rollouts_section() -> list[str]:
    """Agents per member and generation, at a fixed budget of agent trainings
    (`experiments/num_rollouts.py`)."""
    from num_rollouts import WINDOW, markdown  # experiments/num_rollouts.py

    folder = ROOT / "experiments" / "results" / "num_rollouts"
    results = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    if not results:
        return []
    lines = [
        "## One agent per member, or the mean of several (`num_rollouts`)",
        "",
        "With random hyperparameters, one agent per population member ranks the candidates on "
        "a single hyperparameter draw (shared by the population). synthetic-gymnax trains 8 "
        "agents per member and generation, each with its own draw, and ranks the candidates by "
        "their mean (`num_rollouts` in `MetaLearnConfig`). At a fixed budget of agent "
        "trainings per member, a run with `num_rollouts` r has 1/r of the generations:",
        "",
    ]
    for result in results:
        rollouts = " ".join(str(row["num_rollouts"]) for row in result["rows"])
        shared = min(row["generations"] for row in result["rows"])
        first = max(shared - WINDOW, 0)

        def final(row):
            return np.mean([arm["mean"] for arm in row["final"].values()])

        def same(row, first=first, shared=shared):
            return np.mean([r["mean_return"] for r in row["records"][first:shared]])

        best_final, best_same = max(result["rows"], key=final), max(result["rows"], key=same)
        lines += [
            "```bash",
            f"python experiments/num_rollouts.py --config {result['config']} --agents "
            f"{' '.join(result['agents'])} --population-size {result['population_size']} "
            f"--rollouts {rollouts} --budget {result['budget']}",
            "```",
            "",
            markdown(result),
            "",
            f"Per generation (generations {first + 1}-{shared}) the mean environment did best "
            f"with `num_rollouts` {best_same['num_rollouts']} ({same(best_same):.1f}); for the "
            "same number of agent trainings the best final return, averaged over the "
            f"algorithms, came from `num_rollouts` {best_final['num_rollouts']} "
            f"({final(best_final):.1f}, {best_final['generations']} generations).",
            "",
        ]
    return lines


def fitness_signal_section() -> list[str]:
    """How much one generation's ranking tells the strategy (`experiments/fitness_signal.py`)."""
    from fitness_signal import markdown  # experiments/fitness_signal.py

    folder = ROOT / "experiments" / "results" / "fitness_signal"
    results = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    if not results:
        return []
    results.sort(key=lambda r: (r["run"], r["agent"], r["generation"]))
    lines = [
        "## How much one generation's ranking tells the strategy",
        "",
        "With random hyperparameters a generation ranks the candidates by one agent draw "
        "(hyperparameters and seed, shared by the population), or by the mean of "
        "`num_rollouts` r draws. Below, a run's search distribution proposes a population (at "
        "its last checkpoint, or at its start: generation 0), every member is scored with "
        "several independent draws, and each cell is the Spearman rank correlation between the "
        "member means of two disjoint groups of r draws (mean [5th, 95th percentile] over "
        "random splits): near 0, the ranking a generation sees is the draw's noise; near 1, it "
        "is the candidates' quality. The last columns: the spread (std) of the members' mean "
        "fitness over all draws, and of the draws' mean fitness over all members.",
        "",
        "```bash",
    ]
    for result in results:
        lines.append(
            f"python experiments/fitness_signal.py --run {result['run']}"
            + (" --at init" if result["at"] == "init" else "")
            + f" --agents {result['agent']} --draws {result['draws']} "
            f"--members {result['members']}")
    lines += ["```", ""]
    for run in sorted({r["run"] for r in results}):
        group = [r for r in results if r["run"] == run]
        lines += [f"`{run}` ({group[0]['env_id']}, {group[0]['devices']}):", "",
                  markdown(group), ""]
    return lines


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-gymnax", type=Path, default=None,
                        help="synthetic-gymnax 0.0.1 wheel (adds its imported environments)")
    parser.add_argument("--only", nargs="+", choices=list(ENV_IDS), default=list(ENV_IDS))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--force", action="store_true", help="re-evaluate cached results")
    args = parser.parse_args()
    enable_compilation_cache()
    lines = [
        "# Results: the classic-control synthetic environments",
        "",
        "Regenerate this page (it reuses cached evaluations in "
        "`experiments/results/classic_control/`; `--force` recomputes them). The first "
        "command downloads synthetic-gymnax's wheel, whose checkpoints the *synthetic-gymnax "
        "(imported)* column reads as data:",
        "",
        "```bash",
        DOWNLOAD,
        COMMAND,
        "```",
        "",
        "Every cell trains 20 agents of one algorithm for 10,000 steps in one environment, with "
        "hyperparameters drawn uniformly from `synthax.agents.SEARCH_SPACES` (the same 20 draws "
        "and seeds in every column), and evaluates each on 50 episodes of the real environment. "
        "Cells give the interquartile mean (IQM) of the 20 agents' mean returns with a 95% "
        "stratified-bootstrap interval (rliable). *synthetic-gymnax published* is the IQM the "
        "synthetic-gymnax paper (Liesen et al. 2024) reports for its own environments, not "
        "rerun here; the "
        "*synthetic-gymnax (imported)* column reruns its shipped checkpoints in synthax.",
        "",
    ]
    evaluated = {}
    for name, env_id in ENV_IDS.items():
        done = (shipped_run(name)[1] / "summary.json").exists()
        cached = ROOT / "experiments" / "results" / "classic_control" / env_id / "results.json"
        results = None
        if name in args.only and (done or args.synthetic_gymnax is not None):
            results = evaluate_env(name, env_id, args.synthetic_gymnax, args.runs,
                                   args.episodes, args.force, with_synthax=done)
        elif cached.exists():
            results = json.loads(cached.read_text())
            if done and not any(r["arm"] == "synthax" for r in results["rows"]):
                results = None
        if done and results is None:
            lines += [f"## {env_id}", "", "Meta-learned, not evaluated yet.", ""]
            continue
        lines += env_section(name, env_id, results)
        if done:
            evaluated[env_id] = results
    lines += peer_comparison(evaluated)
    lines += staged_pendulum_section()
    lines += bandit_optimum_section()
    lines += scaling_section()
    lines += rollouts_section()
    lines += fitness_signal_section()
    atomic_write_text(ROOT / "docs" / "results.md", "\n".join(lines).rstrip() + "\n")
    print(ROOT / "docs" / "results.md")


if __name__ == "__main__":
    main()
