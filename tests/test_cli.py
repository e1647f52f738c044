import json

from typer.testing import CliRunner

from synthax.cli import app

runner = CliRunner()


def test_envs_lists_synthetic_and_real():
    result = runner.invoke(app, ["envs"])
    assert result.exit_code == 0
    assert "Synthetic-CartPole-v1\tsynthetic" in result.output
    assert "CartPole-v1\treal" in result.output


def test_train_writes_train_json(tmp_path):
    result = runner.invoke(app, ["train", "--env", "Synthetic-CartPole-v1", "--steps", "500",
                                 "--seeds", "2", "--eval-episodes", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "train.json").read_text())
    assert set(data) >= {"env_id", "agent", "steps", "seeds", "wall_seconds", "compile_seconds",
                         "eval"}
    assert data["env_id"] == "Synthetic-CartPole-v1" and data["seeds"] == 2
    assert data["eval"]["n"] == 2 and data["eval"]["eval_env_id"] == "CartPole-v1"
    assert 0 < data["eval"]["mean"] <= 500


def test_train_unknown_env_is_a_clear_error():
    result = runner.invoke(app, ["train", "--env", "Nope-v0"])
    assert result.exit_code != 0
    assert "unknown environment id" in result.output


def test_metalearn_rejects_unknown_preset():
    result = runner.invoke(app, ["metalearn", "--preset", "huge"])
    assert result.exit_code != 0
    assert "allowed" in result.output


def test_train_other_agent_and_tuned_errors(tmp_path):
    result = runner.invoke(app, ["train", "--env", "Synthetic-CartPole-v1", "--agent", "dqn",
                                 "--steps", "200", "--seeds", "2", "--eval-episodes", "2"])
    assert result.exit_code == 0, result.output
    assert '"agent": "dqn"' in result.output and '"steps": 200' in result.output
    result = runner.invoke(app, ["train", "--env", "Acrobot-v1", "--agent", "dqn",
                                 "--hyperparameters", "tuned"])
    assert result.exit_code != 0 and "configured" in result.output
    result = runner.invoke(app, ["train", "--env", "Pendulum-v1", "--agent", "dqn"])
    assert result.exit_code != 0 and "Discrete" in result.output
    result = runner.invoke(app, ["train", "--env", "CartPole-v1", "--agent", "nope"])
    assert result.exit_code != 0 and "allowed" in result.output


def test_metalearn_a_user_registered_env_with_one_command(tmp_path):
    from .conftest import TINY_PPO

    config = tmp_path / "tiny.yaml"
    config.write_text(json.dumps({
        "agent_kwargs": {"ppo": TINY_PPO}, "population_size": 4, "generations": 2,
        "hidden_size": 8, "num_eval_episodes": 2, "num_mean_eval_seeds": 1,
        "final_eval_seeds": 2,
    }))  # JSON is valid YAML
    result = runner.invoke(app, [
        "metalearn", "--import", "tests.user_env", "--env", "ShortCartPole-v0", "--config",
        str(config), "--out", str(tmp_path / "run"), "--no-progress",
    ])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["env_id"] == "ShortCartPole-v0" and summary["generations"] == 2
    assert summary["eval"]["ppo"]["real_64"]["mean"] <= 100.0  # the user's time limit
    assert (tmp_path / "run" / "meta_training.png").exists()
