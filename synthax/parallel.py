"""Spreading a population over devices: one CPU device per core, and a sharded population axis.

XLA:CPU runs the small matrix products of an inner loop (a 64-unit MLP on minibatches of 50)
on barely more than one core, however many the machine has. Splitting the CPU into one JAX
device per core and sharding the population axis over those devices runs one part of the
population per core. The same sharding spreads a population over several GPUs.

- `configure_cpu_devices()` asks JAX for one CPU device per usable core; it works only before
  anything starts a JAX backend, and importing gymnax (so `import synthax`) does. In your own
  program, set `jax.config.update("jax_num_cpu_devices", n)` before importing synthax, or call
  `restart_with_cpu_devices()` first thing, as the `synthax` command and the scripts in
  `experiments/` and `benchmarks/` do. `import synthax` itself never changes JAX's
  configuration.
  `SYNTHAX_CPU_DEVICES=N` asks for `N` (`1` keeps JAX's single CPU device). It does nothing
  when JAX is already running or the host device count is set some other way
  (`jax_num_cpu_devices`, or `XLA_FLAGS` with `--xla_force_host_platform_device_count`).
- `population_sharding(n, devices)` is a sharding of a population axis of size `n` over the
  devices you choose (default: all of the default backend's), and `shard_population(tree,
  sharding)` constrains every array leaf's leading axis to it; inside `jit` GSPMD then
  partitions the vmapped work. The library never picks devices by itself: a `MetaLearner`,
  `InnerLoop.population_fitness`, `InnerLoop.evaluate` or `compare_environments` shards only
  when given a `sharding`, which the `synthax` command and the scripts pass.

Measured on a 2-core CPU: `benchmarks/meta_generation_time.py` (docs/reproducing.md).
"""

import os
import sys
from typing import Any

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

ENV_VAR = "SYNTHAX_CPU_DEVICES"
AXIS = "population"


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def device_description() -> str:
    """Where JAX runs: the default backend's device count and kind, e.g. `"2 x cpu"` or
    `"1 x NVIDIA H100 80GB HBM3"` (recorded in run logs and experiment results)."""
    devices = jax.devices()
    return f"{len(devices)} x {devices[0].device_kind}"


