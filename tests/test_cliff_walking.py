import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gymnax.environments import spaces

from synthax.envs.cliff_walking import CliffWalking, CliffWalkingState

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
KEY = jax.random.PRNGKey(0)


def _at(env, row, col, time=0):
    return CliffWalkingState(
        position=jnp.asarray(env.cell(row, col), jnp.int32), time=jnp.asarray(time, jnp.int32)
    )


def _position(state):
    return divmod(int(state.position), 12)


def test_reset_starts_bottom_left():
    env = CliffWalking()
    obs, state = env.reset(KEY)
    assert obs.shape == (48,) and obs.dtype == jnp.float32
    assert int(jnp.argmax(obs)) == env.cell(3, 0) == 36 and float(obs.sum()) == 1.0
    assert _position(state) == (3, 0) and int(state.time) == 0
    obs2, _ = env.reset(jax.random.PRNGKey(123))
    np.testing.assert_array_equal(obs, obs2)  # deterministic
    assert env.num_rows == 4 and env.num_cols == 12 and env.solved_return == -20.0
    assert env.max_steps_in_episode == 50 and env.action_dim == 4 and env.observation_dim == 48
    assert isinstance(env.action_space, spaces.Discrete)


@pytest.mark.parametrize(
    "row, col, action, expected",
    [(3, 0, LEFT, (3, 0)), (3, 0, DOWN, (3, 0)), (0, 0, UP, (0, 0)), (0, 11, RIGHT, (0, 11)),
     (0, 5, LEFT, (0, 4)), (1, 5, DOWN, (2, 5))],
)
def test_moves_and_border_clipping(row, col, action, expected):
    env = CliffWalking()
    obs, state, reward, terminated, truncated, info = env.transition(
        KEY, _at(env, row, col), jnp.asarray(action)
    )
    assert _position(state) == expected and int(state.time) == 1
    assert int(jnp.argmax(obs)) == env.cell(*expected)
    assert float(reward) == -1.0 and not bool(terminated) and not bool(truncated)
    np.testing.assert_allclose(info["position"], [expected[0] / 3, expected[1] / 11])
    assert info["position"].dtype == jnp.float32


@pytest.mark.parametrize("row, col, action", [(3, 0, RIGHT), (2, 5, DOWN), (2, 10, DOWN)])
def test_cliff_gives_minus_100_and_terminates(row, col, action):
    env = CliffWalking()
    _, state, reward, terminated, truncated, _ = env.transition(
        KEY, _at(env, row, col), jnp.asarray(action)
    )
    assert float(reward) == -100.0 and bool(terminated) and not bool(truncated)
    assert _position(state)[0] == 3 and 1 <= _position(state)[1] <= 10


def test_goal_gives_zero_and_terminates():
    env = CliffWalking()
    obs, state, reward, terminated, truncated, _ = env.transition(
        KEY, _at(env, 2, 11, time=49), jnp.asarray(DOWN)
    )
    assert float(reward) == 0.0 and bool(terminated) and not bool(truncated)
    assert int(jnp.argmax(obs)) == env.cell(3, 11) == 47


def test_optimal_path_returns_minus_12():
    env = CliffWalking()
    step = jax.jit(env.step)
    obs, state = env.reset(KEY)
    total, flags = 0.0, []
    for action in [UP] + [RIGHT] * 11 + [DOWN]:
        obs, state, reward, terminated, truncated, info = step(KEY, state, jnp.asarray(action))
        total += float(reward)
        flags.append((bool(terminated), bool(truncated)))
    assert total == -12.0
    assert flags[-1] == (True, False) and all(f == (False, False) for f in flags[:-1])
    # auto reset: back at the start, the goal is in final_observation
    assert int(jnp.argmax(obs)) == 36 and int(state.time) == 0
    assert int(jnp.argmax(info["final_observation"])) == 47
    assert set(info) == {"position", "final_observation"}


@pytest.mark.parametrize("limit", [50, 3])
def test_truncation_at_time_limit(limit):
    env = CliffWalking() if limit == 50 else CliffWalking(max_steps_in_episode=limit)
    step = jax.jit(env.step)
    obs, state = env.reset(KEY)
    for t in range(1, limit + 1):
        obs, state, reward, terminated, truncated, info = step(KEY, state, jnp.asarray(UP))
        assert float(reward) == -1.0 and not bool(terminated)
        assert bool(truncated) == (t == limit)
    assert int(state.time) == 0 and int(jnp.argmax(obs)) == 36  # reset
    assert int(jnp.argmax(info["final_observation"])) == 0  # top-left corner


def test_observations_lie_in_space_and_vmap_over_keys():
    env = CliffWalking()
    space = env.observation_space
    assert space.shape == (48,) and space.dtype == jnp.float32
    keys = jax.random.split(KEY, 5)
    obs, state = jax.vmap(env.reset)(keys)
    assert obs.shape == (5, 48)
    actions = jnp.asarray([UP, RIGHT, DOWN, LEFT, UP], jnp.int32)
    step = eqx.filter_jit(jax.vmap(env.step))
    for _ in range(3):
        obs, state, reward, terminated, truncated, info = step(keys, state, actions)
        assert obs.shape == (5, 48) and reward.dtype == jnp.float32
        assert info["position"].shape == (5, 2) and info["final_observation"].shape == (5, 48)
        assert all(bool(space.contains(o)) for o in obs)
        np.testing.assert_array_equal(obs.sum(axis=1), 1.0)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="max_steps_in_episode"):
        CliffWalking(max_steps_in_episode=0)
    with pytest.raises(ValueError, match="max_steps_in_episode"):
        CliffWalking(max_steps_in_episode=-3)
    with pytest.raises(ValueError, match="outside"):
        CliffWalking.cell(4, 0)
    with pytest.raises(ValueError, match="outside"):
        CliffWalking.cell(0, 12)
