import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import AGENTS, SEARCH_SPACES, sample_agent
from synthax.agents.hyperparameters import config, search_space
from synthax.envs import SyntheticContextualBandit, make

from .conftest import TINY_AGENTS


def test_every_agent_has_a_search_space_and_tiny_config():
    assert set(SEARCH_SPACES) == set(AGENTS) == set(TINY_AGENTS)


@pytest.mark.parametrize("name", sorted(SEARCH_SPACES))
def test_samples_come_from_the_lists(name):
    agents = eqx.filter_vmap(lambda k: sample_agent(name, k, **TINY_AGENTS[name]))(
        jax.random.split(jax.random.PRNGKey(0), 256)
    )
    for fields, values in search_space(name).items():
        fields = (fields,) if isinstance(fields, str) else fields
        drawn = np.asarray(getattr(agents, fields[0]))
        assert drawn.shape == (256,)
        allowed = np.asarray(values, dtype=drawn.dtype)
        assert np.isin(drawn, allowed).all(), fields
        assert len(np.unique(drawn)) == len(np.unique(allowed)), f"{fields} not fully covered"
        for other in fields[1:]:  # one draw sets every field of a tuple key
            np.testing.assert_array_equal(np.asarray(getattr(agents, other)), drawn)


@pytest.mark.parametrize("name", sorted(SEARCH_SPACES))
def test_64_sampled_configurations_train_in_one_compiled_call(name):
    if name in ("q_learning", "sarsa"):  # tabular agents need one-hot observations
        env = make("CliffWalking-v0")
    else:
        real = make("CartPole-v1" if name in ("ppo", "dqn", "sac") else "Pendulum-v1")
        env = SyntheticContextualBandit.for_environment(real, key=jax.random.PRNGKey(1))

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def train_all(agents, key):
        return eqx.filter_vmap(lambda a: a.train(env, key)[1]["episode_return"])(agents)

    for seed in range(2):
        agents = eqx.filter_vmap(lambda k: sample_agent(name, k, **TINY_AGENTS[name]))(
            jax.random.split(jax.random.PRNGKey(seed), 64)
        )
        returns = train_all(agents, jax.random.PRNGKey(seed))
        assert returns.shape[0] == 64
        assert bool(jnp.any(jnp.isfinite(returns)))
    assert eqx.debug.get_num_traces(train_all) == 1


def test_sampling_rejects_fixing_a_sampled_field():
    with pytest.raises(ValueError, match="sampled"):
        sample_agent("ppo", jax.random.PRNGKey(0), learning_rate=1e-3)


def test_named_configs_and_errors():
    assert config("ppo", "CartPole-v1")["total_timesteps"] == 500_000
    with pytest.raises(KeyError, match="configured"):
        config("ppo", "NoEnv-v0")
    with pytest.raises(KeyError, match="allowed"):
        search_space("nope")
