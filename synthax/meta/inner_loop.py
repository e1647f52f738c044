"""The inner loop of meta-learning: which agents train on a candidate environment, and how.

Liesen et al. (2024), arXiv:2406.12589, Sec. 4 and Appendix: to make a synthetic environment
that trains *any reasonable* agent, each fitness evaluation trains agents of several algorithms
(discrete: PPO, SAC, DQN; continuous: PPO, SAC, DDPG, TD3) whose hyperparameters are drawn
uniformly from lists, and the fitness is their mean real-environment return.
synthetic-gymnax trains one algorithm per generation in turn (round-robin); all members of a
generation share the drawn hyperparameters and the PRNG key (common random numbers).
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray

from synthax.agents import AGENTS, SEARCH_SPACES, AbstractAgent, SearchSpace, sample_from
from synthax.agents.hyperparameters import frozen_space
from synthax.envs import AbstractEnvironment
from synthax.parallel import shard_population

from .fitness import FinalReturn
from .shaping import centered_ranks_with_ties

SCHEDULES = ("round_robin", "all")
# How the `"all"` schedule combines its algorithms' scores into the fitness the strategy ranks.
COMBINATIONS = ("mean", "centered_ranks")


def agent_name(agent: AbstractAgent) -> str:
    """The registry name of `agent`'s class (`"ppo"`, `"dqn"`, ...), or, for a class that is
    not in `synthax.agents.AGENTS` (a user's own agent), the class's name. The registry is for
    looking names up; any [`AbstractAgent`][synthax.agents.AbstractAgent] trains."""
    for name, cls in AGENTS.items():
        if type(agent) is cls:
            return name
    return type(agent).__name__


def agent_label(agent: AbstractAgent) -> str:
    """`agent_name(agent)`, with `-<optimizer>` appended for an agent whose `optimizer` field is
    not the default `"adam"` (`"dqn-sgd"`): the name a run's log and final evaluation give the
    agent, so that the same algorithm trained with two optimisers has two names."""
    optimizer = getattr(agent, "optimizer", "adam")
    name = agent_name(agent)
    return name if optimizer == "adam" else f"{name}-{optimizer}"


def with_hyperparameters(agent: AbstractAgent, values: dict[str, Any]) -> AbstractAgent:
    """`agent` with the array hyperparameters in `values` replaced (each cast to the field's
    dtype). Traceable, so it may be used under `jit`/`vmap` with drawn values."""
    names = list(values)
    for name in names:
        if not eqx.is_array(getattr(agent, name, None)):
            raise ValueError(f"{type(agent).__name__}.{name} is not an array hyperparameter")
    return eqx.tree_at(
        lambda a: [getattr(a, n) for n in names],
        agent,
        [jnp.asarray(values[n], getattr(agent, n).dtype) for n in names],
    )


def _listed_value(drawn: Any, values: tuple) -> bool | int | float:
    """The entry of a search space's `values` that `drawn` (its array-cast draw, e.g. float32
    9.99e-05) came from (`1e-4`), as the space writes it."""
    distances = np.abs(np.asarray(values, np.float64) - np.asarray(drawn, np.float64))
    return values[int(np.argmin(distances))]


class InnerLoop(eqx.Module):
    """The agents that score a synthetic environment, and how they are scheduled.

    **Arguments:**

    - `agents`: one agent per algorithm; their static sizes (steps, batch sizes, networks) are
      used as given, and so are their array hyperparameters unless `random_hyperparameters`.
    - `random_hyperparameters`: draw the array hyperparameters of every trained agent from its
      search space (one draw per generation shared by the population, one per agent when the
      mean environment is evaluated).
    - `schedule`: `"round_robin"` trains algorithm `generation % len(agents)` in each
      generation (synthetic-gymnax's choice; one algorithm's cost per generation); `"all"`
      trains every algorithm each generation and averages their returns.
    - `combination`: what the strategy ranks under `"all"` (`search_fitness`): `"mean"`
      (default), the mean of the algorithms' returns, or `"centered_ranks"`, the mean over
      algorithms of each algorithm's centered ranks within the population (ties share their
      rank; `synthax.meta.centered_ranks_with_ties`). A rank-based strategy ranks a plain mean
      mostly by the algorithm whose returns spread most between members (PPO's by hundreds
      on Pendulum, TD3's by tens); with ranks per algorithm each counts alike, as in
      multi-task evolution strategies that normalise each task's fitness before combining.
    - `objective`: what a population member scores: [`FinalReturn`][synthax.meta.FinalReturn]
      (default), [`AreaUnderCurve`][synthax.meta.AreaUnderCurve] or
      [`StepsToSolve`][synthax.meta.StepsToSolve]. The mean environment's logged return
      (`evaluate`) is always the final real return.
    - `search_spaces`: the spaces hyperparameters are drawn from, by agent name
      (`{"ppo": {"learning_rate": (1e-3, 3e-4)}}`, a
      `synthax.agents.SearchSpace` each) or one per agent in order; an agent
      without one uses `synthax.agents.SEARCH_SPACES[name]` (synthetic-gymnax's lists). They
      are fields of the module, read when it is built, never module globals at trace time.

    Any [`AbstractAgent`][synthax.agents.AbstractAgent] may be given, including a user's own
    class; with `random_hyperparameters` it needs a search space. The same class may appear
    more than once (e.g. with two optimisers); `names` are the registry names (a dict of
    `search_spaces` is looked up by them) and `labels` tell such agents apart
    (`agent_label`: `"dqn"`, `"dqn-sgd"`).

    **Raises:** `ValueError` for an empty `agents`, an unknown `schedule` or `combination`
    (listing the allowed ones), a malformed search space, or `random_hyperparameters` for an
    agent that has none.
    """

    agents: tuple[AbstractAgent, ...]
    names: tuple[str, ...] = eqx.field(static=True)
    labels: tuple[str, ...] = eqx.field(static=True)
    random_hyperparameters: bool = eqx.field(static=True)
    schedule: str = eqx.field(static=True)
    combination: str = eqx.field(static=True)
    objective: eqx.Module
    search_spaces: tuple[Any, ...] = eqx.field(static=True)

    def __init__(
        self,
        agents: AbstractAgent | tuple[AbstractAgent, ...] | list[AbstractAgent],
        random_hyperparameters: bool = False,
        schedule: str = "round_robin",
        objective: eqx.Module | None = None,
        search_spaces: dict[str, SearchSpace] | list[SearchSpace | None] | None = None,
        combination: str = "mean",
    ):
        agents = (agents,) if isinstance(agents, AbstractAgent) else tuple(agents)
        if not agents:
            raise ValueError("InnerLoop needs at least one agent")
        for agent in agents:
            if not isinstance(agent, AbstractAgent):
                raise TypeError(f"InnerLoop agents must be AbstractAgent instances, got "
                                f"{type(agent).__name__}")
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; allowed: {list(SCHEDULES)}")
        if combination not in COMBINATIONS:
            raise ValueError(f"unknown combination {combination!r}; allowed: "
                             f"{list(COMBINATIONS)}")
        self.agents = agents
        self.names = tuple(agent_name(a) for a in agents)
        self.labels = tuple(agent_label(a) for a in agents)
        self.random_hyperparameters = bool(random_hyperparameters)
        self.schedule = schedule
        self.combination = combination
        self.objective = FinalReturn() if objective is None else objective
        if isinstance(search_spaces, dict):
            unknown = set(search_spaces) - set(self.names)
            if unknown:
                raise ValueError(f"search_spaces has {sorted(unknown)}, which are not agents of "
                                 f"this inner loop {list(self.names)}")
            given = [search_spaces.get(name) for name in self.names]
        elif search_spaces is not None:
            given = list(search_spaces)
            if len(given) != len(agents):
                raise ValueError(f"search_spaces has {len(given)} entries for {len(agents)} "
                                 f"agents")
        else:
            given = [None] * len(agents)
        spaces = []
        for name, space in zip(self.names, given):
            space = SEARCH_SPACES.get(name) if space is None else space
            if space is None and self.random_hyperparameters:
                raise ValueError(f"agent {name!r} has no search space; pass search_spaces="
                                 f"{{{name!r}: {{field: values}}}} or random_hyperparameters"
                                 f"=False")
            spaces.append(None if space is None else frozen_space(space))
        self.search_spaces = tuple(spaces)

    def __len__(self) -> int:
        return len(self.agents)

    def agent(self, index: int, key: PRNGKeyArray) -> AbstractAgent:
        """Agent `index` (a Python int), with hyperparameters drawn from `key` if random."""
        agent = self.agents[index]
        if self.random_hyperparameters:
            agent = with_hyperparameters(agent, sample_from(self.search_spaces[index], key))
        return agent

    def _draw(self, index: int, key: PRNGKeyArray) -> tuple[AbstractAgent, PRNGKeyArray]:
        """Agent `index` and the key left for training: with random hyperparameters `key` is
        split into a draw key and a training key, otherwise it is used as is."""
        if not self.random_hyperparameters:
            return self.agents[index], key
        k_hyper, key = jax.random.split(key)
        return self.agent(index, k_hyper), key

    def drawn_hyperparameters(self, index: int, key: PRNGKeyArray,
                              num_seeds: int) -> list[dict[str, bool | int | float]]:
        """The searched hyperparameters of the `num_seeds` agents that `evaluate(index, env,
        real_env, key, num_seeds, ...)` trains, in its order: one `{field: value}` per agent,
        each value the search space's own entry (`1e-4`, not float32's `9.99e-05`), empty
        without random hyperparameters. Not traceable (reads values)."""
        space = self.search_spaces[index] if self.random_hyperparameters else ()
        fields = [(n, values) for names, values in space
                  for n in ((names,) if isinstance(names, str) else names)]
        agents = [self._draw(index, k)[0] for k in jax.random.split(key, num_seeds)]
        return [{n: _listed_value(getattr(agent, n), values) for n, values in fields}
                for agent in agents]

    def algorithm_index(self, generation: Int[Array, ""]) -> Int[Array, ""]:
        """The algorithm trained in `generation` under round-robin: `generation % len(agents)`."""
        return jnp.mod(generation, len(self.agents))

    def scheduled(self, generation: Int[Array, ""], branch: Any) -> tuple[Int[Array, ""], Any]:
        """The schedule's dispatch, in one place: `branch(index)` (an array or pytree per
        algorithm `index`, a Python int) for the algorithm of `generation`, or, under `"all"`,
        the mean over all algorithms.

        **Returns:** `(algorithm, value)`: int32 `algorithm` is the index trained (`0` with one
        agent, `-1` under `"all"`).
        """
        if len(self.agents) == 1:
            return jnp.asarray(0, jnp.int32), branch(0)
        if self.schedule == "all":
            values = [branch(i) for i in range(len(self.agents))]
            return (jnp.asarray(-1, jnp.int32),
                    jax.tree.map(lambda *xs: jnp.mean(jnp.stack(xs), axis=0), *values))
        index = self.algorithm_index(generation).astype(jnp.int32)
        return index, jax.lax.switch(index, [(lambda i=i: branch(i))
                                             for i in range(len(self.agents))])

    def _one(self, index: int, envs: Any, real_env: AbstractEnvironment, key: PRNGKeyArray,
             num_eval_episodes: int, num_rollouts: int, sharding: Any
             ) -> Float[Array, " population"]:
        # Only the searched leaves are stacked; a reward network's real environment and discount
        # are shared by the population. The stacked ones are split as `sharding` says.
        spec = envs.learnable()
        searched, shared = eqx.partition(envs, spec)
        envs = eqx.combine(shard_population(searched, sharding), shared)
        axes = jax.tree.map(lambda searched: 0 if searched else None, spec)
        if num_rollouts == 1:
            agent, key = self._draw(index, key)
            return eqx.filter_vmap(
                lambda env: self.objective(agent, env, real_env, key, num_eval_episodes),
                in_axes=(axes,),
            )(envs)

        def rollout(env, key):
            agent, key = self._draw(index, key)
            return self.objective(agent, env, real_env, key, num_eval_episodes)

        # (population, num_rollouts): every member meets the same draws and keys.
        keys = jax.random.split(key, num_rollouts)
        per_rollout = eqx.filter_vmap(
            lambda env: jax.vmap(lambda k: rollout(env, k))(keys), in_axes=(axes,)
        )(envs)
        return jnp.mean(per_rollout, axis=1)

    def algorithm_fitness(
        self,
        envs: Any,
        real_env: AbstractEnvironment,
        generation: Int[Array, ""],
        key: PRNGKeyArray,
        num_eval_episodes: int,
        num_rollouts: int = 1,
        *,
        sharding: Any = None,
    ) -> Float[Array, "algorithms population"]:
        """Each trained algorithm's scores of a stacked population of environments `envs`
        (leading axis `population`).

        Every member is scored with the same agent(s) and `key` (common random numbers).
        With `num_rollouts > 1` (static) each member trains `num_rollouts` agents per
        algorithm, each with its own hyperparameter draw and seed (shared by the population),
        and scores their mean: synthetic-gymnax's `meta_config.num_rollouts` (8 in its configs),
        which averages out the spread between draws that one agent per member leaves in the ranking.
        `num_rollouts = 1` is one agent per member, drawn from `key` as before.
        `sharding` (keyword-only): a `jax.sharding.Sharding` of the population axis, e.g.
        `synthax.parallel.population_sharding(population_size, devices)`, to split the members
        over devices; `None` (default) adds no sharding constraint.

        **Returns:** float32 `(algorithms, population)` objective values (by default mean real
        returns): one row per algorithm under `"all"` with several agents, else one row, of
        the round-robin algorithm of `generation`.

        **Raises:** `ValueError` if `num_rollouts < 1`.
        """
        if num_rollouts < 1:
            raise ValueError(f"num_rollouts must be >= 1, got {num_rollouts}")
        keys = jax.random.split(key, len(self.agents)) if len(self.agents) > 1 else key[None]

        def one(i):
            return self._one(i, envs, real_env, keys[i], num_eval_episodes, num_rollouts,
                             sharding)

        if self.schedule == "all" and len(self.agents) > 1:
            return jnp.stack([one(i) for i in range(len(self.agents))])
        _, scores = self.scheduled(generation, one)
        return scores[None]

    def population_fitness(
        self,
        envs: Any,
        real_env: AbstractEnvironment,
        generation: Int[Array, ""],
        key: PRNGKeyArray,
        num_eval_episodes: int,
        num_rollouts: int = 1,
        *,
        sharding: Any = None,
    ) -> Float[Array, " population"]:
        """Fitness of a stacked population of environments `envs`: the mean over algorithms of
        `algorithm_fitness` (same arguments), i.e. the round-robin algorithm's scores, or under
        `"all"` the algorithms' mean.

        **Returns:** float32 `(population,)` objective values (by default mean real returns).

        **Raises:** `ValueError` if `num_rollouts < 1`.
        """
        return jnp.mean(self.algorithm_fitness(
            envs, real_env, generation, key, num_eval_episodes, num_rollouts,
            sharding=sharding), axis=0)

    def search_fitness(
        self, scores: Float[Array, "algorithms population"]
    ) -> Float[Array, " population"]:
        """What the strategy ranks, from `algorithm_fitness`'s `scores`: their mean over
        algorithms (`combination="mean"`), or the mean of each algorithm's centered ranks in
        `[-0.5, 0.5]` (`"centered_ranks"`; Wierstra et al. 2014, JMLR 15, Sec. 3.1, applied per
        algorithm). float32 `(population,)`; larger is better."""
        if self.combination == "centered_ranks":
            scores = jax.vmap(lambda row: centered_ranks_with_ties(None, row))(scores)
        return jnp.mean(scores, axis=0)

    def evaluate(
        self,
        index: int,
        env: AbstractEnvironment,
        real_env: AbstractEnvironment,
        key: PRNGKeyArray,
        num_seeds: int,
        num_eval_episodes: int,
        *,
        sharding: Any = None,
    ) -> Float[Array, " num_seeds"]:
        """Mean real return of each of `num_seeds` agents of algorithm `index` trained on `env`:
        float32 `(num_seeds,)`.

        With random hyperparameters each agent has its own draw; otherwise the agents differ
        only in their seeds. `sharding` (keyword-only) splits the agents over devices as in
        `population_fitness`; `None` adds no constraint.
        """
        keys = shard_population(jax.random.split(key, num_seeds), sharding)

        def one(k):
            agent, k = self._draw(index, k)
            return FinalReturn()(agent, env, real_env, k, num_eval_episodes)

        return jax.vmap(one)(keys)
