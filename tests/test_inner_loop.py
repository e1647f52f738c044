"""The multi-algorithm inner loop, random hyperparameters and the evaluation-horizon curriculum."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synthax.agents import DQN, PPO, SAC
from synthax.envs import SyntheticContextualBandit, TimeLimit, make, with_max_steps
from synthax.evaluation import evaluate
from synthax.meta import HorizonSchedule, InnerLoop, MetaLearnConfig, with_hyperparameters
from synthax.meta.run import build_learner

from .conftest import TINY_AGENTS, TINY_DQN, TINY_PPO
from .probes import Probe


def multi_config(**changes):
    names = ["ppo", "sac", "dqn"]
    base = MetaLearnConfig(
        agents=names, agent_kwargs={n: dict(TINY_AGENTS[n]) for n in names},
        random_hyperparameters=True, population_size=4, hidden_size=8, num_eval_episodes=2,
        num_mean_eval_seeds=2,
    )
    return base.replace(**changes)


def test_round_robin_cycles_algorithms_in_one_compiled_step():
    # Two algorithms: each one compiled into the step's switch costs tens of seconds here, and
    # SAC's inner loop has its own test (test_sac_inner_loop_trains_on_a_bandit).
    learner = build_learner(multi_config(
        agents=["ppo", "dqn"], agent_kwargs={"ppo": dict(TINY_PPO), "dqn": dict(TINY_DQN)}))
    state = learner.init(jax.random.PRNGKey(0))
    step = eqx.filter_jit(eqx.debug.assert_max_traces(learner.step, max_traces=1))
    seen = []
    for _ in range(3):
        state, metrics = step(state)
        seen.append(int(metrics["algorithm"]))
        assert all(bool(jnp.isfinite(v)) for v in metrics.values())
    assert seen == [0, 1, 0]


@pytest.mark.slow
def test_all_schedule_with_several_rollouts_per_member():
    # One compiled generation for both paths (each whole-generation compile costs ~40 s here):
    # every algorithm each generation, and two hyperparameter draws per member.
    learner = build_learner(multi_config(
        agents=["ppo", "dqn"], schedule="all", num_rollouts=2,
        fitness_combination="centered_ranks",
        agent_kwargs={"ppo": dict(TINY_PPO), "dqn": dict(TINY_DQN)}))
    assert learner.num_rollouts == 2
    assert learner.inner_loop.combination == "centered_ranks"
    state, metrics = eqx.filter_jit(learner.step)(learner.init(jax.random.PRNGKey(0)))
    assert int(metrics["algorithm"]) == -1
    assert all(bool(jnp.isfinite(v)) for v in metrics.values())


def test_centered_ranks_count_every_algorithm_alike():
    # PPO's returns spread by hundreds between members, DQN's by units: the mean ranks by PPO
    # alone, the per-algorithm ranks see both.
    scores = jnp.asarray([[-900.0, -300.0, -600.0],     # ppo: member 1 best
                          [-10.0, -14.0, -11.0]])       # dqn: member 0 best, member 1 worst
    mean = InnerLoop([PPO(**TINY_PPO), DQN(**TINY_DQN)], schedule="all")
    assert int(jnp.argmax(mean.search_fitness(scores))) == 1
    ranked = InnerLoop([PPO(**TINY_PPO), DQN(**TINY_DQN)], schedule="all",
                       combination="centered_ranks")
    np.testing.assert_allclose(ranked.search_fitness(scores), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(ranked.search_fitness(scores[:, [0, 2, 1]]), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(ranked.search_fitness(jnp.asarray([[1.0, 2.0, 3.0],
                                                                  [1.0, 3.0, 2.0]])),
                               [-0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match="allowed: \\['mean', 'centered_ranks'\\]"):
        InnerLoop(PPO(**TINY_PPO), combination="median")
    with pytest.raises(ValueError, match="fitness_combination"):
        MetaLearnConfig(fitness_combination="median")


def test_random_hyperparameters_are_drawn_from_the_search_space():
    loop = InnerLoop([PPO(**TINY_PPO), DQN(**TINY_DQN)], random_hyperparameters=True)
    draws = [loop.agent(0, jax.random.PRNGKey(i)).learning_rate for i in range(40)]
    values = {round(float(x), 6) for x in draws}
    assert values <= {1e-2, 5e-3, 1e-3, 5e-4, 1e-4} and len(values) >= 3
    assert loop.agent(1, jax.random.PRNGKey(0)).double_q.dtype == jnp.bool_
    fixed = InnerLoop(PPO(**TINY_PPO))
    assert float(fixed.agent(0, jax.random.PRNGKey(3)).learning_rate) == float(
        PPO(**TINY_PPO).learning_rate)


def test_with_hyperparameters_rejects_static_fields_and_bad_schedules():
    with pytest.raises(ValueError, match="not an array hyperparameter"):
        with_hyperparameters(PPO(**TINY_PPO), {"num_envs": 3})
    with pytest.raises(ValueError, match="round_robin"):
        InnerLoop(PPO(**TINY_PPO), schedule="sometimes")
    with pytest.raises(ValueError, match="allowed"):
        MetaLearnConfig(agents=["ppo", "a2c"])
    with pytest.raises(ValueError, match="repeat"):
        MetaLearnConfig(agents=["ppo", "ppo"])
    with pytest.raises(ValueError, match="not in agents"):
        MetaLearnConfig(agents=["ppo"], agent_kwargs={"dqn": {}})


def test_horizon_schedule_is_the_peer_linear_curriculum():
    schedule = HorizonSchedule(1000, 200, transition_begin=200, transition_steps=600)
    horizons = [int(schedule(jnp.asarray(g))) for g in (0, 200, 500, 800, 999)]
    assert horizons == [1000, 1000, 600, 200, 200]
    with pytest.raises(ValueError, match=">= 1 step"):
        HorizonSchedule(0, 200)
    with pytest.raises(ValueError, match="init_value"):
        MetaLearnConfig(eval_horizon={"end_value": 3})


def test_time_limit_truncates_at_a_traced_horizon():
    real = make("MountainCar-v0")  # an agent that never reaches the goal: episodes hit the limit
    longer = with_max_steps(real, 1000)
    assert longer.max_steps_in_episode == 1000

    @jax.jit
    def lengths(horizon):
        env = TimeLimit(longer, horizon)
        return evaluate(lambda obs, key: jnp.asarray(1, jnp.int32), env, jax.random.PRNGKey(0),
                        num_episodes=3).lengths

    assert np.asarray(lengths(jnp.asarray(700))).tolist() == [700, 700, 700]
    assert np.asarray(lengths(jnp.asarray(50))).tolist() == [50, 50, 50]
    with pytest.raises(ValueError, match="only gymnax environments"):
        with_max_steps(Probe("constant"), 10_000)


def test_curriculum_sets_the_fitness_horizon():
    config = MetaLearnConfig(
        env_id="MountainCar-v0", agent_kwargs={"ppo": dict(TINY_PPO)}, population_size=4,
        hidden_size=8, num_eval_episodes=2, num_mean_eval_seeds=1,
        eval_horizon={"init_value": 300, "end_value": 100, "transition_begin": 0,
                      "transition_steps": 1},
    )
    learner = build_learner(config)
    state = learner.init(jax.random.PRNGKey(0))
    step = eqx.filter_jit(learner.step)
    state, first = step(state)
    state, second = step(state)
    assert (int(first["eval_horizon"]), int(second["eval_horizon"])) == (300, 100)
    # MountainCar's untrained agents fail: their fitness is minus the horizon.
    assert float(first["fitness_min"]) >= -300.0 and float(second["fitness_min"]) >= -100.0


def test_yaml_config_round_trip_and_legacy_json(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("env_id: Acrobot-v1\nagents: [ppo, dqn]\nrandom_hyperparameters: true\n"
                    "eval_horizon: {init_value: 500, end_value: 200}\n")
    config = MetaLearnConfig.from_file(path)
    assert config.agents == ["ppo", "dqn"] and config.eval_horizon["end_value"] == 200
    legacy = tmp_path / "old.json"
    legacy.write_text(json.dumps({"agent": "ppo", "agent_kwargs": {"num_envs": 4}}))
    assert MetaLearnConfig.from_file(legacy).agent_kwargs == {"ppo": {"num_envs": 4}}
    with pytest.raises(ValueError, match=".yaml, .yml or .json"):
        MetaLearnConfig.from_file(tmp_path / "c.toml")


GYMNAX_CONFIGS = ("acrobot", "cartpole", "mountaincar", "mountaincar_continuous", "pendulum")
BRAX_CONFIGS = ("halfcheetah", "hopper", "hopper_cpu", "humanoidstandup", "swimmer", "swimmer_cpu",
                "walker2d")


def _check_configs_build(names):
    from pathlib import Path

    folder = Path(__file__).parent.parent / "experiments" / "configs"
    assert {p.stem for p in folder.glob("*.yaml")} == {*GYMNAX_CONFIGS, *BRAX_CONFIGS}
    for name in names:
        config = MetaLearnConfig.from_file(folder / f"{name}.yaml")
        # synthetic-gymnax's scale trains several algorithms; the CPU-scale Brax runs train PPO.
        assert config.random_hyperparameters
        assert len(config.agents) >= 3 or (name.endswith("_cpu") and config.agents == ["ppo"])
        learner = build_learner(config)
        assert learner.inner_loop.names == tuple(config.agents)


def test_shipped_configs_build():
    _check_configs_build(GYMNAX_CONFIGS)


@pytest.mark.brax
def test_shipped_brax_configs_build():
    pytest.importorskip("brax.envs")
    _check_configs_build(BRAX_CONFIGS)


def test_sac_inner_loop_trains_on_a_bandit():
    env = SyntheticContextualBandit.for_environment(make("CartPole-v1"),
                                                    hidden_size=8, key=jax.random.PRNGKey(0))
    loop = InnerLoop([SAC(**TINY_AGENTS["sac"])], random_hyperparameters=True)
    returns = eqx.filter_jit(loop.evaluate)(0, env, make("CartPole-v1"),
                                               jax.random.PRNGKey(0), 3, 2)
    assert returns.shape == (3,) and bool(jnp.all(jnp.isfinite(returns)))


def test_num_rollouts_scores_each_member_by_the_mean_of_its_draws():
    real = make("CartPole-v1")
    keys = jax.random.split(jax.random.PRNGKey(1), 2)
    envs = eqx.filter_vmap(
        lambda k: SyntheticContextualBandit.for_environment(real, hidden_size=8, key=k))(keys)
    loop = InnerLoop(PPO(**TINY_PPO), random_hyperparameters=True)
    generation, key = jnp.asarray(0), jax.random.PRNGKey(2)
    fit = eqx.filter_jit(loop.population_fitness)
    averaged = fit(envs, real, generation, key, 2, 3)
    one_each = [fit(envs, real, generation, k, 2) for k in jax.random.split(key, 3)]
    assert averaged.shape == (2,)
    np.testing.assert_allclose(averaged, np.mean(one_each, axis=0), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="num_rollouts must be >= 1"):
        loop.population_fitness(envs, real, generation, key, 2, 0)
    with pytest.raises(ValueError, match="num_rollouts must be >= 1"):
        MetaLearnConfig(num_rollouts=0)
