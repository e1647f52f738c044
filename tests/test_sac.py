import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents.sac import SAC, SACPolicy
from synthax.envs import SyntheticContextualBandit, make
from synthax.evaluation import evaluate
from synthax.loops import filter_scan

from .probes import BoxProbe, Probe

PROBE_SAC = dict(
    total_timesteps=4000, num_envs=4, buffer_size=1000, batch_size=32, hidden_size=16,
    learning_rate=3e-3, learning_starts=100, tau=0.05, gamma=0.5,
)
TINY_SAC = dict(
    total_timesteps=64, num_envs=4, buffer_size=64, batch_size=8, hidden_size=8,
)


def _train_probes(envs, seed=0, **overrides):
    """Train one agent per probe, all in one compiled program (compiling is most of the time)."""
    agent = SAC(**{**PROBE_SAC, **overrides})

    @eqx.filter_jit
    def run(agent, key):
        out = {}
        for env in envs:
            state = agent.init(env, key)
            out[env.kind] = filter_scan(lambda s, _, env=env: agent.update(env, s), state, None,
                                        agent.num_iterations)
        return out

    return run(agent, jax.random.PRNGKey(seed))


@pytest.fixture(scope="module")
def discrete_probes():
    return _train_probes([Probe(k) for k in ("constant", "action", "obs_action", "truncation")])


@pytest.fixture(scope="module")
def box_probes():
    return _train_probes([BoxProbe(k) for k in ("constant", "action", "obs_action", "truncation")])


def _act(state, obs):
    return state.policy(jnp.full(1, obs, jnp.float32), jax.random.PRNGKey(0))


def _soft_truncation_value(state, metrics):
    # Reward 1 forever, truncated after 5 steps, one observation. Bootstrapping through
    # truncation gives the soft value q = 1 + gamma * (q + alpha * H) for every action, so
    # q = (1 + gamma alpha H) / (1 - gamma) (about 2.2 with gamma = 0.5); treating truncation as
    # termination would give about 1.6.
    gamma = PROBE_SAC["gamma"]
    entropy = jnp.mean(metrics["entropy"][-20:])
    return (1.0 + gamma * state.alpha * entropy) / (1.0 - gamma)


def test_discrete_probe_constant_reward_value(discrete_probes):
    state, metrics = discrete_probes["constant"]
    np.testing.assert_allclose(state.q_values(jnp.zeros((1, 1))), 1.0, atol=0.05)
    assert bool(jnp.all(jnp.isfinite(metrics["critic_loss"][-10:])))


def test_discrete_probe_action_dependent_reward(discrete_probes):
    state, _ = discrete_probes["action"]
    assert int(_act(state, 0.0)) == 1
    np.testing.assert_allclose(state.q_values(jnp.zeros((1, 1)))[:, 0], [[0.0, 1.0]] * 2,
                               atol=0.1)


def test_discrete_probe_observation_and_action(discrete_probes):
    state, _ = discrete_probes["obs_action"]
    assert int(_act(state, 1.0)) == 1
    assert int(_act(state, -1.0)) == 0


def test_discrete_probe_bootstraps_through_truncation(discrete_probes):
    state, metrics = discrete_probes["truncation"]
    np.testing.assert_allclose(state.q_values(jnp.zeros((1, 1))),
                               _soft_truncation_value(state, metrics), atol=0.1)


def test_box_probe_constant_reward_value(box_probes):
    state, _ = box_probes["constant"]
    actions = jnp.linspace(-1.0, 1.0, 5)[:, None]
    np.testing.assert_allclose(state.q_values(jnp.zeros((5, 1)), actions), 1.0, atol=0.1)


def test_box_probe_action_dependent_reward(box_probes):
    state, _ = box_probes["action"]
    action = _act(state, 0.0)
    assert action.shape == (1,) and action.dtype == jnp.float32
    np.testing.assert_allclose(action, 0.5, atol=0.1)


def test_box_probe_observation_and_action(box_probes):
    state, _ = box_probes["obs_action"]
    np.testing.assert_allclose(_act(state, 1.0), 0.5, atol=0.1)
    np.testing.assert_allclose(_act(state, -1.0), -0.5, atol=0.1)


