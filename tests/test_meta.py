import json

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

from synthax.agents import PPO
from synthax.checkpoints import read_header
from synthax.envs import make
from synthax.meta import MetaLearnConfig, MetaLearner, distribution_strategies
from synthax.meta.run import ResumeError, run_metalearning

from .conftest import TINY_PPO


def tiny_config(**changes):
    base = MetaLearnConfig(
        agent_kwargs={"ppo": dict(TINY_PPO)}, population_size=4, generations=4, hidden_size=8,
        num_eval_episodes=2, num_mean_eval_seeds=2, checkpoint_every=2, final_eval_seeds=2,
    )
    return base.replace(**changes)


def test_step_improves_nothing_but_runs_and_keeps_types():
    learner = MetaLearner.for_bandit(
        make("CartPole-v1"), PPO(**TINY_PPO), hidden_size=8,
        population_size=4, num_eval_episodes=2, num_mean_eval_seeds=2, key=jax.random.PRNGKey(0),
    )
    state = learner.init(jax.random.PRNGKey(1))
    step = eqx.filter_jit(eqx.debug.assert_max_traces(learner.step, max_traces=1))
    for _ in range(2):
        state, metrics = step(state)
    assert int(state.generation) == 2
    assert set(metrics) == {"fitness_mean", "fitness_max", "fitness_min", "mean_return",
                            "algorithm", "eval_horizon"}
    assert all(bool(jnp.isfinite(v)) for v in metrics.values())
    assert float(metrics["fitness_max"]) >= float(metrics["fitness_min"])
    mean_env = learner.mean_environment(state)
    assert mean_env.init_net.layers[0].weight.shape == (8, 4)


@pytest.mark.parametrize("strategy", ["Open_ES", "CMA_ES"])
def test_other_strategies_by_name(strategy):
    learner = MetaLearner.for_bandit(
        make("CartPole-v1"), PPO(**TINY_PPO), hidden_size=8,
        strategy=strategy, population_size=4, num_eval_episodes=2, num_mean_eval_seeds=1,
        key=jax.random.PRNGKey(0),
    )
    state, metrics = eqx.filter_jit(learner.step)(learner.init(jax.random.PRNGKey(1)))
    assert bool(jnp.isfinite(metrics["fitness_mean"]))


def test_unknown_strategy_lists_allowed():
    assert "SNES" in distribution_strategies()
    with pytest.raises(ValueError, match="SNES"):
        MetaLearner.for_bandit(make("CartPole-v1"), PPO(**TINY_PPO), strategy="NoSuchES",
                               key=jax.random.PRNGKey(0))


def test_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ValueError, match="allowed"):
        MetaLearnConfig.from_dict({"populaton_size": 3})
    with pytest.raises(ValueError, match="population_size"):
        MetaLearnConfig(population_size=0)


def test_config_input_scaling_reaches_the_template():
    from synthax.meta.run import build_learner

    old = tiny_config().to_dict()
    del old["scale_reward_input"], old["scale_initial_state"]  # written before the fields
    assert MetaLearnConfig.from_dict(old).scale_reward_input is False
    assert MetaLearnConfig.from_dict(old).scale_initial_state is False
    learner = build_learner(tiny_config(env_id="MountainCar-v0", scale_reward_input=True,
                                        scale_initial_state=True))
    assert learner.template.scale_reward_input is True
    assert learner.template.scale_initial_state is True
    default = build_learner(tiny_config()).template
    assert default.scale_reward_input is False and default.scale_initial_state is False


def test_run_writes_outputs_and_refuses_mismatched_resume(tmp_path):
    config = tiny_config()
    summary = run_metalearning(config, tmp_path)
    assert summary["generations"] == 4
    for key in ("env_id", "generations", "population_size", "wall_seconds", "compile_seconds"):
        assert key in summary
    ppo = summary["eval"]["ppo"]
    assert set(ppo) == {"synthetic_64", "real_64"}
    assert ppo["synthetic_64"]["n"] == 2
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in log] == [1, 2, 3, 4]
    assert {r["backend"] for r in log} == {jax.default_backend()}
    assert {r["devices"] for r in log} == {f"{len(jax.devices())} x {jax.devices()[0].device_kind}"}
    assert read_header(tmp_path / "env.eqx")["env_id"] == "CartPole-v1"
    with pytest.raises(ResumeError, match="already holds a run"):
        run_metalearning(config, tmp_path)
    with pytest.raises(ResumeError, match="differs"):
        run_metalearning(config.replace(seed=1), tmp_path, resume=True)
    with pytest.raises(ResumeError, match="already at generation 4"):
        run_metalearning(config.replace(generations=3), tmp_path, resume=True)
    extended = run_metalearning(config.replace(generations=6), tmp_path, resume=True)
    assert extended["generations"] == 6
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in log] == [1, 2, 3, 4, 5, 6]
    assert json.loads((tmp_path / "config.json").read_text())["generations"] == 6
    with pytest.raises(ResumeError, match="does not exist"):
        run_metalearning(config, tmp_path / "empty", resume=True)
