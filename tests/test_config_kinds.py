"""One config and one command for every kind of synthetic environment: `synthax metalearn
--config` runs a synthetic MDP and a reward network to the end, with their objectives and
strategy options, at tiny sizes (the committed configs for the real runs are in
experiments/configs/learning_environments/)."""

import json
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from synthax.checkpoints import load_environment, save_environment
from synthax.cli import app
from synthax.envs import RewardNetwork, SyntheticMDP
from synthax.meta import (
    AreaUnderCurve,
    ConfigError,
    FinalReturn,
    MetaLearnConfig,
    OptimalPolicyReturn,
    StepsToSolve,
    TrueCriticReturn,
)
from synthax.meta.run import build_learner

from .conftest import TINY_DQN

TINY = dict(env_id="CartPole-v1", agents=["dqn"], agent_kwargs={"dqn": dict(TINY_DQN)},
            population_size=4, generations=1, hidden_size=8, num_eval_episodes=2,
            num_mean_eval_seeds=1, final_eval_seeds=1, checkpoint_every=1)
KINDS = {
    "mdp": (dict(environment="mdp", environment_kwargs={"max_steps_in_episode": 20},
                 objective="area_under_curve", objective_kwargs={"num_points": 2}),
            SyntheticMDP, AreaUnderCurve),
    "reward_network": (dict(environment="reward_network",
                            environment_kwargs={"variant": "potential_additive"},
                            objective="steps_to_solve",
                            objective_kwargs={"threshold": 100.0, "num_points": 2},
                            strategy="Open_ES", sigma_init=0.1,
                            strategy_kwargs={"optimizer": {"name": "sgd", "learning_rate": 0.1},
                                             "fitness_shaping": "centered_ranks_with_ties"}),
                       RewardNetwork, StepsToSolve),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_metalearn_config_runs_every_kind_to_the_end(tmp_path, kind):
    fields, env_class, objective_class = KINDS[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}))
    learner = build_learner(MetaLearnConfig.from_file(path))
    assert type(learner.template) is env_class
    assert type(learner.inner_loop.objective) is objective_class
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["metalearn", "--config", str(path), "--out", str(out),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generations"] == 1 and set(summary["eval"]) == {"dqn"}
    assert type(load_environment(out / "env.eqx", "CartPole-v1")) is env_class
    saved = json.loads((out / "config.json").read_text())
    assert saved["environment"] == kind and saved["objective"] == fields["objective"]


def test_committed_learning_environments_configs_build():
    folder = Path(__file__).parent.parent / "experiments" / "configs" / "learning_environments"
    kinds = set()
    for path in sorted(folder.glob("*.yaml")):
        config = MetaLearnConfig.from_file(path)
        build_learner(config)
        kinds.add(config.environment)
    assert kinds == {"mdp", "reward_network"}


def test_kind_errors_name_the_field():
    with pytest.raises(ConfigError, match="environment: unknown kind"):
        MetaLearnConfig(environment="world_model")
    with pytest.raises(ConfigError, match="variant"):
        MetaLearnConfig(environment="reward_network")
    with pytest.raises(ConfigError, match="objective: unknown"):
        MetaLearnConfig(objective="fastest")
    with pytest.raises(ConfigError, match="objective_kwargs"):
        MetaLearnConfig(objective="steps_to_solve")  # needs a threshold
    with pytest.raises(ConfigError, match="fitness_shaping"):
        MetaLearnConfig(strategy_kwargs={"fitness_shaping": "softmax"})


def test_init_environment_is_the_initial_search_mean(tmp_path):
    config = MetaLearnConfig(**TINY, objective="optimal_policy_return")
    learner = build_learner(config)
    assert type(learner.inner_loop.objective) is OptimalPolicyReturn
    # An environment unlike the default initialisation, saved as a run would save it.
    env = jax.tree.map(lambda x: x + 0.5 if eqx.is_inexact_array(x) else x, learner.template)
    path = tmp_path / "env.eqx"
    save_environment(path, env, "CartPole-v1")
    warm = build_learner(config.replace(init_environment=str(path)))
    mean = warm.mean_environment(warm.init(jax.random.PRNGKey(0)))
    for got, want in zip(jax.tree.leaves(eqx.filter(mean, eqx.is_array)),
                         jax.tree.leaves(eqx.filter(env, eqx.is_array)), strict=True):
        assert np.array_equal(np.asarray(got), np.asarray(want))
    with pytest.raises(ConfigError, match="init_environment: .* differs from the "
                                          "SyntheticContextualBandit"):
        build_learner(config.replace(init_environment=str(path), hidden_size=4))
    with pytest.raises(ConfigError, match="init_environment"):
        build_learner(config.replace(init_environment=str(tmp_path / "missing.eqx")))
    with pytest.raises(ConfigError, match="init_environment"):  # another real environment
        build_learner(config.replace(init_environment=str(path), env_id="Acrobot-v1"))
    with pytest.raises(ConfigError, match="'optimal_policy_return' scores a bandit"):
        MetaLearnConfig(**{**TINY, **KINDS["mdp"][0], "objective": "optimal_policy_return"})
    with pytest.raises(ConfigError, match="'true_critic_return' scores a bandit"):
        MetaLearnConfig(**{**TINY, **KINDS["mdp"][0], "objective": "true_critic_return"})
    with pytest.raises(ConfigError, match="'true_critic_return' needs Box actions; "
                                          "CartPole-v1's are discrete"):
        build_learner(MetaLearnConfig(**{**TINY, "objective": "true_critic_return"}))
    with pytest.raises(ConfigError, match="objective_kwargs: steps must be an integer >= 1"):
        MetaLearnConfig(**{**TINY, "objective": "true_critic_return",
                           "objective_kwargs": {"steps": 0}})


def test_committed_pendulum_policy_configs_build(monkeypatch):
    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)  # init_environment paths are relative to the repository
    folder = root / "experiments" / "configs" / "pendulum_policy"
    configs = {p.stem: MetaLearnConfig.from_file(p) for p in sorted(folder.glob("*.yaml"))}
    assert set(configs) == {"stage1", "continue", "stage2", "argmax", "true_critic",
                            "true_critic_from_argmax", "true_critic_actors",
                            "true_critic_actors_900", "true_critic_unscaled", "ppo_finish",
                            "ppo_true_critic", "ppo_td3_finish"}
    for name, objective in (("stage1", OptimalPolicyReturn), ("argmax", OptimalPolicyReturn),
                            ("true_critic", TrueCriticReturn),
                            ("true_critic_from_argmax", TrueCriticReturn),
                            ("true_critic_actors", TrueCriticReturn),
                            ("true_critic_actors_900", TrueCriticReturn),
                            ("true_critic_unscaled", TrueCriticReturn)):
        assert type(build_learner(configs[name]).inner_loop.objective) is objective
    # The finishing stages: PPO agents, then PPO agents and the true critic.
    assert type(build_learner(configs["ppo_finish"]).inner_loop.objective) is FinalReturn
    both = build_learner(configs["ppo_true_critic"]).inner_loop.objective
    assert [type(o) for o in both.objectives] == [FinalReturn, TrueCriticReturn]
    ppo_td3 = build_learner(configs["ppo_td3_finish"]).inner_loop
    assert (ppo_td3.names, ppo_td3.combination) == (("ppo", "td3"), "centered_ranks")
    shipped = load_environment(root / "experiments/runs/Pendulum-v1-policy/env.eqx",
                               "Pendulum-v1")
    for name in ("continue", "stage2"):
        assert configs[name].init_environment == "experiments/runs/Pendulum-v1-policy/env.eqx"
        warm = build_learner(configs[name])
        assert jax.tree.structure(warm.template) == jax.tree.structure(shipped)


