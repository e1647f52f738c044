import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import DQN, PPO
from synthax.envs import make
from synthax.evaluation import LearningCurve, evaluate, learning_curve, steps_to_solve
from synthax.meta import AreaUnderCurve, FinalReturn, StepsToSolve

from .conftest import TINY_DQN, TINY_PPO


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


def test_curve_points_and_steps(cartpole):
    agent = PPO(**TINY_PPO)  # 64 steps in 2 iterations of 4 envs x 8 steps
    curve = eqx.filter_jit(learning_curve)(agent, cartpole, cartpole, jax.random.key(0), 2, 3)
    assert curve.steps.tolist() == [32, 64]
    assert curve.returns.shape == (2, 3)
    assert bool(jnp.all(curve.returns >= 1))
    with pytest.raises(ValueError, match="must divide"):
        learning_curve(agent, cartpole, cartpole, jax.random.key(0), 3)


def test_last_point_is_the_trained_policy(cartpole):
    agent = DQN(**TINY_DQN)
    key = jax.random.key(0)
    curve = eqx.filter_jit(learning_curve)(agent, cartpole, cartpole, key, 1, 4)
    # One point: train everything, then evaluate, exactly as `train` + `evaluate`.
    assert curve.steps.tolist() == [agent.total_timesteps]
    k_init, k_eval = jax.random.split(key)
    policy, _ = eqx.filter_jit(agent.train)(cartpole, k_init)
    expected = evaluate(policy, cartpole, jax.random.split(k_eval, 1)[0], 4).returns
    np.testing.assert_allclose(curve.returns[0], expected)


def test_steps_to_solve_picks_the_first_point():
    curve = LearningCurve(steps=jnp.asarray([[10, 20, 30]] * 2),
                          returns=jnp.asarray([[[1.0], [5.0], [9.0]], [[1.0], [2.0], [3.0]]]))
    solved, steps = steps_to_solve(curve, 4.0)
    assert solved.tolist() == [True, False]
    assert steps.tolist() == [20, 30]


def test_objectives_score_in_their_ranges(cartpole):
    agent = DQN(**TINY_DQN)
    key = jax.random.key(0)
    final = FinalReturn()(agent, cartpole, cartpole, key, 2)
    auc = AreaUnderCurve(num_points=2)(agent, cartpole, cartpole, key, 2)
    easy = StepsToSolve(threshold=1.0, num_points=2)(agent, cartpole, cartpole, key, 2)
    hard = StepsToSolve(threshold=475.0, num_points=2)(agent, cartpole, cartpole, key, 2)
    assert float(final) >= 1 and float(auc) >= 1
    assert float(easy) == pytest.approx(-0.5)  # solved at the first of two points
    assert -2.0 <= float(hard) < -1.0
    with pytest.raises(ValueError, match="num_points"):
        StepsToSolve(threshold=1.0, num_points=0)
