"""Seconds per generation of a meta-learning config, per inner-loop algorithm, and compile seconds.

Builds the learner of a config file (e.g. `experiments/configs/pendulum.yaml`), compiles one
`MetaLearner.step` and times `--cycles` round-robin cycles (one generation per algorithm each),
on whatever backend JAX starts (the CPU devices of `synthax.parallel` here, a GPU where CUDA JAX
finds one). It answers how long a run of that config takes before starting it.

    python benchmarks/config_generation_time.py --config experiments/configs/pendulum.yaml \
        [--population-size 64] [--cycles 1]

With an evaluation-horizon curriculum, `--generation G` times generations from G on (e.g. a Brax
config at `--generation 1800`, where its horizon has reached 1000 steps; at 0 it is 100), and
`--num-eval-episodes` overrides the config's episodes per fitness evaluation:

    python benchmarks/config_generation_time.py --config experiments/configs/hopper.yaml \
        --population-size 32 --num-eval-episodes 16 --generation 1800
"""

import argparse
import dataclasses
import json
import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from synthax.meta import MetaLearnConfig
from synthax.meta.run import build_learner
from synthax.parallel import restart_with_cpu_devices


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--population-size", type=int, default=None,
                        help="override the config's population_size")
    parser.add_argument("--num-eval-episodes", type=int, default=None,
                        help="override the config's num_eval_episodes")
    parser.add_argument("--generation", type=int, default=0,
                        help="the generation to start timing at (sets the curriculum's horizon)")
    parser.add_argument("--cycles", type=int, default=1)
    args = parser.parse_args()
    if args.cycles < 1:
        parser.error(f"--cycles must be >= 1, got {args.cycles}")
    config = MetaLearnConfig.from_file(args.config)
    if args.population_size is not None:
        config = dataclasses.replace(config, population_size=args.population_size)
    if args.num_eval_episodes is not None:
        config = dataclasses.replace(config, num_eval_episodes=args.num_eval_episodes)
    learner = build_learner(config)
    state = learner.init(jax.random.PRNGKey(config.seed))
    state = learner.place(eqx.tree_at(lambda s: s.generation, state,
                                      jnp.asarray(args.generation, jnp.int32)))
    t0 = time.perf_counter()
    step = eqx.filter_jit(learner.step).lower(state).compile()
    compile_seconds = time.perf_counter() - t0
    seconds: dict[str, list[float]] = {}
    for _ in range(args.cycles * len(learner.inner_loop.names)):
        t0 = time.perf_counter()
        state, metrics = step(state)
        jax.block_until_ready(metrics)
        name = learner.inner_loop.names[int(metrics["algorithm"])]
        seconds.setdefault(name, []).append(round(time.perf_counter() - t0, 2))
    per_cycle = sum(float(np.median(s)) for s in seconds.values())
    print(json.dumps({
        "config": str(args.config), "env_id": config.env_id,
        "population_size": config.population_size,
        "num_eval_episodes": config.num_eval_episodes, "generation": args.generation,
        "eval_horizon": int(metrics["eval_horizon"]), "compile_seconds": round(compile_seconds, 1),
        "seconds_per_generation": seconds, "seconds_per_cycle": round(per_cycle, 1),
        "backend": jax.default_backend(), "devices": len(jax.devices()),
        "cpu_count": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