@pytest.mark.parametrize("folder, name, objective", [
    ("mountaincar_continuous_policy", "true_critic", TrueCriticReturn),
    ("mountaincar_continuous_policy", "ddpg_td3_finish", FinalReturn),
    ("mountaincar_policy", "argmax", OptimalPolicyReturn),
    ("mountaincar_policy", "dqn_finish", FinalReturn),
    ("mountaincar_policy", "ppo_dqn_finish", FinalReturn),
    ("mountaincar_policy", "ppo_dqn_ranks", FinalReturn),
])
def test_committed_mountaincar_policy_configs_build(monkeypatch, folder, name, objective):
    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)  # init_environment paths are relative to the repository
    folder = root / "experiments" / "configs" / folder
    assert {p.stem for p in folder.glob("*.yaml")} == {
        "mountaincar_continuous_policy": {"true_critic", "ddpg_td3_finish"},
        "mountaincar_policy": {"argmax", "dqn_finish", "ppo_dqn_finish", "ppo_dqn_ranks"},
    }[folder.name]
    built = build_learner(MetaLearnConfig.from_file(folder / f"{name}.yaml")).inner_loop
    assert type(built.objective) is objective
    if objective is TrueCriticReturn:
        assert (built.objective.activation, built.objective.num_actors) == ("tanh", 4)
    if name.endswith("_finish"):  # the agents' fitness, warm-started from a shipped stage
        assert built.names == {"ppo_dqn_finish": ("ppo", "dqn"), "dqn_finish": ("dqn",),
                               "ddpg_td3_finish": ("ddpg", "td3")}[name]
    if name == "ppo_dqn_ranks":  # a probe from the shipped stage, each algorithm ranked alike
        assert built.names == ("ppo", "dqn")
        assert built.combination == "centered_ranks"
