import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from synthax.agents import QLearning
from synthax.envs import RewardNetwork, make
from synthax.meta import InnerLoop, MetaLearner, StepsToSolve, centered_ranks_with_ties


def test_ties_share_their_rank_and_a_plateau_gives_zeros():
    np.testing.assert_allclose(centered_ranks_with_ties(None, jnp.asarray([2.0, 2.0, 2.0])), 0.0)
    shaped = centered_ranks_with_ties(None, jnp.asarray([3.0, 1.0, 2.0, 2.0, 5.0]))
    np.testing.assert_allclose(shaped, [0.25, -0.5, -0.125, -0.125, 0.5])


def test_open_es_with_tied_ranks_does_not_move_on_a_plateau():
    """Exclusive reward networks on Cliff Walking start on a plateau (no candidate solves it):
    with shared ranks the search mean stays put instead of drifting."""
    cliff = make("CliffWalking-v0")
    template = RewardNetwork(cliff, "exclusive", hidden_size=4, key=jax.random.key(0))
    agent = QLearning(total_timesteps=100)
    learner = MetaLearner(
        cliff, InnerLoop(agent, objective=StepsToSolve(-20.0, num_points=2)), template,
        strategy="Open_ES", population_size=4, sigma_init=0.1, num_eval_episodes=1,
        num_mean_eval_seeds=1,
        strategy_kwargs={"optimizer": optax.sgd(0.1),
                         "fitness_shaping_fn": centered_ranks_with_ties},
    )
    state = learner.init(jax.random.key(1))
    new, metrics = eqx.filter_jit(learner.step)(state)
    assert float(metrics["fitness_max"]) == float(metrics["fitness_min"])  # a plateau
    before = jax.tree.leaves(eqx.filter(learner.mean_environment(state), eqx.is_inexact_array))
    after = jax.tree.leaves(eqx.filter(learner.mean_environment(new), eqx.is_inexact_array))
    for a, b in zip(before, after):
        np.testing.assert_allclose(a, b)
