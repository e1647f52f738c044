import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import DQN, TD3
from synthax.envs import SyntheticMDP, make
from synthax.meta import InnerLoop, MetaLearner

from .conftest import TINY_DQN, TINY_OFF_POLICY_BOX


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


def test_real_initial_state_comes_from_the_real_reset(cartpole):
    se = SyntheticMDP.for_environment(cartpole, key=jax.random.key(0))
    key = jax.random.key(3)
    obs, state = se.reset(key)
    real_obs, _ = cartpole.reset(key)
    np.testing.assert_allclose(obs, real_obs)
    assert int(state.time) == 0
    assert se.max_steps_in_episode == cartpole.max_steps_in_episode == 500


def test_transition_is_the_three_networks(cartpole):
    se = SyntheticMDP.for_environment(cartpole, residual=True, key=jax.random.key(0))
    obs, state = se.reset(jax.random.key(1))
    next_obs, state2, reward, terminated, truncated, info = se.transition(
        jax.random.key(2), state, jnp.asarray(1))
    inputs = jnp.concatenate([obs, jax.nn.one_hot(1, 2)])
    np.testing.assert_allclose(next_obs, obs + se.transition_net(inputs), rtol=1e-6)
    np.testing.assert_allclose(reward, se.reward_net(inputs), rtol=1e-6)
    assert bool(terminated) == bool(se.termination_net(inputs) > 0.5)
    assert int(state2.time) == 1 and not bool(truncated) and info == {}


def test_time_limit_truncates_and_termination_network_terminates(cartpole):
    se = SyntheticMDP.for_environment(cartpole, max_steps_in_episode=3, key=jax.random.key(0))
    _, state = se.reset(jax.random.key(1))
    for t in range(3):
        _, state, _, terminated, truncated, _ = se.transition(jax.random.key(t), state,
                                                              jnp.asarray(0))
    assert bool(truncated) and not bool(terminated)
    # A termination network biased to +1 ends every episode after one step.
    always = eqx.tree_at(lambda e: e.termination_net.layers[-1].bias, se, jnp.asarray(10.0))
    _, state = always.reset(jax.random.key(1))
    _, _, _, terminated, truncated, _ = always.transition(jax.random.key(0), state, jnp.asarray(0))
    assert bool(terminated) and not bool(truncated)


def test_learned_initial_state_and_box_actions_stay_in_spaces():
    pendulum = make("Pendulum-v1")
    se = SyntheticMDP.for_environment(pendulum, initial_state="learned",
                                      hidden_size=8, key=jax.random.key(0))
    assert se.reset_env is None and se.init_net is not None
    obs, state = jax.vmap(se.reset)(jax.random.split(jax.random.key(1), 16))
    space = se.observation_space
    assert bool(jnp.all((obs >= space.low) & (obs <= space.high)))
    step = jax.vmap(se.step, in_axes=(0, 0, None))
    obs, *_ = step(jax.random.split(jax.random.key(2), 16), state, jnp.asarray([100.0]))
    assert bool(jnp.all((obs >= space.low) & (obs <= space.high)))


def test_learnable_leaves_exclude_the_reset_environment(cartpole):
    se = SyntheticMDP.for_environment(cartpole, hidden_size=8, key=jax.random.key(0))
    searched = jax.tree.leaves(eqx.filter(se, se.learnable()))
    nets = jax.tree.leaves(eqx.filter((se.transition_net, se.reward_net, se.termination_net),
                                      eqx.is_inexact_array))
    assert sum(x.size for x in searched) == sum(x.size for x in nets)


def test_bad_arguments_are_named(cartpole):
    with pytest.raises(ValueError, match="allowed"):
        SyntheticMDP.for_environment(cartpole, initial_state="random", key=jax.random.key(0))
    with pytest.raises(ValueError, match="allowed"):
        SyntheticMDP.for_environment(cartpole, activation="prelu", key=jax.random.key(0))
    with pytest.raises(ValueError, match="reset_env"):
        SyntheticMDP([0.0] * 4, [1.0] * 4, num_actions=2, key=jax.random.key(0))
    with pytest.raises(ValueError, match="reset_env observations"):
        SyntheticMDP([0.0] * 3, [1.0] * 3, num_actions=2, reset_env=cartpole, key=jax.random.key(0))


def test_agents_train_on_it_and_the_meta_learner_searches_it(cartpole):
    se = SyntheticMDP.for_environment(cartpole, hidden_size=8, key=jax.random.key(0))
    learner = MetaLearner(cartpole, InnerLoop(DQN(**TINY_DQN)), se, population_size=4,
                          num_eval_episodes=2, num_mean_eval_seeds=1)
    state = learner.init(jax.random.key(1))
    state, metrics = eqx.filter_jit(learner.step)(state)
    assert bool(jnp.isfinite(metrics["fitness_mean"]))
    mean_env = learner.mean_environment(state)
    assert isinstance(mean_env, SyntheticMDP)
    assert eqx.tree_equal(mean_env.reset_env, se.reset_env)
    td3 = TD3(**TINY_OFF_POLICY_BOX)
    pendulum = make("Pendulum-v1")
    policy, metrics = eqx.filter_jit(td3.train)(
        SyntheticMDP.for_environment(pendulum, hidden_size=8, key=jax.random.key(0)),
        jax.random.key(1))
    assert metrics["episode_return"].shape == (td3.num_iterations,)


def test_checkpoint_round_trip_rebuilds_the_reset_environment(cartpole, tmp_path):
    from synthax.checkpoints import load_environment, save_environment

    se = SyntheticMDP.for_environment(cartpole, hidden_size=8, residual=True, key=jax.random.key(0))
    save_environment(tmp_path / "se.eqx", se, "CartPole-v1")
    back = load_environment(tmp_path / "se.eqx", "CartPole-v1")
    assert back.config() == se.config()
    for a, b in zip(jax.tree.leaves(eqx.filter(se, eqx.is_array)),
                    jax.tree.leaves(eqx.filter(back, eqx.is_array))):
        np.testing.assert_array_equal(a, b)
    key = jax.random.key(4)
    np.testing.assert_array_equal(back.reset(key)[0], se.reset(key)[0])
