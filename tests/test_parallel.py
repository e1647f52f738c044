import json
import os
import subprocess
import sys

import numpy as np
import pytest

from synthax.parallel import ENV_VAR, requested_cpu_devices

from .conftest import child_env

# Tiny PPO meta-learning (population 8): prints the device count, the sharding of a
# population-shaped array, and one generation's result (fitness statistics of the population,
# the mean's return, the new search mean).
SCRIPT = """
import json, jax, jax.numpy as jnp, equinox as eqx
import synthax
synthax.parallel.restart_with_cpu_devices()  # SYNTHAX_CPU_DEVICES devices
from synthax.parallel import population_sharding, shard_population
from synthax.agents import PPO
from synthax.envs import make
from synthax.meta import MetaLearner, InnerLoop
from tests.conftest import TINY_PPO
agent = PPO(**{**TINY_PPO, "total_timesteps": 400, "num_steps": 25, "learning_rate": 0.05})
learner = MetaLearner.for_bandit(make("CartPole-v1"), InnerLoop(agent),
                                 key=jax.random.PRNGKey(0), hidden_size=8, population_size=8,
                                 sigma_init=1.0, num_eval_episodes=2, num_mean_eval_seeds=2,
                                 sharding=population_sharding(8))
state = learner.init(jax.random.PRNGKey(1))
state, metrics = eqx.filter_jit(learner.step)(state)
mean = jax.tree.leaves(learner.strategy.get_mean(state.es_state))
spread = eqx.filter_jit(lambda x: shard_population(x, population_sharding(4)) * 2)(
    jnp.ones((4, 3)))
# Without a sharding the library adds no constraint: the result stays on the input's device.
plain = eqx.filter_jit(lambda x: shard_population(x, None) * 2)(
    jax.device_put(jnp.ones((4, 3)), jax.devices()[0]))
unsharded = MetaLearner.for_bandit(make("CartPole-v1"), InnerLoop(agent),
                                   key=jax.random.PRNGKey(0), hidden_size=8, population_size=8)
print(json.dumps({"devices": len(jax.devices()),
                  "shards": len(spread.sharding.device_set),
                  "plain_shards": len(plain.sharding.device_set),
                  "unsharded_state_devices": len(
                      unsharded.init(jax.random.PRNGKey(1)).key.sharding.device_set),
                  "mean_sum": float(sum(jnp.sum(x) for x in mean)),
                  "metrics": {k: float(v) for k, v in metrics.items()}}))
"""


def _run(devices: str) -> dict:
    # CPU devices, also on GPU CI
    env = child_env(**{ENV_VAR: devices, "JAX_PLATFORMS": "cpu"})
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=600, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_population_sharded_over_two_cpu_devices_gives_the_same_generation():
    one, two = _run("1"), _run("2")
    assert (one["devices"], one["shards"]) == (1, 1)
    assert (two["devices"], two["shards"]) == (2, 2)
    # No sharding given, none imposed: nothing is split or copied over the devices.
    assert two["plain_shards"] == 1 and two["unsharded_state_devices"] == 1
    assert one["unsharded_state_devices"] == 1
    # The candidates score differently, so equal statistics mean something.
    assert one["metrics"]["fitness_max"] > one["metrics"]["fitness_min"]
    np.testing.assert_allclose(two["mean_sum"], one["mean_sum"], rtol=1e-4)
    for name, value in one["metrics"].items():
        np.testing.assert_allclose(two["metrics"][name], value, rtol=1e-4, atol=1e-4,
                                   err_msg=name)


def test_requested_cpu_devices(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "3")
    assert requested_cpu_devices() == 3
    monkeypatch.delenv(ENV_VAR)
    assert requested_cpu_devices() >= 1
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv(ENV_VAR, bad)
        with pytest.raises(ValueError, match="positive integer"):
            requested_cpu_devices()


def test_device_description_names_the_count_and_kind():
    import jax

    from synthax.parallel import device_description

    count, kind = device_description().split(" x ", 1)
    assert int(count) == len(jax.devices()) >= 1
    assert kind == jax.devices()[0].device_kind


def test_import_synthax_leaves_jax_configuration_alone():
    """`import synthax` first, before any JAX use: the device count and `jax_num_cpu_devices`
    are what they are without it (the explicit split is the next test's)."""
    probe = ("import json, sys, jax\n"
             "before = jax.config.jax_num_cpu_devices\n"
             "import synthax\n"
             "after = jax.config.jax_num_cpu_devices\n"
             "devices = len(jax.devices())\n"
             "print(json.dumps([before, after, devices]))\n")
    env = child_env(**{ENV_VAR: "2", "JAX_PLATFORMS": "cpu"})
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [-1, -1, 1]


def test_the_synthax_command_splits_the_cpu_by_default():
    """The console script (argv[0] `synthax`) re-runs itself on `SYNTHAX_CPU_DEVICES` devices
    (by default one per core; `restart_with_cpu_devices`); the same `main()` called from other
    code leaves JAX alone."""
    script = ("import sys, jax\n"
              "sys.argv = [sys.argv[1], '--help']\n"
              "from synthax.cli import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print('DEVICES', len(jax.devices()))\n")
    counts = {}
    for name, devices in (("synthax", "2"), ("my_program", "2")):
        env = child_env(**{ENV_VAR: devices, "JAX_PLATFORMS": "cpu"})
        out = subprocess.run([sys.executable, "-c", script, name], env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        assert "metalearn" in out.stdout  # the command ran
        counts[name, devices] = int(out.stdout.strip().splitlines()[-1].split()[1])
    assert counts == {("synthax", "2"): 2, ("my_program", "2"): 1}


def test_a_child_process_asks_for_its_own_device_count():
    """A program split by `restart_with_cpu_devices` passes its XLA flag on to the processes it
    starts; a child that asks for another `SYNTHAX_CPU_DEVICES` gets that count, not the
    parent's (`benchmarks/meta_generation_time.py` measures 1 device from a 2-device parent)."""
    child = ("import jax, synthax\n"
             "synthax.parallel.restart_with_cpu_devices()\n"
             "print(len(jax.devices()))\n")
    parent = ("import os, subprocess, sys, jax, synthax\n"
              "synthax.parallel.restart_with_cpu_devices()\n"
              f"env = {{**os.environ, {ENV_VAR!r}: '1'}}\n"
              "out = subprocess.run([sys.executable, '-c', sys.argv[1]], env=env, check=True,\n"
              "                     capture_output=True, text=True).stdout.split()[-1]\n"
              "print(len(jax.devices()), out)\n")
    env = child_env(**{ENV_VAR: "2", "JAX_PLATFORMS": "cpu"})
    out = subprocess.run([sys.executable, "-c", parent, child], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-2:] == ["2", "1"]
