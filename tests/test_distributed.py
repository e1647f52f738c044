"""Meta-learning as two processes on localhost (`synthax metalearn --coordinator ...`, JAX's
multi-controller runtime with gloo CPU collectives) against one process with two devices.

The test also stands for a killed single-process run: process 0, the one that writes the run
folder, is killed at an arbitrary point of a generation or a checkpoint, and the resumed run
must equal the uninterrupted one."""

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthax.checkpoints import read_header

from .conftest import TINY_PPO, child_env

ROOT = Path(__file__).resolve().parent.parent

# Population 8 with a wide search distribution, so that members score differently and equal
# logs mean something.
CONFIG = {
    "agent_kwargs": {"ppo": {**TINY_PPO, "total_timesteps": 400, "num_steps": 25,
                             "learning_rate": 0.05}},
    "population_size": 8, "sigma_init": 1.0, "hidden_size": 8, "num_eval_episodes": 2,
    "num_mean_eval_seeds": 2, "checkpoint_every": 1, "final_eval_seeds": 2, "generations": 40,
}
GENERATIONS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _command(config: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "synthax.cli", "metalearn", "--config", str(config),
            "--out", str(out), "--no-progress", *extra]


def _env(cpu_devices: int) -> dict[str, str]:
    env = child_env(**{"SYNTHAX_CPU_DEVICES": str(cpu_devices), "JAX_PLATFORMS": "cpu"})
    return env


def _start_two(config: Path, out: Path, *extra: str) -> list[subprocess.Popen]:
    """Processes 0 and 1 of one run, one CPU device each."""
    port = _free_port()
    return [subprocess.Popen(
        _command(config, out, "--coordinator", f"localhost:{port}", "--num-processes", "2",
                 "--process-id", str(i), *extra),
        env=_env(1), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) for i in range(2)]


def _finish(procs: list[subprocess.Popen], timeout: float = 400) -> None:
    for proc in procs:
        output, _ = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, output[-3000:]


def _log(out: Path) -> list[dict]:
    path = out / "log.jsonl"
    return [json.loads(ln) for ln in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("resume_processes", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_two_processes_match_one_and_resume_after_a_process_dies(tmp_path, resume_processes):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    generations = ["--generations", str(GENERATIONS)]

    # The reference: one process with two CPU devices, uninterrupted.
    reference = tmp_path / "one-process"
    result = subprocess.run(_command(config, reference, *generations), env=_env(2), cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]

    # Two processes; process 1 dies (SIGKILL) once a checkpoint exists. JAX's coordination
    # service then aborts process 0 after its heartbeat timeout; a scheduler would stop the
    # job at once, as the test does.
    out = tmp_path / "two-processes"
    procs = _start_two(config, out)
    deadline = time.time() + 400
    while time.time() < deadline and all(p.poll() is None for p in procs):
        if (out / "state.eqx").exists() and len(_log(out)) >= 2:
            break
        time.sleep(0.05)
    assert all(p.poll() is None for p in procs), procs[0].communicate()[0][-3000:]
    procs[1].send_signal(signal.SIGKILL)
    procs[0].send_signal(signal.SIGKILL)
    for proc in procs:
        proc.communicate()
    killed_at = read_header(out / "state.eqx")["generation"]
    assert killed_at < GENERATIONS and not (out / "summary.json").exists()

    # Resumed to the end: on one process with two devices (a run started on N processes
    # resumes on M), or on the same two processes. Process 1 reads no compiled programs from
    # the persistent cache (JAX writes it from process 0 only, and the keys differ), so each
    # launch of two processes compiles the generation again: the second case is `slow`.
    if resume_processes == 2:
        _finish(_start_two(config, out, "--resume", *generations))
    else:
        result = subprocess.run(_command(config, out, "--resume", *generations), env=_env(2),
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]

    log, ref_log = _log(out), _log(reference)
    assert [r["generation"] for r in log] == list(range(1, GENERATIONS + 1))
    assert read_header(out / "state.eqx")["generation"] == GENERATIONS
    assert {r["processes"] for r in log[:killed_at]} == {2}
    assert {r["processes"] for r in log[killed_at:]} == {resume_processes}
    assert {r["processes"] for r in ref_log} == {1}
    assert {r["devices"] for r in log} == {"2 x cpu"}
    # The members score differently, so equal logs mean something.
    assert any(r["fitness_max"] > r["fitness_min"] for r in ref_log)
    # The same SPMD program on the same two devices: the same numbers, bit for bit.
    numbers = ("fitness_mean", "fitness_max", "fitness_min", "mean_return", "eval_horizon")
    assert [[r[k] for k in numbers] for r in log] == [[r[k] for k in numbers] for r in ref_log]
    assert read_header(out / "env.eqx")["sha256"] == read_header(reference / "env.eqx")["sha256"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["eval"] == json.loads((reference / "summary.json").read_text())["eval"]