def requested_cpu_devices() -> int:
    """The CPU device count `SYNTHAX_CPU_DEVICES` asks for, else `usable_cores()`.

    **Raises:** `ValueError` when the variable is set to something other than a positive integer.
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return usable_cores()
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{ENV_VAR} must be a positive integer (1 keeps JAX's single CPU "
                         f"device), got {value!r}")
    return count


def configure_cpu_devices() -> int | None:
    """Ask JAX for `requested_cpu_devices()` CPU devices, if it is still possible and the user
    has not chosen a count another way.

    **Returns:** the count set, or `None` when nothing was changed (JAX already initialised, the
    count set elsewhere, or a request for 1).

    **Raises:** `ValueError` for a bad `SYNTHAX_CPU_DEVICES`.
    """
    count = requested_cpu_devices()
    if count == 1 or jax.config.jax_num_cpu_devices != -1:
        return None
    if "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return None
    try:
        jax.config.update("jax_num_cpu_devices", count)
    except RuntimeError:  # a JAX backend is already running; its device count stays
        return None
    return count


FORCE_FLAG = "--xla_force_host_platform_device_count"
# The flag `restart_with_cpu_devices` added, so that a child process which inherits it (and may
# ask for another `SYNTHAX_CPU_DEVICES`) does not take it for the user's choice.
OWN_FLAG_VAR = "SYNTHAX_XLA_DEVICE_FLAG"


def restart_with_cpu_devices() -> None:
    """Run this program on `requested_cpu_devices()` CPU devices: the `synthax` command and the
    scripts in `experiments/` and `benchmarks/` call it first.

    Importing synthax imports gymnax, whose import already starts JAX's CPU backend with one
    device, after which the count cannot change in the process. So when more devices are
    asked for and JAX is running on the CPU with fewer, this re-executes the program's own
    command line (`sys.orig_argv`, the same process id) with `XLA_FLAGS` asking XLA for the
    count; the new process finds the flag set and goes on. A child process inherits the flag;
    when it asks for another count (its own `SYNTHAX_CPU_DEVICES`), it re-runs itself with that
    count instead, since the flag was synthax's, not the user's. It returns without doing anything
    when the count is 1, when the user chose a count (`jax_num_cpu_devices` or the XLA flag),
    or when JAX runs on an accelerator; before JAX starts it only sets `jax_num_cpu_devices`.

    **Raises:** `ValueError` for a bad `SYNTHAX_CPU_DEVICES`.
    """
    count = requested_cpu_devices()
    if jax.config.jax_num_cpu_devices != -1:
        return
    flags = os.environ.get("XLA_FLAGS", "").split()
    own = os.environ.get(OWN_FLAG_VAR)
    inherited = bool(own) and own in flags  # set by this function in a parent process
    if inherited:
        flags.remove(own)
        if own == f"{FORCE_FLAG}={count}":  # already on the count asked for (the re-run)
            return
    elif count == 1 or any(f.startswith(FORCE_FLAG) for f in flags):
        return  # nothing to split, or the user chose the count
    else:
        try:
            jax.config.update("jax_num_cpu_devices", count)
            return
        except RuntimeError:  # a JAX backend is already running
            pass
    if jax.default_backend() != "cpu" or (not inherited and len(jax.devices()) >= count):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    env = {k: v for k, v in os.environ.items() if k != OWN_FLAG_VAR}
    if count > 1:
        flags.append(f"{FORCE_FLAG}={count}")
        env[OWN_FLAG_VAR] = flags[-1]
    env["XLA_FLAGS"] = " ".join(flags)
    os.execve(sys.executable, list(sys.orig_argv), env)


def population_sharding(population_size: int, devices: Any = None) -> NamedSharding | None:
    """A sharding that splits a leading axis of `population_size` over `devices` (a sequence
    of JAX devices; default `jax.devices()`, the default backend's), or `None` with one device
    or a size the device count does not divide.

    Pass it as the `sharding` argument of [`MetaLearner`][synthax.meta.MetaLearner],
    [`InnerLoop.population_fitness`][synthax.meta.InnerLoop.population_fitness],
    [`InnerLoop.evaluate`][synthax.meta.InnerLoop.evaluate] or
    [`compare_environments`][synthax.meta.compare_environments]; the library itself never
    chooses devices.
    """
    devices = list(jax.devices() if devices is None else devices)
    if len(devices) < 2 or population_size % len(devices):
        return None
    return NamedSharding(Mesh(devices, (AXIS,)), PartitionSpec(AXIS))


def _divides(sharding: Any, size: int) -> bool:
    return size % len(sharding.device_set) == 0


def shard_population(tree: Any, sharding: Any) -> Any:
    """`tree` with every array leaf's leading axis constrained to `sharding` (a
    `jax.sharding.Sharding` of a leading population axis, e.g. `population_sharding(n)`, or
    `None`) with `jax.lax.with_sharding_constraint`; unchanged when `sharding` is `None`, when
    there are no array leaves or leaves of different leading sizes, or when the size is not a
    multiple of the sharding's device count (e.g. `num_seeds` agents on more devices)."""
    if sharding is None:
        return tree
    leaves = [x for x in jax.tree.leaves(tree) if eqx.is_array(x)]
    sizes = {x.shape[0] if x.ndim else None for x in leaves}
    if len(sizes) != 1 or None in sizes or not _divides(sharding, sizes.pop()):
        return tree
    return jax.tree.map(
        lambda x: jax.lax.with_sharding_constraint(x, sharding) if eqx.is_array(x) else x, tree
    )


def replicate(tree: Any, sharding: Any) -> Any:
    """`tree`'s array leaves copied to every device of `sharding` (so that a jitted step whose
    outputs are replicated over those devices takes back inputs of the same sharding, and
    compiles once); `tree` unchanged when `sharding` is `None` or spans one device. When the
    devices belong to several processes (`synthax.distributed`), every process must call it
    with the same values: each becomes this process's copy of a global array."""
    if sharding is None or len(sharding.device_set) < 2:
        return tree
    devices = sorted(sharding.device_set, key=lambda d: d.id)
    everywhere = NamedSharding(Mesh(devices, (AXIS,)), PartitionSpec())
    if everywhere.is_fully_addressable:  # one process
        return jax.tree.map(
            lambda x: jax.device_put(x, everywhere) if eqx.is_array(x) else x, tree)

    def put(x: Any) -> Any:
        # Devices of several processes (`synthax.distributed`): each process gives its own copy
        # of the same value. (`jax.device_put` would compare them, and NaN leaves never equal.)
        if not eqx.is_array(x):
            return x
        if isinstance(x, jax.core.Tracer):  # inside a trace (e.g. `eqx.filter_eval_shape`)
            return jax.device_put(x, everywhere)
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            if x.sharding.is_equivalent_to(everywhere, x.ndim):
                return x
            x = x.addressable_data(0)  # a replicated global array: this process's copy
        host = np.asarray(x)
        return jax.make_array_from_callback(host.shape, everywhere, lambda index: host[index])

    return jax.tree.map(put, tree)
