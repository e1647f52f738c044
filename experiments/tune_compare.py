"""The tuned meta-learning setting against the default, in generations and seconds to a target.

Reads the best trial of a `synthax tune` study, then meta-learns with the base config (the
default setting) and with the base config plus the best trial's values, once per seed, and
records for each run the first generation whose `mean_return` reaches the target and the
seconds of the generations up to it (from `log.jsonl`, compilation excluded; the compile
seconds are listed apart). Writes `results.json`, `results.md` and `trials.md` (every trial
of the study) to `--out`.

    python experiments/tune_compare.py --config experiments/configs/tuning/cartpole.yaml \
        --study sqlite:///tuning/study.db --study-name cartpole --target 475 \
        --seeds 0 1 2 --out experiments/results/tuning/cartpole
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from synthax.parallel import restart_with_cpu_devices


def _returns(out: Path) -> dict[str, float]:
    """The run's last and best `mean_return`."""
    log = [json.loads(ln) for ln in (out / "log.jsonl").read_text().splitlines()]
    return {"last_mean_return": log[-1]["mean_return"],
            "best_mean_return": max(r["mean_return"] for r in log)}


def _to_target(out: Path, target: float) -> tuple[int | None, float | None]:
    log = [json.loads(ln) for ln in (out / "log.jsonl").read_text().splitlines()]
    seconds = 0.0
    for record in log:
        seconds += record["seconds"]
        if record["mean_return"] >= target:
            return record["generation"], seconds
    return None, None


def trials_table(study) -> str:
    """Every trial of `study`: number, state, value, generations reached and its values."""
    # A complete trial's value is the study's objective; Optuna gives a pruned one its last
    # reported value, here the mean_return at the generation where it stopped.
    lines = ["| trial | state | value (complete) or last mean_return (pruned) | generations run "
             "| values |", "|---|---|---|---|---|"]
    for t in study.get_trials(deepcopy=False):
        value = "-" if t.value is None else f"{t.value:g}"
        params = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                           for k, v in t.params.items())
        lines.append(f"| {t.number} | {t.state.name.lower()} | {value} | "
                     f"{t.user_attrs.get('generations', '-')} | {params} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--study", required=True)
    parser.add_argument("--study-name", required=True)
    parser.add_argument("--target", type=float, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import jax
    import optuna

    from synthax.checkpoints.io import atomic_write_text
    from synthax.meta import MetaLearnConfig
    from synthax.meta.run import run_metalearning
    from synthax.meta.tune import DEFAULT_SPACE

    base = MetaLearnConfig.from_file(args.config)
    study = optuna.load_study(study_name=args.study_name, storage=args.study)
    best = study.best_trial
    settings = {"default": base, "tuned": DEFAULT_SPACE.apply(base, best.params)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in settings.items():
            for seed in args.seeds:
                folder = Path(tmp) / f"{name}-{seed}"
                summary = run_metalearning(config.replace(seed=seed), folder)
                generation, seconds = _to_target(folder, args.target)
                rows.append({"setting": name, "seed": seed, "generations_to_target": generation,
                             "seconds_to_target": seconds,
                             "compile_seconds": summary["compile_seconds"],
                             **_returns(folder)})
    trials = study.get_trials(deepcopy=False)
    result = {
        "config": str(args.config), "target": args.target, "seeds": args.seeds,
        "best_trial": {"number": best.number, "value": best.value, "params": best.params},
        "trials": {state: sum(t.state.name == state for t in trials)
                   for state in ("COMPLETE", "PRUNED", "FAIL")},
        "devices": f"{len(jax.devices())} x {jax.devices()[0].device_kind}",
        "runs": rows,
    }
    lines = [f"Target: mean_return >= {args.target:g}; best trial {best.number} of "
             f"{len(trials)}: {json.dumps(best.params)}.", "",
             "| setting | seed | generations to target | seconds to target | last mean_return "
             "| best mean_return | compile s |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        g, s = row["generations_to_target"], row["seconds_to_target"]
        lines.append(f"| {row['setting']} | {row['seed']} | {g if g else 'not reached'} | "
                     f"{f'{s:.1f}' if s else '-'} | {row['last_mean_return']:.1f} | "
                     f"{row['best_mean_return']:.1f} | {row['compile_seconds']:.1f} |")
    for name in settings:
        reached = [r for r in rows if r["setting"] == name and r["generations_to_target"]]
        if reached:
            lines.append(
                f"| {name}, median of {len(reached)} reaching it | | "
                f"{statistics.median(r['generations_to_target'] for r in reached):g} | "
                f"{statistics.median(r['seconds_to_target'] for r in reached):.1f} | | | |")
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "results.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "results.md", "\n".join(lines) + "\n")
    atomic_write_text(args.out / "trials.md", trials_table(study))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
