"""Every agent trains with an optimiser its `optimizer` field offers besides the default Adam
(which every other agent test trains with), and an unknown name is refused with the allowed
ones; meta-learning trains each algorithm with each optimiser a config's `optimizers` lists."""

import json
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from synthax.agents import make_agent
from synthax.agents.optimizers import OPTIMIZERS
from synthax.cli import app
from synthax.envs import make
from synthax.meta import ConfigError, MetaLearnConfig
from synthax.meta.run import build_learner

from .conftest import TINY_AGENTS, TINY_DQN

DEEP_AGENTS = {"ppo": "CartPole-v1", "dqn": "CartPole-v1", "sac": "CartPole-v1",
               "ddpg": "Pendulum-v1", "td3": "Pendulum-v1"}


def _params(module):
    return [np.asarray(x) for x in jax.tree.leaves(eqx.filter(module, eqx.is_inexact_array))]


# Each agent with one of the two optimisers besides Adam, both optimisers on both action kinds:
# every agent builds its optimiser through `base_optimizer`, and each training compiles anew
# (about 8 s here), so the 10 pairs would cost twice the time for no other code path.
PAIRS = [("ddpg", "rmsprop"), ("dqn", "sgd"), ("ppo", "rmsprop"), ("sac", "sgd"),
         ("td3", "sgd")]


@pytest.mark.parametrize(("name", "optimizer"), PAIRS)
def test_each_optimizer_trains(name, optimizer):
    env = make(DEEP_AGENTS[name])
    agent = make_agent(name, **TINY_AGENTS[name], optimizer=optimizer)
    key = jax.random.PRNGKey(0)
    before = _params(agent.policy(agent.init(env, key)))
    policy, metrics = agent.train(env, key)
    after = _params(policy)
    assert jax.tree.leaves(metrics)
    assert all(np.all(np.isfinite(x)) for x in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after)), "nothing was learned"


@pytest.mark.parametrize("name", sorted(DEEP_AGENTS))
def test_adam_is_the_default_and_bad_names_are_refused(name):
    assert {o for _, o in PAIRS} == set(OPTIMIZERS) - {"adam"}  # every other one trains
    assert make_agent(name, **TINY_AGENTS[name]).optimizer == "adam"
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; allowed: \['adam', "
                                         r"'rmsprop', 'sgd'\]"):
        make_agent(name, **TINY_AGENTS[name], optimizer="adamw")


# Meta-learning over several optimisers (MetaLearnConfig.optimizers): a wider meta-training
# distribution. Tiny DQN agents, two generations: one per variant, round robin.
TINY_RUN = dict(env_id="CartPole-v1", agents=["dqn"], agent_kwargs={"dqn": dict(TINY_DQN)},
                random_hyperparameters=True, population_size=4, generations=2, hidden_size=8,
                num_eval_episodes=2, num_mean_eval_seeds=1, final_eval_seeds=1,
                checkpoint_every=1)


def test_metalearn_trains_each_algorithm_with_each_optimizer(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({**TINY_RUN, "optimizers": ["adam", "sgd"]}))
    learner = build_learner(MetaLearnConfig.from_file(path))
    assert [a.optimizer for a in learner.inner_loop.agents] == ["adam", "sgd"]
    assert learner.inner_loop.labels == ("dqn", "dqn-sgd")
    assert learner.inner_loop.names == ("dqn", "dqn")  # search spaces are looked up by name
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["metalearn", "--config", str(path), "--out", str(out),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [line["algorithm"] for line in log] == ["dqn", "dqn-sgd"]
    assert set(json.loads((out / "summary.json").read_text())["eval"]) == {"dqn", "dqn-sgd"}
    assert json.loads((out / "config.json").read_text())["optimizers"] == ["adam", "sgd"]


def test_optimizers_field_names_bad_values():
    with pytest.raises(ConfigError, match=r"optimizers: unknown optimizer 'adamw'; allowed: "
                                          r"\['adam', 'rmsprop', 'sgd'\]"):
        MetaLearnConfig(optimizers=["adam", "adamw"])
    with pytest.raises(ConfigError, match="optimizers must be a non-empty list of distinct"):
        MetaLearnConfig(optimizers=["sgd", "sgd"])
    with pytest.raises(ConfigError, match="optimizers must be a non-empty list of distinct"):
        MetaLearnConfig(optimizers=[])
    with pytest.raises(ConfigError, match=r"agent_kwargs sets optimizer for \['ppo'\]"):
        MetaLearnConfig(agent_kwargs={"ppo": {"optimizer": "sgd"}}, optimizers=["adam", "sgd"])
    # One optimiser set per agent without the field is the plain case.
    config = MetaLearnConfig(agents=["ppo"], agent_kwargs={"ppo": {"optimizer": "sgd"}})
    assert build_learner(config).inner_loop.labels == ("ppo-sgd",)


def test_committed_wider_distribution_configs_build(monkeypatch):
    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)  # init_environment paths are relative to the repository
    for path in sorted((root / "experiments" / "configs" / "robust").glob("*.yaml")):
        config = MetaLearnConfig.from_file(path)
        assert len(config.optimizers) > 1 and config.init_environment is not None
        learner = build_learner(config)
        assert len(learner.inner_loop.labels) == len(config.agents) * len(config.optimizers)
