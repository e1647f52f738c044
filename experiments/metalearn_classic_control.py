"""Meta-learn the five shipped classic-control synthetic environments and install them.

For each config in `experiments/configs/` this runs `synthax metalearn` into
`experiments/runs/<env_id>/` (resuming from its checkpoint if a previous call was stopped, and
skipping runs that are complete), then copies the run's `env.eqx` to
`synthax/checkpoints/data/Synthetic-<env_id>.eqx`, where `synthax.make` and `gymnax.make` find it.

    python experiments/metalearn_classic_control.py [--only cartpole acrobot ...]
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from synthax.compilation_cache import enable_compilation_cache
from synthax.meta import MetaLearnConfig
from synthax.meta.run import run_metalearning
from synthax.parallel import restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ["cartpole", "acrobot", "mountaincar", "mountaincar_continuous", "pendulum"]


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=CONFIGS, default=CONFIGS)
    args = parser.parse_args()
    enable_compilation_cache()
    for name in args.only:
        config = MetaLearnConfig.from_file(ROOT / "experiments" / "configs" / f"{name}.yaml")
        out = ROOT / "experiments" / "runs" / config.env_id
        summary_path = out / "summary.json"
        # Compared as configs, so that a summary written before a field existed still matches.
        done = (summary_path.exists() and MetaLearnConfig.from_dict(
            json.loads(summary_path.read_text())["config"]) == config)
        if not done:
            resume = (out / "state.eqx").exists()
            print(f"{config.env_id}: {'resuming' if resume else 'starting'} -> {out}",
                  file=sys.stderr, flush=True)

            def progress(record):
                print(json.dumps(record), file=sys.stderr, flush=True)

            run_metalearning(config, out, resume=resume, on_generation=progress)
        target = ROOT / "synthax" / "checkpoints" / "data" / f"Synthetic-{config.env_id}.eqx"
        tmp = target.with_suffix(".eqx.tmp")
        shutil.copyfile(out / "env.eqx", tmp)
        tmp.replace(target)
        summary = json.loads(summary_path.read_text())
        print(f"{config.env_id}: {summary['generations']} generations, "
              f"{summary['wall_seconds'] / 60:.1f} min -> {target.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
