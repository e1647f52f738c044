import os
from pathlib import Path

import pytest

# Persistent compilation cache: a second test run skips most XLA compilation.
os.environ.setdefault(
    "SYNTHAX_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache" / "jax-tests")
)

from synthax.compilation_cache import enable_compilation_cache  # noqa: E402

enable_compilation_cache()

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
