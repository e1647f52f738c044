"""IQM intervals, environment comparisons (`synthax evaluate`) and the meta-training plot."""

import csv
import json

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from synthax.cli import app
from synthax.envs import SyntheticContextualBandit, make
from synthax.evaluation import iqm, iqm_interval
from synthax.meta import compare_environments, write_results
from synthax.plotting import plot_meta_training

from .conftest import TINY_DQN, TINY_PPO


def test_iqm_is_the_trimmed_mean_with_a_deterministic_interval():
    scores = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1000.0])
    assert iqm(scores) == pytest.approx(3.5)  # mean of the middle half: 2, 3, 4, 5
    point, low, high = iqm_interval(scores, reps=500, seed=1)
    assert point == pytest.approx(3.5) and low <= point <= high
    assert iqm_interval(scores, reps=500, seed=1) == (point, low, high)
    assert iqm_interval(np.full(20, 500.0), reps=100) == (500.0, 500.0, 500.0)
    with pytest.raises(ValueError, match="empty"):
        iqm(np.array([]))
    with pytest.raises(ValueError, match="finite"):
        iqm(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="confidence"):
        iqm_interval(scores, confidence=1.5)


@pytest.mark.slow
def test_compare_environments_pairs_arms_and_writes_tables(tmp_path):
    real = make("CartPole-v1")
    bandit = SyntheticContextualBandit.for_environment(real, hidden_size=8,
                                                       key=jax.random.PRNGKey(0))
    kwargs = {"ppo": dict(TINY_PPO), "dqn": dict(TINY_DQN)}
    rows, returns = compare_environments(
        "CartPole-v1", real, {"bandit": bandit, "real": real}, algorithms=("ppo", "dqn"),
        agent_kwargs=kwargs, num_runs=3, num_eval_episodes=2, seed=0,
    )
    assert [(r["algorithm"], r["arm"]) for r in rows] == [
        ("ppo", "bandit"), ("ppo", "real"), ("dqn", "bandit"), ("dqn", "real")]
    assert all(r["runs"] == 3 and r["steps"] == 64 and r["ci_low"] <= r["iqm"] <= r["ci_high"]
               for r in rows)
    assert len(returns["ppo"]["bandit"]) == 3
    again, _ = compare_environments(
        "CartPole-v1", real, {"bandit": bandit}, algorithms=("ppo",), agent_kwargs=kwargs,
        num_runs=3, num_eval_episodes=2, seed=0,
    )
    assert again[0]["iqm"] == rows[0]["iqm"]  # same draws and seeds: same result
    paths = write_results(tmp_path, rows, returns, {"note": "test"})
    with open(paths["csv"]) as f:
        assert len(list(csv.DictReader(f))) == 4
    assert json.loads(paths["json"].read_text())["metadata"] == {"note": "test"}
    table = paths["md"].read_text()
    assert "| env | algorithm | bandit | real |" in table and "| CartPole-v1 | dqn |" in table
    with pytest.raises(ValueError, match="num_runs"):
        compare_environments("CartPole-v1", real, {"real": real}, num_runs=0)


def test_cli_evaluate_shipped_env(tmp_path):
    config = tmp_path / "sizes.yaml"
    config.write_text("agents: [ppo]\nagent_kwargs:\n  ppo: " + json.dumps(TINY_PPO) + "\n")
    result = CliRunner().invoke(app, [
        "evaluate", "--env", "Synthetic-CartPole-v1", "--algorithms", "ppo", "--runs", "2",
        "--episodes", "2", "--config", str(config), "--out", str(tmp_path / "out"),
    ])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "out" / "results.json").read_text())["rows"]
    assert {r["arm"] for r in rows} == {"synthax", "real"}
    bad = CliRunner().invoke(app, ["evaluate", "--env", "CartPole-v1"])
    assert bad.exit_code != 0 and "real environment" in bad.output


def test_plot_meta_training(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({
        "generation": g, "algorithm": ["ppo", "sac"][g % 2], "fitness_mean": g,
        "mean_return": 2 * g}) + "\n" for g in range(1, 7)))
    path = plot_meta_training(log, tmp_path / "curve.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = CliRunner().invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 0 and (tmp_path / "meta_training.png").exists()
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "log.jsonl").write_text("")
    assert CliRunner().invoke(app, ["plot", str(tmp_path / "empty")]).exit_code != 0


def test_hyperparameter_draws_are_those_compare_environments_trains():
    from synthax.agents import make_agent
    from synthax.agents.hyperparameters import SEARCH_SPACES, sample_from
    from synthax.meta import InnerLoop, hyperparameter_draws

    draws = hyperparameter_draws(("ppo", "dqn"), {"ppo": dict(TINY_PPO)}, num_runs=4, seed=3)
    assert list(draws) == ["ppo", "dqn"] and all(len(d) == 4 for d in draws.values())
    # compare_environments' keys: algorithm `index` folds into the seed, one split per run,
    # and each run's first split key draws its hyperparameters (InnerLoop.evaluate).
    for index, name in enumerate(("ppo", "dqn")):
        keys = jax.random.split(jax.random.fold_in(jax.random.PRNGKey(3), index), 4)
        for run, key in zip(draws[name], keys):
            expected = sample_from(SEARCH_SPACES[name], jax.random.split(key)[0])
            assert run.keys() == expected.keys()
            assert all(np.float32(run[k]) == np.float32(expected[k]) for k in run)
    # Values read as the search space writes them (1e-4, not float32's 9.99e-05).
    assert all(d["learning_rate"] in SEARCH_SPACES["dqn"]["learning_rate"]
               and isinstance(d["double_q"], bool) for d in draws["dqn"])
    assert len({tuple(d.values()) for d in draws["ppo"]}) > 1  # each run its own draw
    assert hyperparameter_draws(("ppo",), None, 4, 3)["ppo"] == draws["ppo"]  # sizes don't matter
    fixed = InnerLoop(make_agent("ppo", **TINY_PPO))  # no random hyperparameters: nothing drawn
    assert fixed.drawn_hyperparameters(0, jax.random.PRNGKey(0), 2) == [{}, {}]
    with pytest.raises(ValueError, match="num_runs must be >= 1, got 0"):
        hyperparameter_draws(("ppo",), num_runs=0)
