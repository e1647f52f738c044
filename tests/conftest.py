import os
from pathlib import Path

import equinox as eqx
import jax
import pytest

# JAX's persistent compilation cache is on for the tests (SYNTHAX_TEST_CACHE=0 turns it off), in
# .cache/jax-tests of the checkout, which a clean clone starts without. Many tests compile the
# same programs again (a run and its resume, the `synthax` command in a subprocess and the
# in-process reference run); on the 2-core CPU, tests/test_meta.py and tests/test_bad_inputs.py
# took 345 s without it and 169 s with an empty cache. Subprocesses inherit it
# (SYNTHAX_CACHE_DIR).
if os.environ.get("SYNTHAX_TEST_CACHE", "1") != "0":
    os.environ.setdefault(
        "SYNTHAX_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache" / "jax-tests")
    )
    from synthax.compilation_cache import enable_compilation_cache

    enable_compilation_cache()
else:
    os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"
    jax.config.update("jax_enable_compilation_cache", False)


# The test files that take longest, sent to the workers first (`nox -s tests` runs xdist with
# `--dist loadfile --no-loadscope-reorder`, so files go out in collection order): with xdist's
# default order (most tests first) test_distributed.py, one test of about 3 minutes, started
# last, at 631 s of a 808 s run, with the other worker idle from 674 s.
LONGEST_FIRST = ("test_distributed.py", "test_inner_loop.py", "test_meta.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest in order


def child_env(**variables: str) -> dict[str, str]:
    """The environment for a subprocess of a test: this one's, with `variables` set and without
    any XLA host device count (the child asks for its own), the other XLA flags kept."""
    from synthax.parallel import FORCE_FLAG

    env = {**os.environ, **variables}
    flags = [f for f in env.get("XLA_FLAGS", "").split() if not f.startswith(FORCE_FLAG)]
    env["XLA_FLAGS"] = " ".join(flags)
    return env


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Drop JAX's compiled programs after each test module. Every XLA:CPU executable holds
    memory mappings, and a test worker that kept all of the suite's reached 55,716 of the
    kernel's 65,530 (`vm.max_map_count`) and then crashed inside XLA's compiler."""
    yield
    jax.clear_caches()
    eqx.clear_caches()


TINY_PPO = dict(
    total_timesteps=64, num_envs=4, num_steps=8, num_epochs=1, num_minibatches=2, hidden_size=8
)

TINY_DQN = dict(
    total_timesteps=64, num_envs=4, buffer_size=32, batch_size=8, learning_starts=16,
    hidden_size=8,
)
TINY_OFF_POLICY_BOX = dict(
    total_timesteps=64, num_envs=4, buffer_size=32, batch_size=8, learning_starts=16,
    hidden_size=8, gradient_steps=1,
)
TINY_TABULAR = dict(total_timesteps=64, num_envs=2)
TINY_AGENTS = {"ppo": TINY_PPO, "dqn": TINY_DQN, "sac": TINY_OFF_POLICY_BOX,
               "ddpg": TINY_OFF_POLICY_BOX,
               "td3": TINY_OFF_POLICY_BOX, "q_learning": TINY_TABULAR, "sarsa": TINY_TABULAR}


@pytest.fixture
def tiny_ppo_kwargs():
    return dict(TINY_PPO)
