"""How much does one generation's ranking tell the evolution strategy? Fitness reliability.

With random hyperparameters a generation scores every candidate environment with the same
agent draw (hyperparameters and seed, shared by the population: common random numbers), so the
ranking the strategy sees is the ranking for that one draw; with `num_rollouts` r it is the
ranking of the mean over r draws. This script asks a run's search distribution for a population
(at the run's checkpoint, or at its initial state with `--at init`), scores every member with
`--draws` K independent draws of each algorithm in `--agents`, and measures how well the ranking
from the mean of r draws agrees with the ranking from r other draws: the Spearman rank
correlation between two disjoint groups of r draws, averaged over `--splits` random splits,
for r = 1, 2, 4, ... up to K/2. A correlation near 0 means that a generation's ranking is mostly
the draw's noise, not the candidates' quality; the peer's `num_rollouts: 8` (Pendulum) averages
8 draws.

    python experiments/fitness_signal.py --run experiments/runs/Pendulum-v1 --agents ppo \
        --draws 16 --members 64

Writes `experiments/results/fitness_signal/<run>-<at>-<agent>.json` (every score, read by
`experiments/classic_control_results.py`) and prints a markdown table.
"""

import argparse
import json
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
from scipy.stats import spearmanr

from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.meta import InnerLoop, MetaLearnConfig
from synthax.meta.run import CONFIG_FILE, build_learner, load_meta_state
from synthax.parallel import device_description, restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "experiments" / "results" / "fitness_signal"


def group_sizes(draws: int) -> list[int]:
    """1, 2, 4, ... up to `draws // 2` (two disjoint groups must fit in `draws`)."""
    sizes, r = [], 1
    while 2 * r <= draws:
        sizes.append(r)
        r *= 2
    return sizes


def split_half_correlations(scores: np.ndarray, r: int, splits: int,
                            rng: np.random.Generator) -> np.ndarray:
    """Spearman correlations, float `(splits,)`, between the member means of two disjoint random
    groups of `r` draws each; `scores` is float `(draws, members)`."""
    out = np.empty(splits)
    for i in range(splits):
        order = rng.permutation(scores.shape[0])
        a, b = scores[order[:r]].mean(axis=0), scores[order[r:2 * r]].mean(axis=0)
        out[i] = spearmanr(a, b).statistic
    return out


def population(run: Path, at: str, members: int, seed: int):
    """The config, learner and `members` candidate environments (stacked) that the run's search
    distribution proposes at its checkpoint (`at="checkpoint"`) or at its start (`"init"`)."""
    config = MetaLearnConfig.from_dict(json.loads((run / CONFIG_FILE).read_text()))
    if members > config.population_size or members % len(jax.devices()):
        raise ValueError(f"--members must be at most the population size "
                         f"({config.population_size}) and a multiple of the device count "
                         f"({len(jax.devices())}), got {members}")
    learner = build_learner(config)
    if at == "checkpoint":
        state, header = load_meta_state(learner, run, config.seed)
        generation = int(header["generation"])
    else:
        state, generation = learner.init(jax.random.PRNGKey(config.seed)), 0
    params, _ = learner.strategy.ask(jax.random.PRNGKey(seed), state.es_state, state.es_params)
    params = jax.tree.map(lambda x: x[:members], params)
    return config, learner, learner.from_parameters(params), generation


def measure(run: Path, at: str, agent: str, draws: int, members: int, splits: int,
            seed: int) -> dict:
    config, learner, envs, generation = population(run, at, members, seed)
    if agent not in config.agents:
        raise ValueError(f"--agents must be among the run's {list(config.agents)}, got {agent!r}")
    loop = learner.inner_loop
    single = InnerLoop((loop.agents[config.agents.index(agent)],), loop.random_hyperparameters)

    @eqx.filter_jit
    def scores_for(envs, key):
        return single.population_fitness(envs, learner.real_env, jax.numpy.asarray(0), key,
                                         learner.num_eval_episodes, sharding=learner.sharding)

    keys = jax.random.split(jax.random.PRNGKey(seed + 1), draws)
    t0 = time.perf_counter()
    scores = [np.asarray(scores_for(envs, keys[0]))]
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for key in keys[1:]:
        scores.append(np.asarray(scores_for(envs, key)))
    per_draw = (time.perf_counter() - t0) / max(draws - 1, 1)
    scores = np.stack(scores)  # (draws, members)
    rng = np.random.default_rng(seed)
    rows = []
    for r in group_sizes(draws):
        corr = split_half_correlations(scores, r, splits, rng)
        rows.append({"num_rollouts": r, "spearman_mean": float(corr.mean()),
                     "spearman_p05": float(np.percentile(corr, 5)),
                     "spearman_p95": float(np.percentile(corr, 95))})
    member_means = scores.mean(axis=0)
    return {
        "run": str(run.relative_to(ROOT) if run.is_relative_to(ROOT) else run),
        "env_id": config.env_id, "at": at,
        "generation": generation, "agent": agent, "draws": draws, "members": members,
        "splits": splits, "seed": seed, "num_eval_episodes": learner.num_eval_episodes,
        "devices": device_description(),
        "first_draw_seconds": first, "seconds_per_draw": per_draw,
        "member_mean_std": float(member_means.std()),
        "draw_mean_std": float(scores.mean(axis=1).std()),
        "within_draw_std": float(scores.std(axis=1).mean()),
        "rows": rows, "scores": scores.tolist(),
    }


def markdown(results: list[dict]) -> str:
    sizes = sorted({row["num_rollouts"] for res in results for row in res["rows"]})
    lines = ["| agent | generation | members x draws | "
             + " | ".join(f"r = {r}" for r in sizes)
             + " | std of member means | std of draw means | seconds per draw |",
             "|---|---|---|" + "---|" * len(sizes) + "---|---|---|"]
    for res in results:
        by_r = {row["num_rollouts"]: row for row in res["rows"]}
        cells = [f"{by_r[r]['spearman_mean']:.2f} [{by_r[r]['spearman_p05']:.2f}, "
                 f"{by_r[r]['spearman_p95']:.2f}]" if r in by_r else "-" for r in sizes]
        lines.append(f"| {res['agent']} | {res['generation']} | {res['members']} x "
                     f"{res['draws']} | " + " | ".join(cells)
                     + f" | {res['member_mean_std']:.1f} | {res['draw_mean_std']:.1f} | "
                     f"{res['seconds_per_draw']:.1f} |")
    return "\n".join(lines)


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=ROOT / "experiments" / "runs" / "Pendulum-v1")
    parser.add_argument("--at", choices=["checkpoint", "init"], default="checkpoint")
    parser.add_argument("--agents", nargs="+", default=["ppo"])
    parser.add_argument("--draws", type=int, default=16)
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--splits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.draws < 2:
        parser.error(f"--draws must be at least 2, got {args.draws}")
    enable_compilation_cache()
    run = args.run.resolve()
    results = []
    for agent in args.agents:
        result = measure(run, args.at, agent, args.draws, args.members, args.splits, args.seed)
        OUT.mkdir(parents=True, exist_ok=True)
        atomic_write_text(OUT / f"{run.name}-{args.at}-{agent}.json",
                          json.dumps(result, indent=1) + "\n")
        results.append(result)
        print(markdown([result]), flush=True)
    print(markdown(results))


if __name__ == "__main__":
    main()