def test_box_probe_bootstraps_through_truncation(box_probes):
    state, metrics = box_probes["truncation"]
    actions = jnp.linspace(-0.5, 0.5, 3)[:, None]
    np.testing.assert_allclose(state.q_values(jnp.zeros((3, 1)), actions),
                               _soft_truncation_value(state, metrics), atol=0.15)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_trains_on_synthetic_bandit(env_id):
    real = make(env_id)
    env = SyntheticContextualBandit.for_environment(real, key=jax.random.PRNGKey(0))
    agent = SAC(**{**PROBE_SAC, "gamma": 0.99})

    @eqx.filter_jit
    def train_and_probe(agent, key):
        k_train, k_obs, k_act, k_eval = jax.random.split(key, 4)
        policy, metrics = agent.train(env, k_train)
        obs, _ = jax.vmap(env.reset)(jax.random.split(k_obs, 256))
        act_keys = jax.random.split(k_act, 256)
        greedy = jax.vmap(policy)(obs, act_keys)
        sampled = jax.vmap(lambda o, k: policy(o, k, deterministic=False))(obs, act_keys)
        if env.is_discrete:
            random_actions = jnp.broadcast_to(jnp.arange(env.action_dim), (256, env.action_dim))
        else:
            space = real.action_space
            random_actions = jax.random.uniform(k_act, (256, 64, 1), minval=space.low,
                                                maxval=space.high)
        random_reward = jax.vmap(lambda o, a: jax.vmap(lambda b: env.reward(o, b))(a))(
            obs, random_actions)
        result = evaluate(policy, env, k_eval, num_episodes=4)
        return (policy, metrics, greedy, sampled, jax.vmap(env.reward)(obs, greedy),
                random_reward, result)

    policy, metrics, greedy, sampled, learned_reward, random_reward, result = train_and_probe(
        agent, jax.random.PRNGKey(1))
    assert isinstance(policy, SACPolicy)
    assert metrics["episode_return"].shape == (agent.num_iterations,)
    assert bool(jnp.all(jnp.isfinite(metrics["critic_loss"][-10:])))
    assert sampled.shape == greedy.shape
    if env.is_discrete:
        assert greedy.shape == (256,) and greedy.dtype == jnp.int32
    else:
        low, high = real.action_space.low, real.action_space.high
        assert greedy.shape == (256, 1) and greedy.dtype == jnp.float32
        assert bool(jnp.all((greedy >= low) & (greedy <= high)))
        assert bool(jnp.all((sampled >= low) & (sampled <= high)))
    # The learned deterministic policy beats uniformly random actions on the bandit's reward.
    assert float(learned_reward.mean()) > float(random_reward.mean())
    assert result.returns.shape == (4,) and bool(jnp.all(result.lengths == 1))


def test_8_configurations_train_in_one_compiled_call():
    env = SyntheticContextualBandit.for_environment(make("CartPole-v1"), key=jax.random.PRNGKey(0))

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def train_all(agents, key):
        return eqx.filter_vmap(lambda a: a.train(env, key)[1]["episode_return"])(agents)

    agents = eqx.filter_vmap(
        lambda lr, tau, ratio, starts: SAC(learning_rate=lr, tau=tau, target_entropy_ratio=ratio,
                                           learning_starts=starts, **TINY_SAC)
    )(jnp.logspace(-4, -2, 8), jnp.linspace(0.01, 0.3, 8), jnp.linspace(0.1, 0.9, 8),
      jnp.arange(8) * 4)
    assert agents.learning_rate.shape == (8,) and agents.learning_starts.dtype == jnp.int32
    train_all(agents, jax.random.PRNGKey(0))
    out = train_all(agents, jax.random.PRNGKey(1))
    assert out.shape == (8, TINY_SAC["total_timesteps"] // TINY_SAC["num_envs"])
    assert eqx.debug.get_num_traces(train_all) == 1


def test_sac_validates_configuration():
    with pytest.raises(ValueError, match="batch_size"):
        SAC(batch_size=0)
    with pytest.raises(ValueError, match="total_timesteps"):
        SAC(total_timesteps=4, num_envs=8)
    unbounded = SyntheticContextualBandit(
        [-1.0], [1.0], action_low=[-np.inf], action_high=[np.inf], key=jax.random.PRNGKey(0)
    )
    with pytest.raises(ValueError, match="finite"):
        SAC(**TINY_SAC).init(unbounded, jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="activation"):
        SAC(activation="sigmoid", **TINY_SAC).init(Probe("constant"), jax.random.PRNGKey(0))


def test_target_entropy_defaults():
    box, discrete = BoxProbe("constant"), Probe("constant")
    assert float(SAC().target_entropy(box)) == -1.0
    np.testing.assert_allclose(SAC().target_entropy(discrete), 0.3 * np.log(2), rtol=1e-6)
    np.testing.assert_allclose(SAC(target_entropy_ratio=0.2).target_entropy(discrete),
                               0.2 * np.log(2), rtol=1e-6)
    assert float(SAC(target_entropy_ratio=2.0).target_entropy(box)) == -2.0
