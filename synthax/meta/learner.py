"""The meta-learner: an evosax strategy over the parameters of a synthetic environment.

One generation (Liesen et al. 2024, Algorithm 1): sample a population of environments from the
search distribution, train one agent in each (all members share the training and evaluation key:
common random numbers), score each by its agent's real-environment return, update the
distribution, and evaluate the distribution's mean with fresh agents.
"""

import inspect
from typing import Any

import equinox as eqx
import evosax.algorithms as ea
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Int, PRNGKeyArray

from synthax.agents import AbstractAgent
from synthax.envs import AbstractEnvironment, SyntheticContextualBandit, TimeLimit, with_max_steps
from synthax.parallel import replicate

from .curriculum import HorizonSchedule
from .inner_loop import InnerLoop


def distribution_strategies() -> list[str]:
    """Names of the evosax distribution-based strategies accepted by `MetaLearner`."""
    return sorted(ea.distribution_based_algorithms)


def _build_strategy(name: str, population_size: int, solution: Any, sigma_init: float,
                    strategy_kwargs: dict[str, Any] | None = None):
    """An evosax strategy by name whose initial search standard deviation is `sigma_init`;
    `strategy_kwargs` go to its constructor (e.g. `optimizer=optax.sgd(0.5)` for `Open_ES`)."""
    algorithms = ea.distribution_based_algorithms
    if name not in algorithms:
        raise ValueError(f"unknown strategy {name!r}; allowed: {distribution_strategies()}")
    cls = algorithms[name]
    kwargs = dict(strategy_kwargs or {})
    if "std_schedule" in inspect.signature(cls.__init__).parameters:
        # A `std_schedule` given in `strategy_kwargs` wins over the constant `sigma_init`.
        kwargs.setdefault("std_schedule", optax.constant_schedule(float(sigma_init)))
    try:
        strategy = cls(population_size=population_size, solution=solution, **kwargs)
    except (TypeError, AssertionError) as error:
        raise ValueError(f"cannot build strategy {name!r} with population_size="
                         f"{population_size}: {error}") from None
    if "std_schedule" not in kwargs and not hasattr(strategy.default_params, "std_init"):
        raise ValueError(
            f"strategy {name!r} has no initial standard deviation (std_init or std_schedule) "
            "to set from sigma_init; choose another strategy"
        )
    return strategy


class MetaState(eqx.Module):
    """State of meta-learning: the strategy's state and parameters, a key and the generation."""

    es_state: Any
    es_params: Any
    key: PRNGKeyArray
    generation: Int[Array, ""]


