"""Every agent trains with an optimiser its `optimizer` field offers besides the default Adam
(which every other agent test trains with), and an unknown name is refused with the allowed
ones."""

import equinox as eqx
import jax
import numpy as np
import pytest

from synthax.agents import make_agent
from synthax.agents.optimizers import OPTIMIZERS
from synthax.envs import make

from .conftest import TINY_AGENTS

DEEP_AGENTS = {"ppo": "CartPole-v1", "dqn": "CartPole-v1", "sac": "CartPole-v1",
               "ddpg": "Pendulum-v1", "td3": "Pendulum-v1"}


def _params(module):
    return [np.asarray(x) for x in jax.tree.leaves(eqx.filter(module, eqx.is_inexact_array))]


# Each agent with one of the two optimisers besides Adam, both optimisers on both action kinds:
# every agent builds its optimiser through `base_optimizer`, and each training compiles anew
# (about 8 s here), so the 10 pairs would cost twice the time for no other code path.
PAIRS = [("ddpg", "rmsprop"), ("dqn", "sgd"), ("ppo", "rmsprop"), ("sac", "sgd"),
         ("td3", "sgd")]


@pytest.mark.parametrize(("name", "optimizer"), PAIRS)
def test_each_optimizer_trains(name, optimizer):
    env = make(DEEP_AGENTS[name])
    agent = make_agent(name, **TINY_AGENTS[name], optimizer=optimizer)
    key = jax.random.PRNGKey(0)
    before = _params(agent.policy(agent.init(env, key)))
    policy, metrics = agent.train(env, key)
    after = _params(policy)
    assert jax.tree.leaves(metrics)
    assert all(np.all(np.isfinite(x)) for x in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after)), "nothing was learned"


@pytest.mark.parametrize("name", sorted(DEEP_AGENTS))
def test_adam_is_the_default_and_bad_names_are_refused(name):
    assert {o for _, o in PAIRS} == set(OPTIMIZERS) - {"adam"}  # every other one trains
    assert make_agent(name, **TINY_AGENTS[name]).optimizer == "adam"
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; allowed: \['adam', "
                                         r"'rmsprop', 'sgd'\]"):
        make_agent(name, **TINY_AGENTS[name], optimizer="adamw")
