"""`synthax tune`: Optuna's TPE and Hyperband over meta-learning runs (synthax.meta.tune).

Every trial here runs the same tiny config and samples only `sigma_init`, which SNES reads in
`init` alone: the compiled generation and final evaluation are the same program for every
trial (and test_meta's), so after the first compile the persistent cache serves them.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from typer.testing import CliRunner

from synthax.cli import app
from synthax.meta import ConfigError, MetaLearnConfig
from synthax.meta.run import latest_generation
from synthax.meta.tune import StudyError, TuneSpace, best_trial_summary, tune

from .conftest import TINY_PPO

ROOT = Path(__file__).resolve().parent.parent
BASE = MetaLearnConfig(
    agent_kwargs={"ppo": dict(TINY_PPO)}, population_size=4, generations=2, hidden_size=8,
    num_eval_episodes=2, num_mean_eval_seeds=2, checkpoint_every=1, final_eval_seeds=2,
)
SPACE = TuneSpace({"sigma_init": {"low": 0.05, "high": 0.5, "log": True}})


def _log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]


def test_trials_are_run_folders_and_the_pruner_compares_them(tmp_path):
    # `seed` changes the runs' draws, not the program: at generation 1 seed 3's mean_return is
    # 9.5 and seed 2's 9.0 (measured), and the sampler's seed 2 draws 3, then 2.
    space = TuneSpace({**SPACE.params, "seed": {"choices": [2, 3]}})
    out = tmp_path / "trials"
    study = tune(BASE, space, study_name="a", storage=f"sqlite:///{tmp_path}/study.db",
                 n_trials=2, out_dir=out, seed=2, min_resource=1)
    trials = study.get_trials()
    assert [t.number for t in trials] == [0, 1]
    expected = BASE.resolved().to_dict()
    for trial in trials:
        folder = out / f"trial-{trial.number}"
        assert trial.user_attrs["folder"] == str(folder) and trial.user_attrs["wall_seconds"] > 0
        saved = json.loads((folder / "config.json").read_text())
        assert saved == {**expected, **trial.params}
        assert trial.intermediate_values == {r["generation"]: r["mean_return"]
                                             for r in _log(folder)}
    first, second = trials
    assert first.state == TrialState.COMPLETE
    assert first.value == _log(out / "trial-0")[-1]["mean_return"]  # the last mean_return
    assert (out / "trial-0" / "summary.json").exists()
    # Generations 2 over 1: one Hyperband bracket whose one rung is generation 1, where the
    # second trial goes on only if its mean_return is at least the first's.
    behind = second.intermediate_values[1] < first.intermediate_values[1]
    assert second.state == (TrialState.PRUNED if behind else TrialState.COMPLETE)
    assert len(_log(out / "trial-1")) == (1 if behind else 2)
    assert (out / "trial-1" / "summary.json").exists() == (not behind)

    summary = best_trial_summary(study)
    best = max((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.value)
    assert summary["number"] == best.number and summary["value"] == best.value
    assert summary["params"] == best.params
    assert summary["folder"] == str(out / f"trial-{best.number}")
    states = {"COMPLETE": 1, "PRUNED": 1} if behind else {"COMPLETE": 2}
    assert summary["trials"] == states
    assert json.loads((out / "study.json").read_text()) == {"study_name": "a"}


def test_two_workers_share_one_study(tmp_path):
    base, space = tmp_path / "base.json", tmp_path / "space.yaml"
    base.write_text(json.dumps(BASE.to_dict()))
    space.write_text("sigma_init: {low: 0.05, high: 0.5, log: true}\n")
    url, out = f"sqlite:///{tmp_path}/study.db", tmp_path / "trials"
    env = {**os.environ, "SYNTHAX_CPU_DEVICES": "1"}  # one device each, as in this process

    def worker(seed):
        command = [sys.executable, "-m", "synthax.cli", "tune", "--config", str(base),
                   "--space", str(space), "--study", url, "--study-name", "shared",
                   "--trials", "1", "--out", str(out), "--seed", str(seed),
                   "--min-resource", "2", "--no-progress"]  # 2 = generations: no pruning
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    workers = [worker(1), worker(2)]  # at once, on a database neither has created yet
    outputs = [w.communicate(timeout=400) for w in workers]
    for w, (_, stderr) in zip(workers, outputs):
        assert w.returncode == 0, stderr[-3000:]
    trials = optuna.load_study(study_name="shared", storage=url).get_trials()
    assert sorted(t.number for t in trials) == [0, 1]
    assert all(t.state == TrialState.COMPLETE for t in trials)
    folders = {t.user_attrs["folder"] for t in trials}
    assert folders == {str(out / "trial-0"), str(out / "trial-1")}
    for trial in trials:
        saved = json.loads((Path(trial.user_attrs["folder"]) / "summary.json").read_text())
        assert saved["config"]["sigma_init"] == trial.params["sigma_init"]
    for stdout, _ in outputs:  # each prints the best trial it saw at its end
        assert json.loads(stdout)["folder"] in folders


class _Killed(BaseException):
    """Neither an Exception nor a KeyboardInterrupt: Optuna leaves the trial RUNNING, as when
    its worker is killed."""


def test_a_killed_workers_trial_is_retried_from_its_checkpoint(tmp_path):
    url, out = f"sqlite:///{tmp_path}/study.db", tmp_path / "trials"
    kwargs = dict(study_name="k", storage=url, out_dir=out, min_resource=2, seed=0,
                  heartbeat_interval=1, grace_period=1)

    def die(number, record):
        if record["generation"] == 2:  # after generation 1's checkpoint
            raise _Killed

    with pytest.raises(_Killed):
        tune(BASE, SPACE, n_trials=1, on_generation=die, **kwargs)
    (dead,) = optuna.load_study(study_name="k", storage=url).get_trials()
    folder = out / "trial-0"
    assert dead.state == TrialState.RUNNING and latest_generation(folder) == 1
    time.sleep(3)  # past the grace period (SQLite's clock counts whole seconds)

    study = tune(BASE, SPACE, n_trials=1, **kwargs)
    dead, retry = study.get_trials()
    assert dead.state == TrialState.FAIL and retry.state == TrialState.COMPLETE
    assert retry.params == dead.params
    assert retry.user_attrs["folder"] == str(folder) and retry.user_attrs["retry_of"] == 0
    assert retry.user_attrs["resumed_from_generation"] == 1
    assert not (out / "trial-1").exists()
    log = _log(folder)
    assert [r["generation"] for r in log] == [1, 2]
    # Generation 1 is reported again from the log; generation 2 is recomputed.
    assert retry.intermediate_values == {1: log[0]["mean_return"], 2: log[1]["mean_return"]}
    assert retry.value == log[1]["mean_return"]
    assert json.loads((folder / "summary.json").read_text())["generations"] == 2


def test_bad_input_is_a_one_line_error_naming_it(tmp_path):
    with pytest.raises(ConfigError) as info:
        TuneSpace.from_dict({"sigma": {"low": 0.01, "high": 1.0}})
    message = str(info.value)
    assert "'sigma'" in message and "sigma_init" in message and "\n" not in message
    with pytest.raises(ConfigError, match="population_size is an int"):
        TuneSpace.from_dict({"population_size": {"low": 2.5, "high": 8}})
    with pytest.raises(ConfigError, match="population_size=0"):
        TuneSpace.from_dict({"population_size": {"choices": [0, 4]}}).check(BASE)

    runner = CliRunner()
    space = tmp_path / "space.yaml"
    space.write_text("sigma: {low: 0.01, high: 1.0}\n")
    db = tmp_path / "study.db"
    result = runner.invoke(app, ["tune", "--space", str(space), "--study", f"sqlite:///{db}",
                                 "--out", str(tmp_path / "trials")])
    assert result.exit_code == 2, result.output
    assert "unknown field 'sigma'" in " ".join(result.output.replace("│", " ").split())
    assert not db.exists() and not (tmp_path / "trials").exists()  # refused before writing
    result = runner.invoke(app, ["tune", "--study", "not a url", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "not a database URL" in result.output

    optuna.create_study(storage=f"sqlite:///{db}", study_name="min", direction="minimize")
    with pytest.raises(StudyError, match="minimises"):
        tune(BASE, SPACE, study_name="min", storage=f"sqlite:///{db}", n_trials=1,
             out_dir=tmp_path / "trials")
