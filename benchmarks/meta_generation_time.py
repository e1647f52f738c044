"""Seconds per meta-learning generation at synthetic-gymnax's scale, and compile seconds.

One generation of `MetaLearner.step` on CartPole-v1: SNES with population 128; each member's
fitness trains PPO with random hyperparameters for 10k steps on a synthetic contextual bandit
(synthetic-gymnax's inner-loop sizes: 5 envs x 100 steps, 10 epochs, 10 minibatches) and
evaluates it on 50 real episodes of up to 500 steps. The mean environment is evaluated with 1
agent (synthetic-gymnax's measured generation has no mean evaluation). synthetic-gymnax's own
code took 24 s per generation on a 2-core CPU (docs/reproducing.md).

By default it measures twice, each in a fresh process: with JAX's single CPU device
(`SYNTHAX_CPU_DEVICES=1`, the baseline) and with one CPU device per core, the population split
over them (`synthax.parallel`), and prints both and their ratio. `--devices N` measures only
that setting.

    python benchmarks/meta_generation_time.py [--population-size 128] [--generations 3]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import equinox as eqx
import jax

from synthax.meta import MetaLearnConfig
from synthax.meta.run import build_learner
from synthax.parallel import restart_with_cpu_devices


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population-size", type=int, default=128)
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--devices", type=int, default=None,
                        help="measure only with this many CPU devices (default: 1 and one per "
                             "core, each in a fresh process)")
    args = parser.parse_args()
    if args.devices is None:
        compare(args)
        return
    if int(os.environ.get("SYNTHAX_CPU_DEVICES", "0")) != args.devices:
        # The device count is fixed when JAX starts, so measure in a fresh process.
        print(json.dumps(measure_in_subprocess(args, args.devices), indent=2))
        return
    config = MetaLearnConfig(
        env_id=args.env, agents=["ppo"], random_hyperparameters=True,
        population_size=args.population_size, num_eval_episodes=50, num_mean_eval_seeds=1,
        sigma_init=0.05,
    )
    learner = build_learner(config)
    state = learner.init(jax.random.PRNGKey(0))
    t0 = time.perf_counter()
    step = eqx.filter_jit(learner.step).lower(state).compile()
    compile_seconds = time.perf_counter() - t0
    seconds = []
    for _ in range(args.generations):
        t0 = time.perf_counter()
        state, metrics = step(state)
        jax.block_until_ready(metrics)
        seconds.append(time.perf_counter() - t0)
    result = {
        "env_id": args.env, "population_size": args.population_size,
        "inner_loop": "ppo, random hyperparameters, 10k steps (5 envs x 100 steps, 10 epochs, "
                      "10 minibatches)",
        "eval": "50 episodes x <= 500 steps",
        "compile_seconds": round(compile_seconds, 2),
        "seconds_per_generation": [round(s, 2) for s in seconds],
        "median_seconds_per_generation": round(sorted(seconds)[len(seconds) // 2], 2),
        "cpu_count": os.cpu_count(), "backend": jax.default_backend(),
        "devices": len(jax.devices()),
    }
    print(json.dumps(result))


def measure_in_subprocess(args, devices: int) -> dict:
    command = [sys.executable, __file__, "--population-size", str(args.population_size),
               "--generations", str(args.generations), "--env", args.env,
               "--devices", str(devices)]
    env = {**os.environ, "SYNTHAX_CPU_DEVICES": str(devices)}
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(args) -> None:
    from synthax.parallel import usable_cores

    baseline = measure_in_subprocess(args, 1)
    split = measure_in_subprocess(args, usable_cores())
    result = {
        "one_device": baseline, "one_device_per_core": split,
        "speedup": round(baseline["median_seconds_per_generation"]
                         / split["median_seconds_per_generation"], 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
