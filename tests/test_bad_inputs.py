"""Bad input gets a clear error (one line, exit status 2) and loses nothing (issue 19).

Kept fast: almost every case fails before anything is compiled; the kill-and-resume test runs a
tiny configuration (population 4, 6 generations) in process, with failures injected at chosen
points of the checkpoint and log writes instead of racing signals.
"""

import hashlib
import json
import math
import os
import re
import warnings

import jax
import jax.numpy as jnp
import pytest
from typer.testing import CliRunner

import synthax.meta.run as run_module
from synthax.checkpoints import (
    CheckpointError,
    load_environment,
    read_header,
    save,
    save_environment,
)
from synthax.checkpoints.io import header_hash
from synthax.cli import app
from synthax.envs import SyntheticContextualBandit, make
from synthax.meta import ConfigError, MetaLearnConfig
from synthax.meta.run import run_metalearning

from .conftest import TINY_PPO

runner = CliRunner(env={"COLUMNS": "2000"})  # no wrapping inside typer's error box

TINY = {"agent_kwargs": {"ppo": TINY_PPO}, "population_size": 4, "generations": 4,
        "hidden_size": 8, "num_eval_episodes": 2, "num_mean_eval_seeds": 1,
        "final_eval_seeds": 1, "checkpoint_every": 2}


def message(result) -> str:
    """The CLI's output as one line (typer draws usage errors in a box)."""
    return " ".join(re.sub("[╭╮╰╯│─]", " ", result.output).split())


def usage_error(result, *needles):
    text = message(result)
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    assert "Traceback" not in result.output, text
    boxed = [line for line in result.output.splitlines() if line.startswith("│")]
    assert len(boxed) == 1, result.output  # one line of error, at this terminal width
    for needle in needles:
        assert needle in text, (needle, text)
    return text


