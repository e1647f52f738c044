import equinox as eqx
import gymnax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import synthax
from synthax.envs import GymnaxEnvironment, SyntheticContextualBandit, make, real_env_id


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


def test_gymnax_adapter_keeps_terminated_and_truncated_apart():
    env, params = gymnax.make("CartPole-v1")
    env = GymnaxEnvironment(env, params.replace(max_steps_in_episode=5))
    obs, state = env.reset(jax.random.PRNGKey(0))
    assert obs.shape == (4,) and obs.dtype == jnp.float32
    for t in range(5):
        # Alternate actions: the pole stays up for 5 steps, so the episode is cut by the limit.
        obs, state, reward, terminated, truncated, info = env.transition(
            jax.random.PRNGKey(t), state, jnp.asarray(t % 2)
        )
    assert not bool(terminated) and bool(truncated)
    assert float(reward) == 1.0


def test_gymnax_adapter_reports_termination(cartpole):
    obs, state = cartpole.reset(jax.random.PRNGKey(0))
    terminated = False
    for t in range(100):  # always push right: the pole falls within 100 steps
        obs, state, _, terminated, truncated, info = cartpole.step(
            jax.random.PRNGKey(t), state, jnp.asarray(1)
        )
        if bool(terminated):
            break
    assert bool(terminated) and not bool(truncated)
    # Auto-reset: the returned observation starts a new episode, the final one is in info.
    assert float(jnp.abs(obs).max()) <= 0.05
    assert float(jnp.abs(info["final_observation"]).max()) > 0.05


def test_make_unknown_id_lists_allowed():
    with pytest.raises(KeyError, match="CartPole-v1"):
        make("NoSuchEnv-v0")
    with pytest.raises(KeyError, match="synthetic ids"):
        make("Synthetic-NoSuchEnv-v0")


def _blown_up(env, scale):
    params, static = eqx.partition(env, eqx.is_inexact_array)
    return eqx.combine(jax.tree.map(lambda x: x * scale, params), static)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_bandit_observations_inside_real_space(cartpole, scale):
    env = SyntheticContextualBandit.for_environment(cartpole, key=jax.random.PRNGKey(0))
    env = _blown_up(env, scale)
    obs, _ = jax.vmap(env.reset)(jax.random.split(jax.random.PRNGKey(1), 4096))
    space = cartpole.observation_space
    contained = jax.vmap(space.contains)(obs)
    assert bool(jnp.all(contained))
    assert obs.shape == (4096, 4) and obs.dtype == jnp.float32
    if scale > 1:  # squashing must actually be exercised
        assert float(jnp.abs(obs[:, 2]).max()) > 0.4


def test_bandit_asymmetric_bounds():
    env = SyntheticContextualBandit([-1.2, -0.07], [0.6, 0.07], 3, key=jax.random.PRNGKey(0))
    env = _blown_up(env, 100.0)
    obs, _ = jax.vmap(env.reset)(jax.random.split(jax.random.PRNGKey(1), 2048))
    assert bool(jnp.all(jax.vmap(env.observation_space.contains)(obs)))


def test_bandit_step_is_one_step_episode(cartpole):
    env = SyntheticContextualBandit.for_environment(cartpole, key=jax.random.PRNGKey(0))
    obs, state = env.reset(jax.random.PRNGKey(1))
    obs2, state2, reward, terminated, truncated, info = env.step(
        jax.random.PRNGKey(2), state, jnp.asarray(1, jnp.int32)
    )
    assert bool(terminated) and not bool(truncated)
    assert reward.shape == () and reward.dtype == jnp.float32
    np.testing.assert_allclose(info["final_observation"], obs)
    np.testing.assert_allclose(reward, env.reward(obs, jnp.asarray(1, jnp.int32)))
    assert int(state2.time) == 0  # auto-reset


def test_bandit_clips_box_actions():
    pendulum = make("Pendulum-v1")
    env = SyntheticContextualBandit.for_environment(pendulum, key=jax.random.PRNGKey(0))
    assert env.action_low == (-2.0,) and env.action_high == (2.0,)
    obs, _ = env.reset(jax.random.PRNGKey(1))
    at_bound = env.reward(obs, jnp.array([2.0]))
    np.testing.assert_allclose(env.reward(obs, jnp.array([100.0])), at_bound)
    at_low = env.reward(obs, jnp.array([-2.0]))
    np.testing.assert_allclose(env.reward(obs, jnp.array([-100.0])), at_low)


def test_bandit_scale_reward_input():
    """The reward network reads bounded dimensions mapped to [-1, 1]; unbounded ones as they are."""
    key = jax.random.PRNGKey(0)
    raw = SyntheticContextualBandit([-1.2, -0.07, -np.inf], [0.6, 0.07, np.inf], 3, key=key)
    scaled = SyntheticContextualBandit([-1.2, -0.07, -np.inf], [0.6, 0.07, np.inf], 3,
                                       scale_reward_input=True, key=key)
    assert scaled.config()["scale_reward_input"] and not raw.config()["scale_reward_input"]
    obs = jnp.array([0.6, -0.035, 5.0])
    action = jnp.asarray(2, jnp.int32)
    # Same weights: the scaled bandit at obs equals the raw one at the mapped observation.
    mapped = jnp.array([1.0, -0.5, 5.0])
    np.testing.assert_allclose(scaled.reward(obs, action), raw.reward(mapped, action), rtol=1e-6)
    assert not np.allclose(scaled.reward(obs, action), raw.reward(obs, action))
    # Resets are unchanged: only the reward network's input is scaled.
    np.testing.assert_allclose(scaled.reset(key)[0], raw.reset(key)[0])


