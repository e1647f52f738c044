import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import PPO, make_agent
from synthax.envs import SyntheticContextualBandit, make
from synthax.evaluation import evaluate

from .probes import Probe

PROBE_PPO = dict(
    total_timesteps=4096, num_envs=16, num_steps=16, num_epochs=4, num_minibatches=4,
    hidden_size=16, learning_rate=3e-3, ent_coef=0.0, anneal_lr=False,
)


def _train(kind, seed=0, **overrides):
    agent = PPO(**{**PROBE_PPO, **overrides})
    env = Probe(kind)
    state = agent.init(env, jax.random.PRNGKey(seed))
    step = eqx.filter_jit(lambda s: agent.update(env, s))
    for _ in range(agent.num_iterations):
        state, metrics = step(state)
    return state.model, metrics


def test_probe_constant_reward_value():
    model, _ = _train("constant")
    np.testing.assert_allclose(model.critic(jnp.zeros(1)), 1.0, atol=0.1)


def test_probe_action_dependent_reward():
    model, _ = _train("action")
    assert int(model.policy(jnp.zeros(1), jax.random.PRNGKey(0))) == 1


def test_probe_observation_and_action():
    model, _ = _train("obs_action")
    assert int(model.policy(jnp.ones(1), jax.random.PRNGKey(0))) == 1
    assert int(model.policy(-jnp.ones(1), jax.random.PRNGKey(0))) == 0


def test_probe_two_step_discounting():
    model, _ = _train("two_step", gamma=0.9)
    np.testing.assert_allclose(model.critic(jnp.ones(1)), 1.0, atol=0.15)
    np.testing.assert_allclose(model.critic(jnp.zeros(1)), 0.9, atol=0.15)


def test_probe_bootstraps_through_truncation():
    # Reward 1 forever, cut at 5 steps: V = 1 / (1 - gamma) = 2 only if truncation bootstraps;
    # treating truncation as termination would give about (1 + .5 + .25 + ...) / 5 steps < 2.
    model, _ = _train("truncation", gamma=0.5, gae_lambda=0.0, total_timesteps=8192)
    np.testing.assert_allclose(model.critic(jnp.zeros(1)), 2.0, atol=0.2)


def test_ppo_validates_sizes():
    with pytest.raises(ValueError, match="divisible"):
        PPO(num_envs=3, num_steps=3, num_minibatches=2)
    with pytest.raises(ValueError, match="less than one rollout"):
        PPO(total_timesteps=10, num_envs=4, num_steps=8)
    with pytest.raises(KeyError, match="allowed"):
        make_agent("nope")
    with pytest.raises(ValueError, match="activation"):
        PPO(activation="sigmoid", total_timesteps=64, num_envs=4, num_steps=8,
            num_minibatches=2).init(Probe("constant"), jax.random.PRNGKey(0))


def test_64_configurations_train_in_one_compiled_call(tiny_ppo_kwargs):
    env = SyntheticContextualBandit.for_environment(make("CartPole-v1"), key=jax.random.PRNGKey(0))

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def train_all(agents, key):
        return eqx.filter_vmap(lambda a: a.train(env, key)[1]["episode_return"])(agents)

    lrs = jnp.logspace(-4, -2, 64)
    gammas = jnp.linspace(0.8, 1.0, 64)
    agents = eqx.filter_vmap(
        lambda lr, g: PPO(learning_rate=lr, gamma=g, **tiny_ppo_kwargs)
    )(lrs, gammas)
    assert agents.learning_rate.shape == (64,)
    out = train_all(agents, jax.random.PRNGKey(0))
    out = train_all(agents, jax.random.PRNGKey(1))
    assert out.shape == (64, 2)
    assert eqx.debug.get_num_traces(train_all) == 1


def test_box_actions_are_clipped(tiny_ppo_kwargs):
    pendulum = make("Pendulum-v1")
    policy, _ = PPO(**tiny_ppo_kwargs).train(pendulum, jax.random.PRNGKey(0))
    policy = eqx.tree_at(lambda p: p.log_std, policy, jnp.full(1, 3.0))
    actions = jax.vmap(lambda k: policy(jnp.zeros(3), k, deterministic=False))(
        jax.random.split(jax.random.PRNGKey(0), 256)
    )
    assert float(actions.max()) <= 2.0 and float(actions.min()) >= -2.0
    assert float(actions.max()) == 2.0
    result = evaluate(policy, pendulum, jax.random.PRNGKey(1), num_episodes=2, max_steps=10)
    assert result.returns.shape == (2,) and bool(jnp.all(result.lengths == 10))


def test_trains_on_box_synthetic_bandit(tiny_ppo_kwargs):
    env = SyntheticContextualBandit.for_environment(make("Pendulum-v1"), key=jax.random.PRNGKey(0))
    policy, metrics = eqx.filter_jit(PPO(**tiny_ppo_kwargs).train)(env, jax.random.PRNGKey(1))
    assert metrics["episode_return"].shape == (2,)
    action = policy(jnp.zeros(3), jax.random.PRNGKey(0), deterministic=False)
    assert action.shape == (1,) and -2.0 <= float(action[0]) <= 2.0
