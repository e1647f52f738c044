import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import DQN
from synthax.envs import RewardNetwork, make
from synthax.envs.reward_network import SEED_TYPES, VARIANTS
from synthax.meta import InnerLoop, MetaLearner

from .conftest import TINY_DQN


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


def _one_transition(rn, action=1):
    obs, state = rn.reset(jax.random.key(0))
    real_next, _, real_reward, terminated, _, info = rn.env.transition(
        jax.random.key(1), state.inner, jnp.asarray(action))
    next_obs, _, reward, _, _, rn_info = rn.transition(jax.random.key(1), state,
                                                       jnp.asarray(action))
    np.testing.assert_allclose(next_obs, real_next)
    np.testing.assert_allclose(rn_info["real_reward"], real_reward)
    return obs, next_obs, float(real_reward), bool(terminated), float(reward)


@pytest.mark.parametrize("variant", ["potential_exclusive", "potential_additive", "exclusive",
                                     "additive"])
def test_rewards_follow_the_seed_formulas(cartpole, variant):
    rn = RewardNetwork(cartpole, variant, hidden_size=8, gamma=0.9, key=jax.random.key(2))
    obs, next_obs, r, terminated, reward = _one_transition(rn)
    net = rn.network
    if variant.startswith("potential"):
        learned = 0.9 * float(net(next_obs)) - float(net(obs))
    else:
        learned = float(net(next_obs))
    expected = r + learned if variant.endswith("additive") else learned
    assert reward == pytest.approx(expected, rel=1e-5)


def test_info_variants_use_the_info_vector(cartpole):
    with pytest.raises(ValueError, match="needs info_keys"):
        RewardNetwork(cartpole, "exclusive_info", key=jax.random.key(0))
    with pytest.raises(ValueError, match="has no"):
        RewardNetwork(cartpole, "exclusive_info", info_keys=("velocity",), key=jax.random.key(0))


def test_seed_type_numbers_and_unknown_variants(cartpole):
    assert set(SEED_TYPES.values()) == set(VARIANTS)
    assert RewardNetwork(cartpole, 2, key=jax.random.key(0)).variant == "potential_additive"
    with pytest.raises(ValueError, match="allowed"):
        RewardNetwork(cartpole, "shaped", key=jax.random.key(0))
    with pytest.raises(ValueError, match="allowed"):
        RewardNetwork(cartpole, 9, key=jax.random.key(0))


def test_gamma_is_the_agents_and_is_not_searched(cartpole):
    rn = RewardNetwork(cartpole, "potential_exclusive", hidden_size=8, key=jax.random.key(0))
    agent = DQN(**TINY_DQN, gamma=0.8)
    assert float(rn.for_agent(agent).gamma) == pytest.approx(0.8)
    searched = jax.tree.leaves(eqx.filter(rn, rn.learnable()))
    assert sum(x.size for x in searched) == sum(
        x.size for x in jax.tree.leaves(eqx.filter(rn.network, eqx.is_inexact_array)))


def test_potential_shaping_telescopes_over_an_episode(cartpole):
    """With gamma = 1 an exclusive potential sums to Phi(s_T) - Phi(s0) over an episode
    (Ng et al. 1999): the shaping adds no return of its own beyond the end points."""
    rn = RewardNetwork(cartpole, "potential_exclusive", hidden_size=8,
                       gamma=1.0, key=jax.random.key(0))
    obs0, state = rn.reset(jax.random.key(1))
    total, key = 0.0, jax.random.key(2)
    for _ in range(500):
        key, k = jax.random.split(key)
        obs, state, reward, terminated, truncated, _ = rn.transition(k, state, jnp.asarray(0))
        total += float(reward)
        if bool(terminated) or bool(truncated):
            break
    assert bool(terminated)
    expected = float(rn.network(obs)) - float(rn.network(obs0))
    assert total == pytest.approx(expected, abs=1e-4)


def test_meta_learner_searches_a_population_of_reward_networks(cartpole):
    rn = RewardNetwork(cartpole, "additive", hidden_size=8, key=jax.random.key(0))
    learner = MetaLearner(cartpole, InnerLoop(DQN(**TINY_DQN)), rn, strategy="Open_ES",
                          population_size=4, num_eval_episodes=2, num_mean_eval_seeds=1)
    state, metrics = eqx.filter_jit(learner.step)(learner.init(jax.random.key(1)))
    assert bool(jnp.isfinite(metrics["fitness_mean"]))
    mean = learner.mean_environment(state)
    assert isinstance(mean, RewardNetwork) and float(mean.gamma) == pytest.approx(0.99)


def test_info_vector_variants_on_cliff_walking():
    cliff = make("CliffWalking-v0")
    for variant in ("potential_additive_info", "exclusive_info", "linear_info_additive"):
        rn = RewardNetwork(cliff, variant, info_keys=("position",),
                           hidden_size=8, gamma=0.9, key=jax.random.key(0))
        obs, state = rn.reset(jax.random.key(1))
        next_obs, _, reward, _, _, info = rn.transition(jax.random.key(2), state,
                                                        jnp.asarray(0))  # up
        position = info["position"]
        np.testing.assert_allclose(position, [2 / 3, 0.0])
        net = rn.network
        if variant == "potential_additive_info":
            expected = -1.0 + 0.9 * net(jnp.concatenate([next_obs, position])) - net(
                jnp.concatenate([obs, position]))
        elif variant == "exclusive_info":
            expected = net(jnp.concatenate([next_obs, position]))
        else:
            expected = -1.0 + net(position)
        assert float(reward) == pytest.approx(float(expected), rel=1e-5)


def test_checkpoint_round_trip_of_a_cliff_walking_reward_network(tmp_path):
    from synthax.checkpoints import load_environment, save_environment

    rn = RewardNetwork(make("CliffWalking-v0"), "potential_additive_info",
                       info_keys=("position",), hidden_size=8, gamma=0.9, key=jax.random.key(0))
    save_environment(tmp_path / "rn.eqx", rn, "CliffWalking-v0")
    back = load_environment(tmp_path / "rn.eqx", "CliffWalking-v0")
    assert back.config() == rn.config() and back.variant == "potential_additive_info"
    _, state = back.reset(jax.random.key(1))
    reward = back.transition(jax.random.key(2), state, jnp.asarray(0))[2]
    _, state = rn.reset(jax.random.key(1))
    assert float(reward) == pytest.approx(float(rn.transition(jax.random.key(2), state,
                                                              jnp.asarray(0))[2]))
