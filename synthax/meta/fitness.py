"""Fitness of a synthetic environment: train an agent in it, evaluate the agent in the real one.

Liesen et al. (2024), arXiv:2406.12589, Eq. 1: the meta-objective is the expected real-environment
return of an agent trained for a fixed budget in the synthetic environment (`FinalReturn`).
Ferreira et al. (2022), arXiv:2202.02790, Section 4, also score how *fast* the agent solves the
real task (`StepsToSolve`); the area under the real learning curve (`AreaUnderCurve`) is the
smooth version of that. `OptimalPolicyReturn` scores a contextual bandit without training an
agent: the real return of the policy its reward network asks for; `TrueCriticReturn`, the real
return of an actor trained on the bandit's reward as its exact critic. `WeightedSum` adds several
of them up, e.g. agents' returns and the true critic's.
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from synthax.agents import AbstractAgent
from synthax.agents.networks import DeterministicActor
from synthax.envs import AbstractEnvironment, SyntheticContextualBandit
from synthax.evaluation import (
    bandit_candidate_actions,
    evaluate,
    learning_curve,
    optimal_bandit_policy,
    steps_to_solve,
)


def train_and_evaluate(
    agent: AbstractAgent,
    train_env: AbstractEnvironment,
    eval_env: AbstractEnvironment,
    key: PRNGKeyArray,
    num_eval_episodes: int,
) -> Float[Array, " num_eval_episodes"]:
    """Train `agent` from scratch on `train_env`, then roll its policy out in `eval_env`: the
    one training-and-evaluation primitive the objectives below are built on.

    **Arguments:** `agent`; `train_env` (synthetic or real); `eval_env` (the real environment);
    `key`; `num_eval_episodes` (static; a meta-learning run's count is
    `MetaLearner.num_eval_episodes`, 8 by default).

    **Returns:** float32 `(num_eval_episodes,)` undiscounted returns in `eval_env`.
    """
    k_train, k_eval = jax.random.split(key)
    policy, _ = agent.train(train_env.for_agent(agent), k_train)
    return evaluate(policy, eval_env, k_eval, num_eval_episodes).returns


class FinalReturn(eqx.Module):
    """Objective: mean real return after the full training budget (Liesen et al. 2024, Eq. 1),
    higher is better. The default objective of an [`InnerLoop`][synthax.meta.InnerLoop].

    **Call:** `(agent, train_env, real_env, key, num_eval_episodes) -> float32 scalar`, the mean
    of `train_and_evaluate`'s returns. Pass the same `key` to every population member for common
    random numbers.
    """

    def __call__(self, agent: AbstractAgent, train_env: AbstractEnvironment,
                 real_env: AbstractEnvironment, key: PRNGKeyArray,
                 num_eval_episodes: int) -> Float[Array, ""]:
        return jnp.mean(train_and_evaluate(agent, train_env, real_env, key, num_eval_episodes))


class _CurveObjective(eqx.Module):
    """An objective computed from the real learning curve at `num_points` evaluations."""

    num_points: eqx.AbstractVar[int]

    def __check_init__(self):
        if self.num_points < 1:
            raise ValueError(f"num_points must be >= 1, got {self.num_points}")

    def _curve(self, agent, train_env, real_env, key, num_eval_episodes):
        return learning_curve(agent, train_env, real_env, key, self.num_points,
                              num_eval_episodes)


class AreaUnderCurve(_CurveObjective):
    """Objective: the mean real return over `num_points` evaluations during training (the
    normalised area under the real learning curve); higher when the agent learns sooner.

    **Raises:** `ValueError` if `num_points < 1`; at call time as
    [`learning_curve`][synthax.evaluation.learning_curve].
    """

    num_points: int = eqx.field(static=True, default=10)

    def __call__(self, agent, train_env, real_env, key, num_eval_episodes) -> Float[Array, ""]:
        return jnp.mean(self._curve(agent, train_env, real_env, key, num_eval_episodes).returns)


class StepsToSolve(_CurveObjective):
    """Objective: how few agent steps the training environment needs until the real mean
    return reaches `threshold` (Ferreira et al. 2022, Section 4: train until solved).

    The fitness is `-steps / total_timesteps` (in `[-1, 0)`) when the task is solved at one of
    `num_points` evaluations, and `-1 - (threshold - best) / max(|threshold|, 1)` otherwise
    (`best`: the best mean real return reached), so unsolved candidates still rank by how close
    they came.

    **Raises:** `ValueError` if `num_points < 1`; at call time as
    [`learning_curve`][synthax.evaluation.learning_curve].
    """

    threshold: float = eqx.field(static=True)
    num_points: int = eqx.field(static=True, default=10)

    def __call__(self, agent, train_env, real_env, key, num_eval_episodes) -> Float[Array, ""]:
        curve = self._curve(agent, train_env, real_env, key, num_eval_episodes)
        solved, steps = steps_to_solve(curve, self.threshold)
        total = curve.steps[-1].astype(jnp.float32)
        best = jnp.max(curve.mean_returns)
        gap = (self.threshold - best) / max(abs(self.threshold), 1.0)
        return jnp.where(solved, -steps.astype(jnp.float32) / total, -1.0 - gap)


class OptimalPolicyReturn(eqx.Module):
    """Objective for a synthetic contextual bandit: the mean real return of the policy its
    reward network asks for, which trains no agent; higher is better.

    With `temperature` 0 that policy is the bandit's optimal one, `pi*(s) = argmax_a r(s, a)`
    ([`optimal_bandit_policy`][synthax.evaluation.optimal_bandit_policy]); with `temperature`
    `T > 0` it is the softmax (Boltzmann) policy over the same candidate actions,
    `pi(a | s) = exp(r(s, a) / T) / sum_b exp(r(s, b) / T)` (Sutton & Barto, *Reinforcement
    Learning: An Introduction*, 2nd ed., 2018, Eq. 13.2), which scores a bandit higher the more
    clearly its reward separates good actions from bad, in units of `T`.

    An agent that solves the bandit acts like `pi*`, so this is the return the bandit's reward
    network encodes, without the noise of one agent's hyperparameter draw and training run: a
    cheap, low-noise fitness to start a search with, then continue with
    [`FinalReturn`][synthax.meta.FinalReturn] from the result (a
    [`MetaLearnConfig`][synthax.meta.MetaLearnConfig]'s `init_environment`), since it does not
    score whether agents learn the policy within their budget.

    With `num_states` `k`, the policy knows its actions only at `k` observations drawn from the
    bandit's own initial-state distribution (a fresh draw per call) and acts in each real state
    as at the nearest of them (Euclidean distance, each bounded observation dimension scaled to
    [-1, 1]; Cover & Hart 1967, the nearest-neighbour rule): what an agent can learn from the
    observations the bandit shows it. The bandit then scores well only if its resets cover the
    real states where the policy matters, so the search shapes its initial-state network too.

    **Fields:** `points_per_dim` (static), the grid size per `Box` action dimension (ignored for
    discrete actions); `temperature` (static, in reward units), 0 for the argmax policy;
    `num_states` (static), `None` (default: the policy at every real state) or `k >= 1`.

    **Call:** as [`FinalReturn`][synthax.meta.FinalReturn]; `agent` is not used (may be `None`).

    **Raises:** `ValueError` if `points_per_dim < 2`, `temperature` is negative or not finite,
    or `num_states < 1`;
    at call time `TypeError` if `train_env` is not a
    [`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit], and as
    [`bandit_candidate_actions`][synthax.evaluation.bandit_candidate_actions].
    """

    points_per_dim: int = eqx.field(static=True, default=41)
    temperature: float = eqx.field(static=True, default=0.0)
    num_states: int | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if self.num_states is not None and self.num_states < 1:
            raise ValueError(f"num_states must be None or >= 1, got {self.num_states}")
        if self.points_per_dim < 2:
            raise ValueError(f"points_per_dim must be >= 2, got {self.points_per_dim}")
        if not (math.isfinite(self.temperature) and self.temperature >= 0):
            raise ValueError(f"temperature must be a finite number >= 0, got {self.temperature}")

    def __call__(self, agent: AbstractAgent | None, train_env: AbstractEnvironment,
                 real_env: AbstractEnvironment, key: PRNGKeyArray,
                 num_eval_episodes: int) -> Float[Array, ""]:
        del agent
        candidates = bandit_candidate_actions(train_env, self.points_per_dim)
        argmax_policy = optimal_bandit_policy(train_env, self.points_per_dim)

        def act(obs, key):
            if self.temperature == 0:
                return argmax_policy(obs, key)
            rewards = jax.vmap(lambda action: train_env.reward(obs, action))(candidates)
            return candidates[jax.random.categorical(key, rewards / self.temperature)]

        if self.num_states is None:
            policy = act
        else:
            k_states, k_act, key = jax.random.split(key, 3)
            keys = jax.random.split(k_states, self.num_states)
            states = jax.vmap(lambda k: train_env.reset(k)[0])(keys)
            actions = jax.vmap(act)(states, jax.random.split(k_act, self.num_states))
            scaled = train_env.scale_observation(states)

            def policy(obs, key):
                del key
                distances = jnp.sum((scaled - train_env.scale_observation(obs)) ** 2, axis=-1)
                return actions[jnp.argmin(distances)]

        return jnp.mean(evaluate(policy, real_env, key, num_eval_episodes).returns)


class TrueCriticReturn(eqx.Module):
    """Objective for a synthetic contextual bandit with `Box` actions: the mean real return of a
    deterministic actor trained by the deterministic policy gradient on the bandit's own reward
    network as its critic; higher is better. No agent is trained and no transition is sampled.

    A bandit's episode never changes its state, so its action value is its reward, `Q(s, a) =
    r(s, a)` (up to a term that does not depend on `a`), and the deterministic policy gradient
    (Silver et al. 2014, "Deterministic Policy Gradient Algorithms", ICML, Theorem 1; the actor
    update of DDPG, Lillicrap et al. 2016, Algorithm 1) can use the exact critic: each of `steps`
    Adam steps (Kingma & Ba 2015) raises the mean `r(s, mu(s))` over `batch_size` observations
    drawn from the bandit's resets. The actor then acts in the real environment. This is the actor
    learning of DDPG and TD3 with a perfect critic: it scores whether the bandit's
    resets cover the real states that matter and whether gradient ascent on its reward finds a
    good action in each, which the argmax policy of
    [`OptimalPolicyReturn`][synthax.meta.OptimalPolicyReturn] does not; with fixed
    hyperparameters and no exploration it is far less noisy than one agent's
    [`FinalReturn`][synthax.meta.FinalReturn]. With `num_actors` `k`, `k` actors (their own
    initialisations, resets and real episodes) are trained and the score is their mean, so a
    bandit scores well only if every initialisation learns from it.

    **Fields** (all static): `steps`, Adam steps (default 1000); `batch_size`, observations per
    step (256); `learning_rate` (1e-3); the actor's `hidden_size` (64), `num_layers` (2) and
    `activation` (`"relu"`), as
    [`DeterministicActor`][synthax.agents.networks.DeterministicActor] (tanh-squashed into the
    action box); `num_actors` (1), actors per score, each evaluated on `num_eval_episodes`.

    **Call:** as [`FinalReturn`][synthax.meta.FinalReturn]; `agent` is not used (may be `None`).

    **Raises:** `ValueError` if `steps`, `batch_size`, `hidden_size`, `num_layers` or
    `num_actors` is below 1 or `learning_rate` is not a finite number above 0; at call time
    `TypeError` if `train_env` is not a
    [`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit] with `Box` actions.
    """

    steps: int = eqx.field(static=True, default=1000)
    batch_size: int = eqx.field(static=True, default=256)
    learning_rate: float = eqx.field(static=True, default=1e-3)
    hidden_size: int = eqx.field(static=True, default=64)
    num_layers: int = eqx.field(static=True, default=2)
    activation: str = eqx.field(static=True, default="relu")
    num_actors: int = eqx.field(static=True, default=1)

    def __check_init__(self):
        for name in ("steps", "batch_size", "hidden_size", "num_layers", "num_actors"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, "
                             f"got {self.learning_rate}")

    def __call__(self, agent: AbstractAgent | None, train_env: AbstractEnvironment,
                 real_env: AbstractEnvironment, key: PRNGKeyArray,
                 num_eval_episodes: int) -> Float[Array, ""]:
        del agent
        if not isinstance(train_env, SyntheticContextualBandit):
            raise TypeError("TrueCriticReturn scores a SyntheticContextualBandit, got "
                            f"{type(train_env).__name__}")
        if train_env.num_actions is not None:
            raise TypeError("TrueCriticReturn needs Box actions; this bandit's are discrete "
                            "(OptimalPolicyReturn is exact for them)")
        if self.num_actors == 1:
            return self._one_actor(train_env, real_env, key, num_eval_episodes)
        keys = jax.random.split(key, self.num_actors)
        return jnp.mean(jax.vmap(
            lambda k: self._one_actor(train_env, real_env, k, num_eval_episodes))(keys))

    def _one_actor(self, train_env, real_env, key, num_eval_episodes):
        k_actor, k_train, k_eval = jax.random.split(key, 3)
        actor = DeterministicActor(train_env.observation_dim, train_env.action_low,
                                   train_env.action_high, self.hidden_size, self.num_layers,
                                   self.activation, k_actor)
        params, static = eqx.partition(actor, eqx.is_inexact_array)
        optimizer = optax.adam(self.learning_rate)

        def loss(params, obs):
            mu = eqx.combine(params, static)
            return -jnp.mean(jax.vmap(lambda o: train_env.reward(o, mu(o)))(obs))

        def step(carry, key):
            params, opt_state = carry
            obs = jax.vmap(lambda k: train_env.reset(k)[0])(jax.random.split(key, self.batch_size))
            updates, opt_state = optimizer.update(jax.grad(loss)(params, obs), opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), None

        (params, _), _ = jax.lax.scan(step, (params, optimizer.init(params)),
                                      jax.random.split(k_train, self.steps))
        mu = eqx.combine(params, static)
        returns = evaluate(lambda obs, key: mu(obs), real_env, k_eval, num_eval_episodes).returns
        return jnp.mean(returns)


class WeightedSum(eqx.Module):
    """Objective: the weighted sum `sum_i weights[i] * objectives[i](...)` of other objectives
    that share the call signature (any of the above, or your own), each called with its own key
    split from the one given; higher is better.

    With objectives in the same units, e.g. `FinalReturn` and `TrueCriticReturn` (both real
    returns), weights summing to 1 give a weighted mean: the search then keeps what both score,
    such as agents of one algorithm learning from the environment while a DDPG-like actor on its
    exact critic still does. The agent drawn for a rollout (`num_rollouts`) is passed to every
    objective; objectives that train no agent ignore it. A linear scalarisation of several
    objectives (Miettinen, *Nonlinear Multiobjective Optimization*, 1999, Section 3.1).

    **Fields:** `objectives`, a non-empty tuple of objective modules; `weights` (static), one
    finite float per objective.

    **Call:** as [`FinalReturn`][synthax.meta.FinalReturn].

    **Raises:** `ValueError` if `objectives` is empty or `weights` is not one finite number per
    objective.
    """

    objectives: tuple[eqx.Module, ...]
    weights: tuple[float, ...] = eqx.field(static=True)

    def __check_init__(self):
        if not self.objectives:
            raise ValueError("objectives must hold at least one objective")
        if len(self.weights) != len(self.objectives):
            raise ValueError(f"weights must give one number per objective "
                             f"({len(self.objectives)}), got {self.weights!r}")
        if not all(isinstance(w, (int, float)) and math.isfinite(w) for w in self.weights):
            raise ValueError(f"weights must be finite numbers, got {self.weights!r}")

    def __call__(self, agent: AbstractAgent | None, train_env: AbstractEnvironment,
                 real_env: AbstractEnvironment, key: PRNGKeyArray,
                 num_eval_episodes: int) -> Float[Array, ""]:
        keys = jax.random.split(key, len(self.objectives))
        return sum(weight * objective(agent, train_env, real_env, k, num_eval_episodes)
                   for weight, objective, k in zip(self.weights, self.objectives, keys))
