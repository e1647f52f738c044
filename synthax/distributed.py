"""Meta-learning as several processes: JAX's multi-controller runtime (`jax.distributed`).

One process runs per host (or per GPU). Each runs the same program; `jax.devices()` then lists
the devices of every process, so a sharding over them (`synthax.parallel.population_sharding`)
splits the population axis over all hosts, and each jitted generation is one SPMD program with
the strategy state replicated on every device. Process 0 alone writes the run folder (log,
checkpoints, summary); every process reads it on a resume, so the folder must be on a file
system they share (one host, or NFS / Lustre on a cluster).

JAX's distributed runtime must start before JAX starts a backend, and importing gymnax (hence
`import synthax`) starts one. So:

- From Python, call `jax.distributed.initialize()` first, before importing synthax or gymnax
  (on CPUs also `jax.config.update("jax_cpu_collectives_implementation", "gloo")`, so that the
  processes can exchange data); then `synthax.meta.run.run_metalearning` and the rest work as in
  one process.
- The `synthax metalearn` command does it for you with `--distributed` (the runtime detects
  SLURM and Open MPI, as `jax.distributed.initialize()` does) or `--coordinator HOST:PORT
  --num-processes N --process-id I`: it re-runs itself through `relaunch`, which starts the
  runtime before anything else is imported.

Functions here are the few a run folder needs: whether this process writes (`is_writer`), a
barrier (`barrier`), and the host copy of arrays that may span other processes (`to_host`).
With one process they are trivial, so single-process code pays nothing.
"""

import json
import os
import sys
from typing import Any

import equinox as eqx
import jax
import numpy as np

from synthax.parallel import OWN_FLAG_VAR

ENV_VAR = "SYNTHAX_DISTRIBUTED"
"""Set (to the JSON of `jax.distributed.initialize`'s arguments) in a process `relaunch`
started, whose runtime is therefore already up."""

# Run as `python -c BOOT <the original argv>`: starts the runtime before anything imports
# gymnax, then runs the synthax command line with the original arguments.
BOOT = """\
import json, os, sys
import jax
options = json.loads(os.environ["SYNTHAX_DISTRIBUTED"])
cpu_devices = options.pop("cpu_devices")
if cpu_devices:
    jax.config.update("jax_num_cpu_devices", cpu_devices)
if not os.environ.get("JAX_CPU_COLLECTIVES_IMPLEMENTATION"):
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
try:
    jax.distributed.initialize(**options)
except (ValueError, RuntimeError) as error:  # no cluster found, or a bad coordinator address
    message = " ".join(str(error).split())
    print(f"synthax: jax.distributed.initialize failed: {message}", file=sys.stderr)
    sys.exit(2)
sys.argv = sys.argv[1:]
from synthax.cli import main
main()
"""


def relaunched() -> bool:
    """Whether this process was started by `relaunch` (its distributed runtime is up)."""
    return bool(os.environ.get(ENV_VAR))


def relaunch(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    cpu_devices: int | None = None,
) -> None:
    """Re-run this program's command line (`sys.argv`, same process id) with JAX's distributed
    runtime started first: `jax.distributed.initialize(coordinator_address, num_processes,
    process_id)` (any of them `None`: detected from SLURM or Open MPI, or from JAX's
    `JAX_COORDINATOR_ADDRESS` variables), on CPUs with gloo collectives and `cpu_devices` CPU
    devices per process (`None`: JAX's default, one). The program must be the `synthax`
    command (the new process runs `synthax.cli.main` with the same arguments). Does not
    return.

    **Raises:** `ValueError` when `num_processes < 1` or `process_id` is outside
    `[0, num_processes)`.
    """
    if num_processes is not None and num_processes < 1:
        raise ValueError(f"--num-processes must be >= 1, got {num_processes}")
    if process_id is not None and (process_id < 0 or (
            num_processes is not None and process_id >= num_processes)):
        raise ValueError(f"--process-id must be in [0, {num_processes}) (one per process), "
                         f"got {process_id}")
    options = {"coordinator_address": coordinator_address, "num_processes": num_processes,
               "process_id": process_id, "cpu_devices": cpu_devices}
    env = {**os.environ, ENV_VAR: json.dumps(options)}
    # The device-count flag `restart_with_cpu_devices` may have added is not the user's: each
    # process gets `cpu_devices`.
    own = env.pop(OWN_FLAG_VAR, None)
    if own:
        env["XLA_FLAGS"] = " ".join(f for f in env.get("XLA_FLAGS", "").split() if f != own)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-c", BOOT, *sys.argv], env)


def is_writer() -> bool:
    """Whether this process writes shared files (the run folder): process 0, or the only one."""
    return jax.process_index() == 0


def barrier(name: str) -> None:
    """Wait until every process has reached the barrier `name` (nothing with one process)."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def to_host(tree: Any) -> Any:
    """`tree` with every JAX array leaf as a NumPy array holding its whole (global) value.

    An array replicated on every device is read from this process's own copy; an array split
    over the devices of several processes is gathered from all of them, so with several
    processes every process must call this for the same arrays (it is a collective then).
    """
    def host(x: Any) -> Any:
        if not isinstance(x, jax.Array):
            return x
        if x.is_fully_addressable:
            return np.asarray(x)
        if x.is_fully_replicated:
            return np.asarray(x.addressable_data(0))
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(x, tiled=True))

    return jax.tree.map(host, tree, is_leaf=eqx.is_array)
