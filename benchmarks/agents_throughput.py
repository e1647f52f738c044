"""Training throughput of every agent: environment steps per second for 1 and for 64 vmapped
hyperparameter configurations (sampled from the agent's search space), and compile seconds.

Each agent uses its meta-learning inner-loop sizes (`synthax.agents.INNER_LOOP`, 10k steps) on
the real CartPole-v1 (discrete agents) or Pendulum-v1 (continuous agents).

    python benchmarks/agents_throughput.py [--agents ppo dqn] [--configs 1 64]
"""

import argparse
import time

import equinox as eqx
import jax

from synthax.agents import AGENTS, INNER_LOOP, sample_agent
from synthax.envs import make
from synthax.parallel import restart_with_cpu_devices

DISCRETE = {"ppo", "dqn", "sac"}


def measure(name: str, env, num_configs: int) -> tuple[float, float, int]:
    fixed = INNER_LOOP[name]
    keys = jax.random.split(jax.random.PRNGKey(0), num_configs)
    agents = eqx.filter_vmap(lambda k: sample_agent(name, k, **fixed))(keys)

    def train_all(agents, key):
        return eqx.filter_vmap(lambda a: a.train(env, key)[1])(agents)

    key = jax.random.PRNGKey(1)
    t0 = time.perf_counter()
    compiled = eqx.filter_jit(train_all).lower(agents, key).compile()
    compile_seconds = time.perf_counter() - t0
    jax.block_until_ready(compiled(agents, key))  # warm-up
    t1 = time.perf_counter()
    jax.block_until_ready(compiled(agents, jax.random.PRNGKey(2)))
    seconds = time.perf_counter() - t1
    steps = num_configs * fixed["total_timesteps"]
    return steps / seconds, compile_seconds, steps


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", nargs="*", default=sorted(AGENTS))
    parser.add_argument("--configs", nargs="*", type=int, default=[1, 64])
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {jax.device_count()} device(s)")
    print(f"{'agent':<6} {'env':<12} {'configs':>7} {'steps/s':>12} {'compile s':>10}")
    for name in args.agents:
        env_id = "CartPole-v1" if name in DISCRETE else "Pendulum-v1"
        env = make(env_id)
        for n in args.configs:
            rate, compile_seconds, _ = measure(name, env, n)
            print(f"{name:<6} {env_id:<12} {n:>7} {rate:>12,.0f} {compile_seconds:>10.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