def write_config(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --- config values: typed, checked at load time, before any folder is written ---------------

@pytest.mark.parametrize("line, field, allowed", [
    ("population_size: 4.5", "population_size", "int"),
    ("generations: ten", "generations", "int"),
    ("generations: 0", "generations", ">= 1"),
    ("env_id: 5", "env_id", "str"),
    ("random_hyperparameters: 'no'", "random_hyperparameters", "bool"),
    ("hidden_size: true", "hidden_size", "int"),
    ("seed: 1.5", "seed", "int"),
    ("checkpoint_every: 2.5", "checkpoint_every", "int"),
    ("num_rollouts: 2.2", "num_rollouts", "int"),
    ("sigma_init: .inf", "sigma_init", "finite number > 0"),
    ("sigma_init: .nan", "sigma_init", "finite number > 0"),
    ("sigma_init: -1", "sigma_init", "finite number > 0"),
    ("strategy: NoSuchES", "strategy", "allowed"),
    ("agents: [ppo, nope]", "agents", "allowed"),
    ("eval_horizon: {init_value: 1.5, end_value: 2}", "eval_horizon", "int"),
    ("env_id: Nope-v0", "env_id", "unknown environment id"),
    ("env_id: Synthetic-CartPole-v1", "env_id", "'CartPole-v1'"),
    ("populaton_size: 3", "populaton_size", "allowed"),
])
def test_bad_config_value_is_a_usage_error_and_writes_nothing(tmp_path, line, field, allowed):
    others = [f"{k}: {json.dumps(v)}" for k, v in TINY.items() if not line.startswith(k + ":")]
    config = write_config(tmp_path, "\n".join([*others, line]) + "\n")
    out = tmp_path / "run"
    result = runner.invoke(app, ["metalearn", "--config", str(config), "--out", str(out),
                                 "--no-progress"])
    usage_error(result, field, allowed)
    assert not out.exists()


def test_config_messages_name_field_value_and_type():
    with pytest.raises(ConfigError, match=r"population_size: 4\.5 is not allowed; "
                                          r"population_size is int"):
        MetaLearnConfig.from_dict({"population_size": 4.5})
    with pytest.raises(ConfigError, match="random_hyperparameters: 'no'"):
        MetaLearnConfig.from_dict({"random_hyperparameters": "no"})
    assert MetaLearnConfig.from_dict({"sigma_init": 1}).sigma_init == 1.0  # an int is a float


@pytest.mark.parametrize("name, text, needle", [
    ("broken.yaml", "generations: [4\npopulation_size: 4\n", "not valid YAML"),
    ("broken.json", "{\"generations\": 4,", "not valid JSON"),
    ("list.yaml", "- 4\n", "does not hold a mapping"),
    ("config.toml", "generations = 4\n", ".yaml, .yml or .json"),
])
def test_unreadable_config_file_names_the_file(tmp_path, name, text, needle):
    config = write_config(tmp_path, text, name)
    result = runner.invoke(app, ["metalearn", "--config", str(config), "--out",
                                 str(tmp_path / "run"), "--no-progress"])
    usage_error(result, name, needle)
    assert not (tmp_path / "run").exists()


def test_overrides_and_options_are_usage_errors(tmp_path):
    out = str(tmp_path / "run")
    for args, needle in [
        (["--generations", "0"], "generations must be >= 1"),
        (["--strategy", "NoSuchES"], "unknown strategy"),
        (["--env", "Nope-v0"], "unknown environment id"),
        (["--env", "Synthetic-CartPole-v1"], "synthetic environment"),
        (["--import", "no_such_module_xyz"], "--import no_such_module_xyz"),
        (["--config", str(tmp_path / "missing.yaml")], "does not exist"),
        (["--resume", "--force"], "exclude each other"),
    ]:
        usage_error(runner.invoke(app, ["metalearn", *args, "--out", out, "--no-progress"]),
                    needle)
    assert not (tmp_path / "run").exists()


# --- run folders: never overwrite what synthax did not write --------------------------------

def test_out_folder_with_foreign_files_is_left_byte_for_byte(tmp_path):
    config = write_config(tmp_path, json.dumps(TINY), "tiny.json")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text('{"my": "own config"}\n')
    (out / "env.eqx").write_bytes(os.urandom(64))
    (out / "summary.json").write_text("my summary\n")
    (out / "log.jsonl").write_text('{"not": "a synthax log"}\n')
    (out / "notes.txt").write_text("do not touch\n")
    (out / "sub").mkdir()
    (out / "sub" / "data.bin").write_bytes(b"\x00\x01")
    before = snapshot(out)
    for extra in ([], ["--resume"]):
        result = runner.invoke(app, ["metalearn", "--config", str(config), "--out", str(out),
                                     "--no-progress", *extra])
        usage_error(result, str(out))
        assert snapshot(out) == before
    assert "not a synthax run" in message(runner.invoke(app, [
        "metalearn", "--config", str(config), "--out", str(out), "--no-progress"]))
    # Only synthax-named files, but no checkpoint (e.g. the user's own config.json): refused.
    only = tmp_path / "only-config"
    only.mkdir()
    (only / "config.json").write_text(json.dumps(MetaLearnConfig(**TINY).to_dict()))
    before = snapshot(only)
    result = runner.invoke(app, ["metalearn", "--config", str(only / "config.json"), "--out",
                                 str(only), "--no-progress"])
    usage_error(result, "--force")
    assert snapshot(only) == before


def test_resume_that_cannot_succeed_changes_nothing(tmp_path):
    tiny = MetaLearnConfig(**TINY)
    config = write_config(tmp_path, json.dumps({**TINY, "generations": 6}), "longer.json")
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text(json.dumps(tiny.to_dict(), indent=2) + "\n")
    (out / "log.jsonl").write_text('{"generation": 1}\n{"generation": 2}\n')
    # A checkpoint whose header reads but whose state is not this run's, and a corrupt one.
    save(out / "state.eqx", {"x": jnp.zeros(3)},
         {"kind": "meta_state", "generation": 2, "wall_seconds": 1.0})
    (out / "state.1.eqx").write_bytes(b"\x80\x04 not a checkpoint")
    before = snapshot(out)
    result = runner.invoke(app, ["metalearn", "--config", str(config), "--out", str(out),
                                 "--resume", "--no-progress"])
    usage_error(result, "no valid checkpoint", "state.eqx", "state.1.eqx")
    assert snapshot(out) == before  # config.json still says 4 generations
    # A config.json that is not synthax's, or a different config: also refused, unchanged.
    (out / "config.json").write_text("{}")
    before = snapshot(out)
    usage_error(runner.invoke(app, ["metalearn", "--config", str(config), "--out", str(out),
                                    "--resume", "--no-progress"]), "differs")
    (out / "config.json").write_text("[1, 2]")
    before = snapshot(out)
    usage_error(runner.invoke(app, ["metalearn", "--config", str(config), "--out", str(out),
                                    "--resume", "--no-progress"]), "config.json")
    assert snapshot(out) == before
    # No checkpoint at all.
    empty = tmp_path / "empty"
    usage_error(runner.invoke(app, ["metalearn", "--config", str(config), "--out", str(empty),
                                    "--resume", "--no-progress"]), "no checkpoint")
    assert not empty.exists()


def test_torn_log_line_is_dropped_and_bad_lines_before_it_are_errors(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"generation": 1}\n{"generation": 2}\n{"generation": 3, "fitn')
    assert run_module._read_log(log, 2) == ['{"generation": 1}', '{"generation": 2}']
    log.write_text('{"generation": 1}\nnot json\n{"generation": 2}\n')
    with pytest.raises(run_module.ResumeError, match="line 2"):
        run_module._read_log(log, 2)


class Killed(BaseException):
    """What a kill leaves: the process stops at this point (not an `Exception`, so nothing
    in synthax or the CLI runner catches it)."""


def _kill_at(monkeypatch, name, generation_of, at, partial=None):
    """Replace `synthax.meta.run.<name>` so that the call for generation `at` does `partial`
    (what the interrupted write left on disk) and then stops the run."""
    original = getattr(run_module, name)

    def wrapper(*args, **kwargs):
        if generation_of(*args, **kwargs) == at:
            if partial is not None:
                partial(*args, **kwargs)
            raise Killed(f"{name} at generation {at}")
        return original(*args, **kwargs)

    monkeypatch.setattr(run_module, name, wrapper)


def _payload_sha(path):
    return hashlib.sha256(path.read_bytes().split(b"\n", 1)[1]).hexdigest()


def test_kill_during_writes_corrupt_checkpoint_and_resume_match_an_uninterrupted_run(
        tmp_path, monkeypatch):
    config = MetaLearnConfig(**{**TINY, "generations": 6})
    config_path = write_config(tmp_path, json.dumps(config.to_dict()), "tiny.json")

    # The uninterrupted reference, forced into a folder that holds a user's file.
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "notes.txt").write_text("mine\n")
    expected = run_metalearning(config, reference, force=True)
    assert (reference / "notes.txt").read_text() == "mine\n"

    out = tmp_path / "run"
    cli = ["metalearn", "--config", str(config_path), "--out", str(out), "--no-progress"]

    def invoke_killed(args):
        with pytest.raises(Killed):
            runner.invoke(app, args, catch_exceptions=False)
        monkeypatch.undo()

    # 1. Killed while writing generation 3's log line: a torn line after the checkpoint at 2.
    def torn(log, line):
        log.write(line[: len(line) // 2])
        log.flush()
    _kill_at(monkeypatch, "_append_line", lambda log, line: json.loads(line)["generation"],
             3, torn)
    invoke_killed(cli)
    assert not (out / "log.jsonl").read_text().endswith("\n")
    assert read_header(out / "state.eqx")["generation"] == 2

    # 2. Killed writing the checkpoint at 4, after the rotation: no state.eqx, a temporary.
    def half_written(path, tree, header):
        (path.parent / f".{path.name}.killed.tmp").write_bytes(b"{\"format\": \"synth")
    _kill_at(monkeypatch, "save", lambda path, tree, header: header["generation"], 4,
             half_written)
    invoke_killed(cli + ["--resume"])
    assert not (out / "state.eqx").exists()
    assert read_header(out / "state.1.eqx")["generation"] == 2

    # 3. Killed writing env.eqx at 6 (the state at 4 was saved on the way).
    _kill_at(monkeypatch, "save_environment", lambda path, env, env_id, meta:
             meta["generation"], 6)
    invoke_killed(cli + ["--resume"])
    assert read_header(out / "state.eqx")["generation"] == 4
    assert not list(out.glob(".*.tmp"))  # the resume removed the interrupted write's file

    # 4. The newest checkpoint is corrupted: the resume falls back to the one before it.
    data = bytearray((out / "state.eqx").read_bytes())
    data[-5] ^= 0xFF
    (out / "state.eqx").write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(app, cli + ["--resume"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # (state.1.eqx is missing: the kill in 2 came between its rotation and the write.)
    assert any("resuming from state.2.eqx (generation 2)" in str(w.message)
               and "hash" in str(w.message) for w in caught), [str(w.message) for w in caught]

    summary = json.loads((out / "summary.json").read_text())
    assert summary["generations"] == 6
    assert summary["eval"] == expected["eval"]
    assert _payload_sha(out / "env.eqx") == _payload_sha(reference / "env.eqx")
    assert _payload_sha(out / "state.eqx") == _payload_sha(reference / "state.eqx")
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    ref_log = [json.loads(line) for line in (reference / "log.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in log] == [1, 2, 3, 4, 5, 6]
    drop = ("seconds", "backend", "devices")
    assert [{k: v for k, v in r.items() if k not in drop} for r in log] == \
        [{k: v for k, v in r.items() if k not in drop} for r in ref_log]
    assert sorted(p.name for p in out.glob("state*.eqx")) == ["state.1.eqx", "state.2.eqx",
                                                             "state.eqx"]
    # The run is now a synthax run: a new run there is refused, and a resume is up to date.
    usage_error(runner.invoke(app, cli), "already holds a run", "--resume")


# --- checkpoint headers ----------------------------------------------------------------------

@pytest.fixture
def env_checkpoint(tmp_path):
    env = SyntheticContextualBandit.for_environment(make("CartPole-v1"),
                                                    hidden_size=8, key=jax.random.PRNGKey(3))
    path = tmp_path / "env.eqx"
    save_environment(path, env, "CartPole-v1", {"generation": 3})
    return path


def _rewrite(path, header):
    payload = path.read_bytes().split(b"\n", 1)[1]
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def _edited(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, value[0] if value else 0]
    if isinstance(value, dict):
        return {**value, "edited": 1}
    return 0


def test_every_header_field_is_covered_by_the_hash(env_checkpoint):
    header = read_header(env_checkpoint)
    assert header["format_version"] == 2 and header["header_sha256"] == header_hash(header)
    fields = [(k,) for k in header] + [("config", k) for k in header["config"]]
    for field in fields:
        edited = json.loads(json.dumps(header))
        target = edited
        for part in field[:-1]:
            target = target[part]
        target[field[-1]] = _edited(target[field[-1]])
        _rewrite(env_checkpoint, edited)
        with pytest.raises(CheckpointError) as info:
            load_environment(env_checkpoint)
        assert str(env_checkpoint) in str(info.value), field
    _rewrite(env_checkpoint, header)
    load_environment(env_checkpoint, env_id="CartPole-v1")  # unedited, it loads


def _as_version_1(path):
    """The checkpoint as synthax 0.1 wrote it (no header hash): edits are caught by checks."""
    header = read_header(path)
    del header["header_sha256"]
    header["format_version"] = 1
    _rewrite(path, header)
    return header


@pytest.mark.parametrize("edit, needle", [
    (lambda h: h.update(env_id="Acrobot-v1"), "do not match Acrobot-v1"),
    (lambda h: h["config"]["observation_low"].__setitem__(0, math.nan), "NaN"),
    (lambda h: h.update({"class": ["SyntheticContextualBandit"]}), "unknown environment class"),
    (lambda h: h.update({"class": "Nope"}), "unknown environment class"),
    (lambda h: h["config"].update(evil=1), "does not take"),
    (lambda h: h["config"].update(observation_low="abc"), "not a list of finite numbers"),
    (lambda h: h["config"].update(num_actions=0), "do not match CartPole-v1"),
    (lambda h: h["config"].update(max_steps_in_episode=0), "does not build"),
    (lambda h: h.update(config=[]), "not a mapping"),
    (lambda h: h.update(format_version="1"), "format version"),
])
def test_version_1_header_values_are_validated_before_building(env_checkpoint, edit, needle):
    header = _as_version_1(env_checkpoint)
    load_environment(env_checkpoint, env_id="CartPole-v1")  # version 1 still loads
    edit(header)
    _rewrite(env_checkpoint, header)
    with pytest.raises(CheckpointError, match=re.escape(needle)):
        load_environment(env_checkpoint)


@pytest.mark.parametrize("env_id", ["Synthetic-Acrobot-v1", "Synthetic-CartPole-v1",
                                    "Synthetic-MountainCar-v0",
                                    "Synthetic-MountainCarContinuous-v0", "Synthetic-Pendulum-v1"])
def test_shipped_classic_control_checkpoints_are_version_2(env_id):
    from synthax.checkpoints import load_shipped, shipped_path

    # Upgraded by experiments/upgrade_checkpoints.py (payload bytes unchanged), or written in
    # format 2 by a later meta-learning run.
    assert read_header(shipped_path(env_id))["format_version"] == 2
    assert isinstance(load_shipped(env_id), SyntheticContextualBandit)


# --- evaluate and train: file arguments and silent results -----------------------------------

def test_evaluate_file_and_algorithm_errors(tmp_path):
    missing = str(tmp_path / "missing")
    base = ["evaluate", "--env", "Synthetic-CartPole-v1", "--out", str(tmp_path / "e")]
    for option in ("--checkpoint", "--config", "--synthetic-gymnax"):
        usage_error(runner.invoke(app, [*base, option, missing]), option, "missing",
                    "does not exist")
    usage_error(runner.invoke(app, [*base, "--algorithms", "ppo,foo"]), "unknown agent 'foo'",
                "allowed")
    wheel = tmp_path / "fake.whl"
    wheel.write_text("not a zip")
    usage_error(runner.invoke(app, [*base, "--synthetic-gymnax", str(wheel)]), "fake.whl",
                "not a wheel")
    broken = tmp_path / "broken.eqx"
    broken.write_bytes(b"garbage")
    usage_error(runner.invoke(app, [*base, "--checkpoint", str(broken)]), "broken.eqx",
                "not a synthax checkpoint")
    assert not (tmp_path / "e").exists()


def test_train_steps_that_are_not_whole_iterations_are_refused():
    result = runner.invoke(app, ["train", "--env", "Synthetic-CartPole-v1", "--steps", "999"])
    usage_error(result, "--steps 999", "multiple of 500", "500 or 1000")
    result = runner.invoke(app, ["train", "--env", "CartPole-v1", "--agent", "dqn", "--steps",
                                 "-5"])
    usage_error(result, "total_timesteps")


def test_a_real_bug_prints_a_traceback_and_where_to_report_it(monkeypatch, capsys):
    import synthax.cli as cli

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "boom" in err and "report it" in err and cli.ISSUES_URL in err


# --- actions of the synthetic gymnax drop-in ------------------------------------------------

def test_synthetic_drop_in_checks_discrete_actions():
    import gymnax

    env, params = gymnax.make("Synthetic-CartPole-v1")
    key = jax.random.PRNGKey(0)
    _, state = env.reset(key, params)

    def reward(action):
        return float(env.step(key, state, action, params)[2])

    one = reward(jnp.int32(1))
    assert reward(True) == one and reward(jnp.asarray(True)) == one  # as gymnax
    assert reward(jnp.float32(1.0)) == one  # a whole number in range
    assert reward(False) == reward(0)
    for bad in (2, -1, jnp.float32(0.5), jnp.float32(jnp.nan), 7):
        with pytest.raises(Exception, match="discrete action is an integer index"):
            reward(bad)
    rewards = jax.vmap(lambda a: env.step(key, state, a, params)[2])(jnp.array([0, 1]))
    assert float(rewards[1]) == pytest.approx(one)
