"""Import synthetic-gymnax's classic-control checkpoints (read as data from its wheel) and measure
them: the share of resets outside the real observation space, and the real return of synthax's
default PPO trained 10k steps on each discrete one.

    pip download --no-deps synthetic-gymnax==0.0.1 -d /tmp/sg
    python experiments/import_synthetic_gymnax.py /tmp/sg/synthetic_gymnax-0.0.1-py3-none-any.whl
"""

import argparse
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from synthax.agents import PPO
from synthax.checkpoints import import_from_wheel
from synthax.checkpoints.synthetic_gymnax import WHEEL_FOLDERS
from synthax.envs import make
from synthax.meta import train_and_evaluate
from synthax.parallel import restart_with_cpu_devices


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--seeds", type=int, default=16)
    args = parser.parse_args()
    print(f"{'env':<26} {'resets outside space':>21} {'PPO 10k real return':>22}")
    for env_id in WHEEL_FOLDERS:
        real = make(env_id)
        env = import_from_wheel(args.wheel, real, env_id)
        obs, _ = jax.vmap(env.reset)(jax.random.split(jax.random.PRNGKey(0), 1000))
        outside = 1.0 - float(np.mean(jax.vmap(real.observation_space.contains)(obs)))
        result = "-"
        if real.is_discrete:
            returns = eqx.filter_jit(lambda k, env=env, real=real: jax.vmap(
                lambda kk: train_and_evaluate(PPO(), env, real, kk, 32)
            )(jax.random.split(k, args.seeds)))(jax.random.PRNGKey(0))
            per_seed = np.asarray(returns).mean(axis=1)
            result = f"{per_seed.mean():.1f} ± {per_seed.std():.1f}"
        print(f"{env_id:<26} {outside:>20.1%} {result:>22}", flush=True)


if __name__ == "__main__":
    main()
