"""Environment steps and seconds for PPO to reach a real CartPole-v1 return of 475.

Two arms in one run, same PPO defaults and seeds (vmapped):
- real: PPO trains on CartPole-v1 (budget `--real-steps`, learning-rate annealed over it);
- synthetic: PPO trains on the shipped Synthetic-CartPole-v1 (its default 10k steps).
After every `--eval-every` iterations each agent is evaluated on the real CartPole-v1
(`--episodes` episodes, deterministic policy). Seconds are the cumulative training wall time
(all seeds together, evaluation and compilation excluded) until that seed's first evaluation at
or above the threshold; compile seconds are reported apart.

    python benchmarks/ppo_cartpole_time_to_solve.py [--seeds 8]
"""

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from synthax.agents import PPO
from synthax.envs import make
from synthax.evaluation import evaluate
from synthax.loops import filter_scan
from synthax.parallel import restart_with_cpu_devices


def run_arm(name, agent, train_env, real_env, seeds, eval_every, episodes, threshold):
    keys = jax.random.split(jax.random.PRNGKey(0), seeds)
    init = eqx.filter_jit(eqx.filter_vmap(lambda k: agent.init(train_env, k)))

    @eqx.filter_jit
    def chunk(states):
        def many(state):
            def body(s, _):
                s, m = agent.update(train_env, s)
                return s, m["episode_return"]
            return filter_scan(body, state, None, eval_every)[0]

        return eqx.filter_vmap(many)(states)

    @eqx.filter_jit
    def real_return(states, key):
        return eqx.filter_vmap(
            lambda s: jnp.mean(evaluate(s.model.policy, real_env, key, episodes).returns)
        )(states)

    t0 = time.perf_counter()
    states = init(keys)
    chunk_c = chunk.lower(states).compile()
    eval_c = real_return.lower(states, keys[0]).compile()
    compile_seconds = time.perf_counter() - t0

    steps_to = np.full(seeds, np.nan)
    seconds_to = np.full(seeds, np.nan)
    train_seconds, steps = 0.0, 0
    for i in range(agent.num_iterations // eval_every):
        t = time.perf_counter()
        states = jax.block_until_ready(chunk_c(states))
        train_seconds += time.perf_counter() - t
        steps += eval_every * agent.batch_size
        returns = np.asarray(eval_c(states, jax.random.PRNGKey(i)))
        newly = (returns >= threshold) & np.isnan(steps_to)
        steps_to[newly], seconds_to[newly] = steps, train_seconds
        if not np.isnan(steps_to).any():
            break
    solved = ~np.isnan(steps_to)
    return {
        "arm": name,
        "solved": f"{solved.sum()}/{seeds}",
        "median_steps": float(np.median(steps_to[solved])) if solved.any() else float("nan"),
        "median_seconds": float(np.median(seconds_to[solved])) if solved.any() else float("nan"),
        "max_steps_budget": agent.num_iterations * agent.batch_size,
        "compile_seconds": compile_seconds,
    }


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--episodes", type=int, default=32)
    parser.add_argument("--threshold", type=float, default=475.0)
    parser.add_argument("--real-steps", type=int, default=500_000)
    args = parser.parse_args()
    real = make("CartPole-v1")
    synthetic = make("Synthetic-CartPole-v1")
    rows = [
        run_arm("synthetic", PPO(), synthetic, real, args.seeds, 1, args.episodes,
                args.threshold),
        run_arm("real", PPO(total_timesteps=args.real_steps), real, real, args.seeds, 10,
                args.episodes, args.threshold),
    ]
    print(f"PPO on CartPole-v1, {args.seeds} seeds, threshold {args.threshold} "
          f"(jax {jax.__version__}, {jax.devices()[0].platform})")
    print(f"{'arm':<10} {'solved':>7} {'median steps':>13} {'median s':>9} {'budget':>8} "
          f"{'compile s':>10}")
    for r in rows:
        print(f"{r['arm']:<10} {r['solved']:>7} {r['median_steps']:>13.0f} "
              f"{r['median_seconds']:>9.2f} {r['max_steps_budget']:>8} "
              f"{r['compile_seconds']:>10.1f}")
    real_row, synth_row = rows[1], rows[0]
    if not np.isnan(real_row["median_steps"]) and not np.isnan(synth_row["median_steps"]):
        steps = real_row["median_steps"] / synth_row["median_steps"]
        seconds = real_row["median_seconds"] / synth_row["median_seconds"]
        print(f"ratio real/synthetic: steps {steps:.1f}x, seconds {seconds:.1f}x")


if __name__ == "__main__":
    main()
