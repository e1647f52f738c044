"""Extension points: a user's own agent class meta-learns a bandit, and a user's own search
space is what the inner loop draws from and what the run folder records."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jaxtyping import Array, Float

from synthax.agents import AbstractAgent
from synthax.envs import make
from synthax.meta import InnerLoop, MetaLearnConfig, MetaLearner
from synthax.meta.run import run_metalearning

from .conftest import TINY_PPO


class LinearPolicy(eqx.Module):
    weights: Float[Array, "obs actions"]

    def __call__(self, obs, key):
        return jnp.argmax(obs @ self.weights)


class LinearBanditPG(AbstractAgent):
    """REINFORCE with a linear softmax policy over discrete actions, trained on batches of
    one-step episodes: an agent written outside synthax.agents."""

    learning_rate: Float[Array, ""] = eqx.field(converter=jnp.asarray, default=0.1)
    total_timesteps: int = eqx.field(static=True, default=256)
    batch_size: int = eqx.field(static=True, default=16)

    def init(self, env, key):
        return jnp.zeros((env.observation_dim, env.action_dim)), key

    def update(self, env, state):
        weights, key = state
        key, k_reset, k_act, k_step = jax.random.split(key, 4)
        obs, env_state = jax.vmap(env.reset)(jax.random.split(k_reset, self.batch_size))
        actions = jax.random.categorical(k_act, obs @ weights)
        _, _, rewards, _, _, _ = jax.vmap(env.step)(
            jax.random.split(k_step, self.batch_size), env_state, actions)

        def loss(w):
            log_p = jax.nn.log_softmax(obs @ w)[jnp.arange(self.batch_size), actions]
            return -jnp.mean(log_p * (rewards - rewards.mean()))

        weights = weights - self.learning_rate * jax.grad(loss)(weights)
        return (weights, key), {"reward": rewards.mean()}

    def policy(self, state):
        return LinearPolicy(state[0])

    @property
    def num_iterations(self):
        return self.total_timesteps // self.batch_size


def test_a_users_own_agent_meta_learns_a_bandit():
    space = {"LinearBanditPG": {"learning_rate": (0.05, 0.5)}}
    loop = InnerLoop(LinearBanditPG(), random_hyperparameters=True, search_spaces=space)
    assert loop.names == ("LinearBanditPG",)
    learner = MetaLearner.for_bandit(
        make("CartPole-v1"), loop, hidden_size=8, population_size=4,
        num_eval_episodes=2, num_mean_eval_seeds=1, key=jax.random.PRNGKey(0),
    )
    state = learner.init(jax.random.PRNGKey(1))
    step = eqx.filter_jit(learner.step)
    for _ in range(3):
        state, metrics = step(state)
        assert all(np.isfinite(float(v)) for v in metrics.values())
    assert int(state.generation) == 3
    drawn = {float(loop.agent(0, k).learning_rate) for k in jax.random.split(
        jax.random.PRNGKey(2), 16)}
    assert sorted(drawn) == pytest.approx([0.05, 0.5])  # float32 draws
    # Random hyperparameters need a space; the registry's names are not a gate.
    with pytest.raises(ValueError, match="no search space"):
        InnerLoop(LinearBanditPG(), random_hyperparameters=True)
    assert InnerLoop(LinearBanditPG()).search_spaces == (None,)


def test_a_custom_search_space_is_drawn_from_and_recorded_in_config_json(tmp_path):
    space = {"learning_rate": [0.02, 0.03], "gamma": [0.9]}
    config = MetaLearnConfig(
        agent_kwargs={"ppo": dict(TINY_PPO)}, random_hyperparameters=True,
        search_spaces={"ppo": space}, population_size=4, generations=1, hidden_size=8,
        num_eval_episodes=2, num_mean_eval_seeds=1, final_eval_seeds=1,
    )
    run_metalearning(config, tmp_path / "run", final_eval_episodes=2)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["search_spaces"] == {"ppo": space}
    assert saved["agent_kwargs"]["ppo"]["num_envs"] == TINY_PPO["num_envs"]
    # The folder alone rebuilds the same inner loop, and resolving is idempotent.
    again = MetaLearnConfig.from_dict(saved)
    assert again == again.resolved() == config.resolved()
    from synthax.meta.run import build_inner_loop

    loop = build_inner_loop(again)
    rates = {float(loop.agent(0, k).learning_rate) for k in jax.random.split(
        jax.random.PRNGKey(0), 16)}
    assert sorted(rates) == pytest.approx([0.02, 0.03])
    # A space for an algorithm the run does not train is refused.
    with pytest.raises(ValueError, match="search_spaces"):
        MetaLearnConfig(agents=["ppo"], search_spaces={"dqn": {"gamma": [0.9]}})
