import os
from pathlib import Path

import equinox as eqx
import jax
import pytest

# JAX's persistent compilation cache is opt-in for the tests (SYNTHAX_TEST_CACHE=1: a second local
# run skips most XLA compilation). It is off by default, as in CI, where a clean clone starts with
# an empty cache anyway: once (jax 0.10.2 on the CPU) serialising an executable for the cache
# crashed a test worker with a segmentation fault (in `executable.serialize()`, during the
# MetaLearner block of docs/getting-started.md). Subprocesses (the `synthax` command) inherit it.
if os.environ.get("SYNTHAX_TEST_CACHE") == "1":
    os.environ.setdefault(
        "SYNTHAX_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache" / "jax-tests")
    )
    from synthax.compilation_cache import enable_compilation_cache

    enable_compilation_cache()
else:
    os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"
    jax.config.update("jax_enable_compilation_cache", False)



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