class MetaLearner(eqx.Module):
    """Meta-learn a synthetic environment for `real_env` with an evosax strategy.

    **Arguments:**

    - `real_env`: the environment agents are evaluated in.
    - `inner_loop`: an [`InnerLoop`][synthax.meta.InnerLoop] (several algorithms, random
      hyperparameters), or a single agent (e.g. [`PPO`][synthax.agents.PPO]) trained with its
      own hyperparameters.
    - `template`: a synthetic environment
      ([`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit],
      [`SyntheticMDP`][synthax.envs.SyntheticMDP], a
      [`RewardNetwork`][synthax.envs.RewardNetwork], ...) whose `learnable()` leaves are
      searched over; their values are the initial mean (the networks' default initialisation,
      as in the papers).
    - `strategy`: an evosax distribution-based strategy name (see `distribution_strategies`);
      `strategy_kwargs`: extra constructor arguments (e.g. `optimizer=optax.sgd(0.5)` for
      `"Open_ES"`, whose antithetic sampling is learning_environments' mirrored NES).
    - `population_size`, `sigma_init` (evosax's `std_init`, or a constant `std_schedule`, the
      search distribution's initial standard deviation; 0.1 here and in
      [`MetaLearnConfig`][synthax.meta.MetaLearnConfig], 0.05 in synthetic-gymnax's configs),
      `num_eval_episodes` (real episodes
      per fitness evaluation), `num_mean_eval_seeds` (agents trained on the mean each
      generation), `num_rollouts` (agents per population member and generation, each with its
      own hyperparameter draw; see
      [`InnerLoop.population_fitness`][synthax.meta.InnerLoop.population_fitness]).
    - `eval_horizon`: an optional [`HorizonSchedule`][synthax.meta.HorizonSchedule] for the
      real environment's time limit during fitness evaluation; `None` keeps its own.
    - `sharding` (keyword-only): a `jax.sharding.Sharding` of the population axis, e.g.
      `synthax.parallel.population_sharding(population_size, devices)`, to split each
      generation's members (and the mean's evaluation agents) over those devices; `None`
      (default) adds no sharding constraint, so the caller's own sharding or device placement
      applies. The `synthax` command passes one over all devices.

    **Raises:** `ValueError` for an unknown strategy (listing the allowed ones), or one whose
    initial standard deviation cannot be set (neither a `std_init` parameter nor a
    `std_schedule` argument), or that needs arguments beyond the population and solution; for
    `num_rollouts < 1`; or for a horizon above the limit of a real environment that is not a
    gymnax one.
    """

    real_env: AbstractEnvironment
    inner_loop: InnerLoop
    template: AbstractEnvironment
    strategy: Any = eqx.field(static=True)
    sigma_init: float = eqx.field(static=True)
    num_eval_episodes: int = eqx.field(static=True)
    num_mean_eval_seeds: int = eqx.field(static=True)
    num_rollouts: int = eqx.field(static=True)
    eval_horizon: HorizonSchedule | None
    fitness_env: AbstractEnvironment
    sharding: Any = eqx.field(static=True)

    def __init__(
        self,
        real_env: AbstractEnvironment,
        inner_loop: InnerLoop | AbstractAgent,
        template: AbstractEnvironment,
        strategy: str = "SNES",
        population_size: int = 32,
        sigma_init: float = 0.1,
        strategy_kwargs: dict[str, Any] | None = None,
        num_eval_episodes: int = 8,
        num_mean_eval_seeds: int = 8,
        eval_horizon: HorizonSchedule | None = None,
        num_rollouts: int = 1,
        *,
        sharding: Any = None,
    ):
        if num_rollouts < 1:
            raise ValueError(f"num_rollouts must be >= 1, got {num_rollouts}")
        self.real_env = real_env
        self.inner_loop = inner_loop if isinstance(inner_loop, InnerLoop) else InnerLoop(inner_loop)
        self.template = template
        solution = eqx.filter(template, template.learnable())
        self.strategy = _build_strategy(strategy, population_size, solution, sigma_init,
                                        strategy_kwargs)
        self.sigma_init = float(sigma_init)
        self.num_eval_episodes = int(num_eval_episodes)
        self.num_mean_eval_seeds = int(num_mean_eval_seeds)
        self.num_rollouts = int(num_rollouts)
        self.eval_horizon = eval_horizon
        self.sharding = sharding
        # The real environment whose time limit the curriculum sets (to its largest value here,
        # and to the generation's value with a traced `TimeLimit` in `step`).
        self.fitness_env = (
            real_env if eval_horizon is None else with_max_steps(real_env, eval_horizon.bound)
        )

    @property
    def population_size(self) -> int:
        return self.strategy.population_size

    @classmethod
    def for_bandit(
        cls, real_env: AbstractEnvironment, inner_loop: InnerLoop | AbstractAgent,
        *, key: PRNGKeyArray, hidden_size: int = 32, scale_reward_input: bool = False,
        scale_initial_state: bool = False, **kwargs,
    ) -> "MetaLearner":
        """A meta-learner over synthetic contextual bandits shaped like `real_env`.

        The template is a [`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit]
        initialised from `key` with `hidden_size` units, `scale_reward_input` and
        `scale_initial_state`; `kwargs` go to the constructor.
        """
        template = SyntheticContextualBandit.for_environment(
            real_env, hidden_size=hidden_size, scale_reward_input=scale_reward_input,
            scale_initial_state=scale_initial_state, key=key,
        )
        return cls(real_env, inner_loop, template, **kwargs)

    def from_parameters(self, params: Any) -> AbstractEnvironment:
        """The environment (or, for a population of `params` as `strategy.ask` returns it, the
        stacked population of environments) whose searched leaves are `params` and whose other
        leaves are the template's."""
        fixed = eqx.filter(self.template, self.template.learnable(), inverse=True)
        return eqx.combine(params, fixed)

    def init(self, key: PRNGKeyArray) -> MetaState:
        """The initial state; the search distribution's mean is the template's parameters."""
        k_init, key = jax.random.split(key)
        es_params = self.strategy.default_params
        if hasattr(es_params, "std_init"):
            es_params = es_params.replace(std_init=jnp.asarray(self.sigma_init, jnp.float32))
        mean = eqx.filter(self.template, self.template.learnable())
        es_state = self.strategy.init(k_init, mean, es_params)
        state = MetaState(es_state, es_params, key, jnp.asarray(0, jnp.int32))
        # Strong dtypes, so that `step` maps a state to one of exactly the same type.
        state = jax.tree.map(
            lambda x: jnp.array(x, dtype=x.dtype) if eqx.is_array(x) else x, state
        )
        return self.place(state)

    def place(self, state: MetaState) -> MetaState:
        """`state` on the devices where `step` leaves it: copied to every device of `sharding`
        when the population is split over several, else unchanged. `init` does this already;
        call it on a state loaded from disk before passing it to a compiled `step`."""
        return replicate(state, self.sharding)

    def mean_environment(self, state: MetaState) -> AbstractEnvironment:
        """The search distribution's mean as an environment (the run's result)."""
        return self.from_parameters(self.strategy.get_mean(state.es_state))

    def evaluation_environment(self, generation: Int[Array, ""]) -> AbstractEnvironment:
        """The real environment fitness is measured in at 0-based `generation` (with the
        curriculum's time limit, if any)."""
        if self.eval_horizon is None:
            return self.real_env
        return TimeLimit(self.fitness_env, self.eval_horizon(generation))

    def evaluate_environment(
        self, env: AbstractEnvironment, key: PRNGKeyArray, num_seeds: int, algorithm: int = 0
    ) -> Array:
        """Per-agent mean real return (at the real time limit) of `num_seeds` agents of
        inner-loop algorithm `algorithm` trained on `env`: float32 `(num_seeds,)`."""
        return self.inner_loop.evaluate(
            algorithm, env, self.real_env, key, num_seeds, self.num_eval_episodes,
            sharding=self.sharding,
        )

    def step(self, state: MetaState) -> tuple[MetaState, dict[str, Array]]:
        """One generation. Fitness is the real return (maximised; evosax minimises its negation);
        the strategy ranks the inner loop's `search_fitness` of it (under the `"all"` schedule
        with `combination="centered_ranks"`, each algorithm's ranks, averaged).

        **Returns:** the new state and scalar metrics: float32 `fitness_mean`, `fitness_max`,
        `fitness_min` of the real returns (the algorithms' mean) over the population;
        `mean_return` (the mean environment, averaged over `num_mean_eval_seeds` agents of
        this generation's algorithm, at the real time limit); int32 `algorithm` (index into
        `inner_loop.names`; under the `"all"` schedule the mean is evaluated with every
        algorithm and `algorithm` is -1) and `eval_horizon` (steps).
        """
        key, k_ask, k_fit, k_tell, k_mean = jax.random.split(state.key, 5)
        population, es_state = self.strategy.ask(k_ask, state.es_state, state.es_params)
        envs = self.from_parameters(population)
        eval_env = self.evaluation_environment(state.generation)
        per_algorithm = self.inner_loop.algorithm_fitness(
            envs, eval_env, state.generation, k_fit, self.num_eval_episodes, self.num_rollouts,
            sharding=self.sharding,
        )
        scores = jnp.mean(per_algorithm, axis=0)
        ranked = self.inner_loop.search_fitness(per_algorithm)
        es_state, _ = self.strategy.tell(k_tell, population, -ranked, es_state, state.es_params)
        new_state = MetaState(es_state, state.es_params, key, state.generation + 1)
        mean_env = self.mean_environment(new_state)
        loop = self.inner_loop
        keys = (jax.random.split(k_mean, len(loop)) if loop.schedule == "all" and len(loop) > 1
                else jnp.stack([k_mean] * len(loop)))
        algorithm, mean_return = loop.scheduled(state.generation, lambda i: jnp.mean(
            self.evaluate_environment(mean_env, keys[i], self.num_mean_eval_seeds, i)))
        horizon = (self.real_env.max_steps_in_episode if self.eval_horizon is None
                   else self.eval_horizon(state.generation))
        metrics = {
            "fitness_mean": jnp.mean(scores),
            "fitness_max": jnp.max(scores),
            "fitness_min": jnp.min(scores),
            "mean_return": mean_return,
            "algorithm": algorithm,
            "eval_horizon": jnp.asarray(horizon, jnp.int32),
        }
        return new_state, metrics
