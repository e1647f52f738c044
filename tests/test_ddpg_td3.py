import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents.ddpg import DDPG, DeterministicPolicy
from synthax.agents.td3 import TD3
from synthax.envs import SyntheticContextualBandit, make
from synthax.evaluation import evaluate

from .probes import BoxProbe, Probe

AGENTS = [DDPG, TD3]

# A smooth (tanh) critic locates the maximum of the quadratic rewards more precisely than a
# piecewise-linear (relu) one.
PROBE = dict(
    total_timesteps=2000, num_envs=8, buffer_size=2000, batch_size=64, gradient_steps=4,
    hidden_size=32, activation="tanh", learning_starts=200, actor_learning_rate=1e-3,
    critic_learning_rate=3e-3, tau=0.05, exploration_noise=0.3, gamma=0.5,
)
TINY = dict(
    total_timesteps=64, num_envs=4, buffer_size=64, batch_size=8, gradient_steps=2,
    hidden_size=8, learning_starts=16,
)


def _train(cls, kind):
    agent = cls(**PROBE)
    env = BoxProbe(kind)
    state = agent.init(env, jax.random.PRNGKey(0))
    step = eqx.filter_jit(lambda s: agent.update(env, s))
    for _ in range(agent.num_iterations):
        state, metrics = step(state)
    assert np.isfinite(float(metrics["critic_loss"]))
    return state, DeterministicPolicy(state.actor, agent.exploration_noise)


def _q(state, obs, action):
    """Every critic's Q(obs, action): `(num_critics,)`."""
    return eqx.filter_vmap(lambda c: c(obs, action))(state.critics)


@pytest.mark.parametrize("cls", AGENTS)
def test_probe_constant_reward_value(cls):
    state, _ = _train(cls, "constant")
    for a in (-0.9, 0.0, 0.9):
        np.testing.assert_allclose(_q(state, jnp.zeros(1), jnp.full(1, a)), 1.0, atol=0.1)


@pytest.mark.parametrize("cls", AGENTS)
def test_probe_action_dependent_reward(cls):
    _, policy = _train(cls, "action")
    np.testing.assert_allclose(policy(jnp.zeros(1), jax.random.PRNGKey(0)), [0.5], atol=0.1)


@pytest.mark.parametrize("cls", AGENTS)
def test_probe_observation_and_action(cls):
    _, policy = _train(cls, "obs_action")
    key = jax.random.PRNGKey(0)
    np.testing.assert_allclose(policy(jnp.ones(1), key), [0.5], atol=0.1)
    np.testing.assert_allclose(policy(-jnp.ones(1), key), [-0.5], atol=0.1)


@pytest.mark.parametrize("cls", AGENTS)
def test_probe_bootstraps_through_truncation(cls):
    # Reward 1 forever, cut after 5 steps: Q = 1 / (1 - gamma) = 2 only if truncation
    # bootstraps; cutting the target at `done` would give at most 1 + .5 + ... + .5^4 < 2.
    state, policy = _train(cls, "truncation")
    obs = jnp.zeros(1)
    np.testing.assert_allclose(_q(state, obs, policy(obs, jax.random.PRNGKey(0))), 2.0, atol=0.15)


@pytest.mark.parametrize("cls", AGENTS)
def test_8_configurations_train_on_synthetic_bandit_in_one_compiled_call(cls):
    # One test for both the synthetic-environment training and the vmapped configurations, as
    # each costs a compilation.
    pendulum = make("Pendulum-v1")
    env = SyntheticContextualBandit.for_environment(pendulum, key=jax.random.PRNGKey(0))

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def train_all(agents, key):
        return eqx.filter_vmap(lambda a: a.train(env, key))(agents)

    agents = eqx.filter_vmap(
        lambda lr, tau, rho, delay: cls(
            actor_learning_rate=lr, critic_learning_rate=lr, tau=tau, noise_correlation=rho,
            **({"policy_delay": delay} if cls is TD3 else {}), **TINY,
        )
    )(jnp.logspace(-4, -2, 8), jnp.linspace(0.005, 0.1, 8), jnp.linspace(0.0, 0.99, 8),
      jnp.arange(1, 9))
    assert agents.tau.shape == (8,) and agents.learning_starts.shape == (8,)
    train_all(agents, jax.random.PRNGKey(0))
    policies, metrics = train_all(agents, jax.random.PRNGKey(1))
    assert eqx.debug.get_num_traces(train_all) == 1
    assert set(metrics) == {"episode_return", "critic_loss", "actor_loss", "q"}
    assert metrics["q"].shape == (8, 16)
    # Learning starts once 16 env steps (4 iterations of 4 envs) are stored.
    assert np.all(np.isnan(metrics["q"][:, :3])) and np.all(np.isfinite(metrics["q"][:, 3:]))
    assert np.all(np.isfinite(metrics["episode_return"]))  # one-step episodes

    policy = jax.tree.map(lambda x: x[0] if eqx.is_array(x) else x, policies)
    actions = jax.vmap(lambda k: policy(jnp.zeros(3), k, deterministic=False))(
        jax.random.split(jax.random.PRNGKey(2), 256)
    )
    assert actions.shape == (256, 1) and actions.dtype == jnp.float32
    assert float(actions.max()) <= 2.0 and float(actions.min()) >= -2.0
    result = evaluate(policy, pendulum, jax.random.PRNGKey(3), num_episodes=2, max_steps=10)
    assert bool(jnp.all(result.lengths == 10)) and bool(jnp.all(jnp.isfinite(result.returns)))


@pytest.mark.parametrize("cls", AGENTS)
def test_rejects_discrete_actions_and_bad_sizes(cls):
    with pytest.raises(ValueError, match="DQN or PPO"):
        cls(**TINY).init(Probe("constant"), jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="batch_size"):
        cls(batch_size=0)
    with pytest.raises(ValueError, match="total_timesteps"):
        cls(total_timesteps=2, num_envs=4)
