"""Import the synthetic contextual bandits shipped by synthetic-gymnax, without running pickle.

synthetic-gymnax 0.0.1 (Liesen et al. 2024) ships `checkpoints/<env>/checkpoint.pkl` in its
wheel: pickled flax parameters (`FrozenDict` of `jax.Array`s) that no longer load on current JAX.
This module reads them as data: a restricted unpickler resolves only the handful of globals
those files name (flax's `FrozenDict`, JAX's and NumPy's array reconstructors, `numpy.ndarray`,
`numpy.dtype`) to plain `dict` and NumPy arrays; any other global is refused before anything
runs. synthetic-gymnax itself is not needed.

Their networks (`SynthEnvMLP`, features `[32]`, ReLU) map one-to-one onto
[`SyntheticContextualBandit`][synthax.envs.SyntheticContextualBandit]: `initial_state` is
`init_net` and `reward` is `reward_net` (flax kernels are transposed Equinox weights). Their
observations are not bounded, so imports set `bound_observations=False`; their continuous
actions were not clipped, ours are.
"""

import io
import os
import pickle
import tempfile
import zipfile
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from synthax.envs.base import AbstractEnvironment
from synthax.envs.synthetic_bandit import SyntheticContextualBandit

from .io import CheckpointError


def _reconstruct_array(fun, args, arr_state, aval_state):
    """JAX's `_reconstruct_array`, minus the abstract value (`named_shape` breaks new JAX)."""
    del aval_state
    array = fun(*args)
    array.__setstate__(arr_state)
    return np.asarray(array)


def _numpy_reconstruct(subtype, shape, dtype):
    """NumPy's pickle reconstructor for `ndarray` (an empty array, filled by `__setstate__`)."""
    if subtype is not np.ndarray:
        raise CheckpointError(f"refusing to reconstruct {subtype!r}")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


_ALLOWED = {
    ("flax.core.frozen_dict", "FrozenDict"): dict,
    ("jax._src.array", "_reconstruct_array"): _reconstruct_array,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise CheckpointError(
                f"refusing to load global {module}.{name}: only array data is read "
                f"(allowed: {sorted('.'.join(k) for k in _ALLOWED)})"
            ) from None


def read_params(path: str | os.PathLike) -> dict[str, Any]:
    """The parameters in a synthetic-gymnax `checkpoint.pkl`, as nested dicts of NumPy arrays.

    **Raises:** `CheckpointError` if the file names any global other than the array
    reconstructors listed in the module docstring (nothing from it is executed then).
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        return _DataUnpickler(io.BytesIO(data)).load()
    except CheckpointError:
        raise
    except Exception as error:
        raise CheckpointError(f"{path}: not a synthetic-gymnax checkpoint ({error})") from None


def _dense_chain(net: eqx.nn.MLP, layers: dict[str, Any]) -> eqx.nn.MLP:
    names = sorted(layers, key=lambda n: int(n.split("_")[-1]))
    if len(names) != len(net.layers):
        raise CheckpointError(f"expected {len(net.layers)} dense layers, found {names}")
    for i, name in enumerate(names):
        kernel = jnp.asarray(layers[name]["kernel"], jnp.float32).T
        bias = jnp.asarray(layers[name]["bias"], jnp.float32)
        layer = net.layers[i]
        if kernel.shape != layer.weight.shape or bias.shape != layer.bias.shape:
            raise CheckpointError(
                f"layer {name}: kernel {kernel.shape[::-1]} / bias {bias.shape} do not fit "
                f"a layer of weight {layer.weight.shape}"
            )
        net = eqx.tree_at(lambda m, i=i: (m.layers[i].weight, m.layers[i].bias), net,
                          (kernel, bias))
    return net


def import_synthetic_gymnax(
    path: str | os.PathLike, real_env: AbstractEnvironment
) -> SyntheticContextualBandit:
    """A synthetic-gymnax checkpoint as a synthetic contextual bandit for `real_env`.

    The bandit takes `real_env`'s spaces and the checkpoint's weights, with
    `bound_observations=False` (see the module docstring).

    **Raises:** `CheckpointError` for unsafe or malformed files, or networks whose sizes do
    not fit `real_env`.
    """
    params = read_params(path)
    try:
        nets = params["params"]
        init_layers, reward_layers = nets["initial_state"], nets["reward"]
        hidden = int(np.shape(init_layers["Dense_0"]["bias"])[0])
        latent = int(np.shape(init_layers["Dense_0"]["kernel"])[0])
    except (KeyError, TypeError, IndexError) as error:
        raise CheckpointError(f"{path}: unexpected parameter layout ({error!r})") from None
    env = SyntheticContextualBandit.for_environment(
        real_env, hidden_size=hidden, latent_dim=latent,
        bound_observations=False, key=jax.random.PRNGKey(0),
    )
    env = eqx.tree_at(lambda e: e.init_net, env, _dense_chain(env.init_net, init_layers))
    return eqx.tree_at(lambda e: e.reward_net, env, _dense_chain(env.reward_net, reward_layers))


WHEEL_FOLDERS: dict[str, str] = {
    "CartPole-v1": "cartpole",
    "Acrobot-v1": "acrobot",
    "MountainCar-v0": "mountaincar",
    "MountainCarContinuous-v0": "continuous_mountaincar",
    "Pendulum-v1": "pendulum",
    "halfcheetah": "halfcheetah",
    "hopper": "hopper",
    "humanoidstandup": "humanoidstandup",
    "swimmer": "swimmer",
    "walker2d": "walker2d",
}
"""The folder of each checkpoint inside synthetic-gymnax 0.0.1's wheel: five classic-control
environments (gymnax ids) and five Brax ones (synthax's Brax ids, `synthax[brax]`)."""


def import_from_wheel(
    wheel: str | os.PathLike, real_env: AbstractEnvironment, env_id: str
) -> SyntheticContextualBandit:
    """The synthetic-gymnax environment for `env_id`, read from its wheel (a zip file) as data.

    Get the wheel with `pip download --no-deps synthetic-gymnax==0.0.1 -d DIR`; the package is
    neither installed nor imported.

    **Raises:** `KeyError` for an `env_id` the wheel has no checkpoint for (listing those it
    has); `CheckpointError` for a file that is not a wheel (zip), or as
    [`import_synthetic_gymnax`][synthax.checkpoints.import_synthetic_gymnax].
    """
    if env_id not in WHEEL_FOLDERS:
        raise KeyError(f"synthetic-gymnax has no checkpoint for {env_id!r}; it has "
                       f"{sorted(WHEEL_FOLDERS)}")
    member = f"synthetic_gymnax/checkpoints/{WHEEL_FOLDERS[env_id]}/checkpoint.pkl"
    if not zipfile.is_zipfile(wheel):
        raise CheckpointError(f"{wheel} is not a wheel (not a zip file); get synthetic-gymnax's "
                              "with pip download --no-deps synthetic-gymnax==0.0.1")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as archive:
        try:
            path = archive.extract(member, tmp)
        except KeyError:
            raise CheckpointError(f"{wheel} has no {member}") from None
        return import_synthetic_gymnax(path, real_env)
