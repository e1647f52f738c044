"""The Brax adapter (`synthax[brax]`): spaces, termination against truncation, the final
observation, the ids, the error without the extra, and one tiny meta-learning generation."""

import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

pytest.importorskip("brax.envs")
pytestmark = pytest.mark.brax  # -m "not brax" leaves them out

from synthax.envs import BraxEnvironment, list_envs, make, with_max_steps  # noqa: E402
from synthax.envs.brax_env import BRAX_ENVS, import_brax_envs  # noqa: E402


def test_without_the_extra_the_error_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "brax.envs", None)
    with pytest.raises(ImportError, match=r"synthax\[brax\]"):
        import_brax_envs()
    with pytest.raises(ImportError, match=r"synthax\[brax\]"):
        make("hopper")


def test_the_command_without_the_extra_says_so_in_one_line(monkeypatch, capsys):
    from synthax.cli import main

    monkeypatch.setitem(sys.modules, "brax.envs", None)
    monkeypatch.setattr(sys, "argv", ["synthax-test", "train", "--env", "Synthetic-hopper",
                                      "--agent", "td3"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("synthax: Brax environments need the optional extra: pip install "
                          "'synthax[brax]'")
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_ids_and_spaces():
    assert set(BRAX_ENVS) <= set(list_envs()["real"])
    env = make("hopper", time_limit=3)
    assert isinstance(env, BraxEnvironment) and env.backend == "spring"
    assert make("brax/hopper", time_limit=3) == env  # one brax object: equal, one compile
    assert env.observation_space.shape == (11,) and env.action_space.shape == (3,)
    np.testing.assert_array_equal(env.action_space.low, -1.0)
    np.testing.assert_array_equal(env.action_space.high, 1.0)
    assert env.observation_space.high.min() == np.finfo(np.float32).max  # unbounded
    assert env.max_steps_in_episode == 3
    assert with_max_steps(env, 1000).max_steps_in_episode == 1000
    with pytest.raises(KeyError, match="unknown Brax environment"):
        make("brax/nothing")
    with pytest.raises(ValueError, match="time_limit"):
        make("hopper", time_limit=0)


@eqx.filter_jit
def _three_steps(env, key):
    """Reset, then three auto-resetting steps with a zero action: the per-step outputs."""
    obs, state = env.reset(key)

    def body(carry, k):
        state = carry
        _, _, _, _, _, _ = env.transition(k, state, jnp.zeros(env.action_size))
        obs, state_next, reward, terminated, truncated, info = env.step(
            k, state, jnp.zeros(env.action_size))
        return state_next, (obs, reward, terminated, truncated, info["final_observation"],
                            state_next.time)

    return obs, jax.lax.scan(body, state, jax.random.split(key, 3))[1]


def test_truncation_at_the_limit_and_the_final_observation():
    env = make("hopper", time_limit=3)
    first, (obs, reward, terminated, truncated, final, time) = _three_steps(
        env, jax.random.PRNGKey(0))
    assert obs.shape == (3, 11) and reward.dtype == jnp.float32
    # Standing still for three steps does not fall: only the time limit ends the episode.
    np.testing.assert_array_equal(terminated, [False, False, False])
    np.testing.assert_array_equal(truncated, [False, False, True])
    np.testing.assert_array_equal(time, [1, 2, 0])  # the third step reset the episode
    # Before the end the final observation is the observation; at the end it is the last one
    # of the ended episode, and the returned observation is a fresh reset's.
    np.testing.assert_array_equal(final[:2], obs[:2])
    assert not np.allclose(final[2], obs[2])
    assert np.all(np.abs(obs[2] - first) < 0.5)  # near the initial pose again


def test_a_fall_is_termination_not_truncation():
    # A healthy height the hopper can never reach: every step is a fall, also at the limit.
    env = make("hopper", time_limit=3, healthy_z_range=(5.0, 10.0))
    _, (_, _, terminated, truncated, _, time) = _three_steps(env, jax.random.PRNGKey(1))
    np.testing.assert_array_equal(terminated, [True, True, True])
    np.testing.assert_array_equal(truncated, [False, False, False])
    np.testing.assert_array_equal(time, [0, 0, 0])


def test_shipped_brax_environments_load_for_their_real_envs():
    from synthax.checkpoints import load_shipped

    for name in ("hopper", "swimmer"):
        env = load_shipped(f"Synthetic-{name}")
        real = make(name)
        assert env.observation_dim == real.observation_dim
        assert env.action_dim == real.action_dim


@pytest.mark.slow
def test_one_meta_learning_generation_on_brax():
    from synthax.agents import PPO
    from synthax.meta import HorizonSchedule, MetaLearner

    real = make("hopper", time_limit=20)
    agent = PPO(total_timesteps=40, num_envs=2, num_steps=10, num_epochs=1, num_minibatches=1,
                hidden_size=8)
    learner = MetaLearner.for_bandit(
        real, agent, hidden_size=8, population_size=4,
        num_eval_episodes=2, num_mean_eval_seeds=1,
        eval_horizon=HorizonSchedule(init_value=5, end_value=20, transition_steps=10),
        key=jax.random.PRNGKey(0),
    )
    state = learner.init(jax.random.PRNGKey(1))
    state, metrics = eqx.filter_jit(learner.step)(state)
    assert int(state.generation) == 1 and int(metrics["eval_horizon"]) == 5
    assert all(np.isfinite(float(metrics[k])) for k in ("fitness_mean", "mean_return"))
    # A hopper that never falls earns 1 per step: 5 steps bound the return from above.
    assert float(metrics["fitness_max"]) < 5 * 3
