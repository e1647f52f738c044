"""Seconds per meta-learning generation as one process and as several (`jax.distributed`).

Runs the same `synthax metalearn` config (CartPole-v1, PPO with random hyperparameters and
synthetic-gymnax's inner-loop sizes, SNES) in fresh processes on this machine:

- one process with one CPU device (the baseline);
- one process with `--processes-max` CPU devices, the population split over them in-process
  (`synthax.parallel`);
- `N` processes on localhost with one CPU device each, started as `synthax metalearn
  --coordinator localhost:PORT --num-processes N --process-id I` (gloo CPU collectives), the
  population split over all of their devices.

Each setting's seconds per generation are the median of the run's `log.jsonl` `seconds`
(compilation excluded; its seconds are the summary's `compile_seconds`), and the ratio to the
baseline measured in the same invocation. On a GPU machine run the `synthax metalearn
--distributed` command once per GPU instead (see docs/scaling.md).

    python benchmarks/processes_generation_time.py [--population-size 32] [--generations 4]
        [--processes-max 2]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _run(config: Path, out: Path, processes: int, devices: int) -> dict:
    """One run of the config; its median seconds per generation and compile seconds."""
    env = {**os.environ, "SYNTHAX_CPU_DEVICES": str(devices), "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    base = [sys.executable, "-m", "synthax.cli", "metalearn", "--config", str(config),
            "--out", str(out), "--no-progress"]
    if processes == 1:
        commands = [base]
    else:
        port = _free_port()
        commands = [base + ["--coordinator", f"localhost:{port}", "--num-processes",
                            str(processes), "--process-id", str(i)] for i in range(processes)]
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for c in commands]
    for proc in procs:
        output, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"{' '.join(proc.args)} failed:\n{output[-3000:]}")
    log = [json.loads(ln) for ln in (out / "log.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    seconds = [r["seconds"] for r in log]
    return {
        "processes": processes, "devices_per_process": devices, "devices": log[0]["devices"],
        "seconds_per_generation": [round(s, 2) for s in seconds],
        "median_seconds_per_generation": round(statistics.median(seconds), 2),
        "compile_seconds": round(summary["compile_seconds"], 1),
        "final_mean_return": log[-1]["mean_return"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population-size", type=int, default=32)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--num-eval-episodes", type=int, default=16)
    parser.add_argument("--processes-max", type=int, default=2,
                        help="devices of the in-process split, and processes of the last run")
    args = parser.parse_args()
    from synthax.meta import MetaLearnConfig

    config = MetaLearnConfig(
        env_id="CartPole-v1", agents=["ppo"], random_hyperparameters=True,
        population_size=args.population_size, generations=args.generations,
        num_eval_episodes=args.num_eval_episodes, num_mean_eval_seeds=args.processes_max,
        sigma_init=0.05, checkpoint_every=args.generations, final_eval_seeds=args.processes_max,
    )
    n = args.processes_max
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config.to_dict()))
        runs = {
            "1 process x 1 device": _run(path, Path(tmp) / "a", 1, 1),
            f"1 process x {n} devices": _run(path, Path(tmp) / "b", 1, n),
            f"{n} processes x 1 device": _run(path, Path(tmp) / "c", n, 1),
        }
    baseline = runs["1 process x 1 device"]["median_seconds_per_generation"]
    for run in runs.values():
        run["speedup"] = round(baseline / run["median_seconds_per_generation"], 2)
    print(json.dumps({"population_size": args.population_size,
                      "num_eval_episodes": args.num_eval_episodes,
                      "cpu_count": os.cpu_count(), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