def test_bandit_scale_initial_state():
    """The initial-state network's output is in units of the bounds' half-width."""
    key = jax.random.PRNGKey(0)
    low, high = [-1.0, -8.0, -np.inf], [1.0, 8.0, np.inf]
    raw = SyntheticContextualBandit(low, high, 2, bound_observations=False, key=key)
    scaled = SyntheticContextualBandit(low, high, 2, bound_observations=False,
                                       scale_initial_state=True, key=key)
    squashed = SyntheticContextualBandit(low, high, 2, scale_initial_state=True, key=key)
    assert scaled.config()["scale_initial_state"] and not raw.config()["scale_initial_state"]
    keys = jax.random.split(key, 64)
    x = jax.vmap(lambda k: raw.reset(k)[0])(keys)  # the network's output, same weights
    obs = jax.vmap(lambda k: scaled.reset(k)[0])(keys)
    np.testing.assert_allclose(obs, x * jnp.array([1.0, 8.0, 1.0]), rtol=1e-6)
    bounded = jax.vmap(lambda k: squashed.reset(k)[0])(keys)
    np.testing.assert_allclose(bounded[:, :2], jnp.tanh(x[:, :2]) * jnp.array([1.0, 8.0]),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bounded[:, 2], x[:, 2], rtol=1e-6)
    assert all(squashed.observation_space.contains(o) for o in bounded)


def test_bandit_rejects_bad_arguments():
    key = jax.random.PRNGKey(0)
    with pytest.raises(ValueError, match="num_actions"):
        SyntheticContextualBandit([-1.0], [1.0], key=key)
    with pytest.raises(ValueError, match="not both"):
        SyntheticContextualBandit([-1.0], [1.0], 2, action_low=[-1.0], action_high=[1.0], key=key)
    with pytest.raises(ValueError, match="observation_low"):
        SyntheticContextualBandit([1.0], [-1.0], 2, key=key)
    with pytest.raises(ValueError, match="num_actions must be >= 1"):
        SyntheticContextualBandit([-1.0], [1.0], 0, key=key)


def test_population_of_64_bandits_compiles_once(cartpole):
    make_env = lambda k: SyntheticContextualBandit.for_environment(cartpole, key=k)  # noqa: E731

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def reset_and_step(envs, key):
        def one(env, k):
            k_reset, k_step = jax.random.split(k)
            obs, state = env.reset(k_reset)
            return env.step(k_step, state, jnp.asarray(1, jnp.int32))

        keys = jax.random.split(key, 64)
        return eqx.filter_vmap(one)(envs, keys)

    for seed in range(3):
        envs = eqx.filter_vmap(make_env)(jax.random.split(jax.random.PRNGKey(seed), 64))
        assert envs.init_net.layers[0].weight.shape[0] == 64
        obs, state, reward, terminated, truncated, info = reset_and_step(
            envs, jax.random.PRNGKey(seed)
        )
        assert obs.shape == (64, 4) and reward.shape == (64,)
        assert bool(jnp.all(terminated))
        # Different members give different rewards: the population is real, not one env.
        assert float(jnp.std(reward)) > 0
    assert eqx.debug.get_num_traces(reset_and_step) == 1


def test_gymnax_make_synthetic_cartpole_jit_and_vmap():
    env, params = gymnax.make("Synthetic-CartPole-v1")
    assert "Synthetic-CartPole-v1" in gymnax.registered_envs
    assert env.num_actions == 2
    keys = jax.random.split(jax.random.PRNGKey(0), 8)
    obs, state = jax.vmap(env.reset, in_axes=(0, None))(keys, params)
    assert obs.shape == (8, 4)
    actions = jnp.zeros(8, jnp.int32)
    out = jax.jit(jax.vmap(env.step, in_axes=(0, 0, 0, None)))(keys, state, actions, params)
    assert len(out) == 6
    obs, state, reward, terminated, truncated, info = out
    assert reward.shape == (8,) and bool(jnp.all(terminated)) and not bool(jnp.any(truncated))
    real_space = make("CartPole-v1").observation_space
    assert bool(jnp.all(jax.vmap(real_space.contains)(obs)))
    assert "Synthetic-CartPole-v1" in synthax.list_envs()["synthetic"]


def test_synthax_ids_stand_for_their_real_task():
    """`Synthax-<task>` is synthax's own environment for a task whose `Synthetic-<task>` is
    synthetic-gymnax's; both name the real task and neither can be meta-learned on."""
    from synthax.checkpoints import shipped_env_ids
    from synthax.meta import MetaLearnConfig

    assert real_env_id("Synthax-hopper") == "hopper" == real_env_id("Synthetic-hopper")
    assert real_env_id("hopper") == "hopper"
    assert {"Synthax-hopper", "Synthax-swimmer"} <= set(shipped_env_ids())
    assert {"Synthax-hopper", "Synthetic-hopper"} <= set(synthax.list_envs()["synthetic"])
    assert "Synthax-hopper" not in synthax.list_envs()["real"]
    with pytest.raises(ValueError, match="'Synthax-swimmer' is a synthetic environment"):
        MetaLearnConfig(env_id="Synthax-swimmer")
