"""Adapter from a Brax environment to the synthax interface (the optional extra `synthax[brax]`).

Brax (Freeman et al. 2021, https://github.com/google/brax) ships the MuJoCo-style locomotion tasks
that synthetic-gymnax meta-learns synthetic environments for: hopper, walker2d, halfcheetah,
swimmer and humanoidstandup. The adapter wraps brax's *unwrapped* environment (no
`EpisodeWrapper`, no `AutoResetWrapper`) and keeps the time limit itself, so that:

- `terminated` is brax's `done` (hopper and walker2d fall; the other three never terminate), and
  `truncated` is set when the time limit (1,000 steps by default) is reached without termination;
- every reset draws new randomness (brax's `AutoResetWrapper` restarts from the cached first
  state) and `info["final_observation"]` is the real last observation (the wrapper overwrites it).

brax is imported only when a Brax environment is built; without it, building one raises an
`ImportError` that names the extra.
"""

import contextlib
import functools
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from gymnax.environments import spaces
from jaxtyping import Array, Int, PRNGKeyArray

from ._spaces import box
from .base import AbstractEnvironment, Observation, StepResult

EXTRA = "pip install 'synthax[brax]'"

BRAX_ENVS: tuple[str, ...] = ("halfcheetah", "hopper", "humanoidstandup", "swimmer", "walker2d")
"""The five Brax tasks of synthetic-gymnax, available by these ids (and as `brax/<name>`)."""

BRAX_PREFIX = "brax/"
"""`make("brax/<name>")` builds any environment in brax's registry (`brax.envs._envs`)."""

DEFAULT_BACKENDS: dict[str, str] = {
    "halfcheetah": "spring",
    "hopper": "spring",
    "humanoidstandup": "positional",
    "swimmer": "generalized",
    "walker2d": "spring",
}
"""The physics backend each of the five uses unless one is asked for: the fastest on a CPU in a
vmapped scan of 1,000 steps at batch 16 and 256 (`benchmarks/brax_backends.py`; swimmer supports
only `generalized`, humanoidstandup not `spring`). Other environments use brax's own default,
`generalized`. A different backend is different dynamics: returns are comparable only within one
backend."""

DEFAULT_TIME_LIMIT = 1000


class MissingExtraError(ImportError):
    """An optional dependency of synthax is not installed; the message names the extra that
    installs it (`pip install 'synthax[brax]'`). The `synthax` command reports it in one line
    and exits with status 2."""


def import_brax_envs() -> Any:
    """`brax.envs`.

    **Raises:** [`MissingExtraError`][synthax.envs.MissingExtraError] (an `ImportError`) naming
    the extra to install when brax cannot be imported.
    """
    try:
        import brax.envs
    except ImportError as error:
        raise MissingExtraError(
            f"Brax environments need the optional extra: {EXTRA} (importing brax failed: "
            f"{error})"
        ) from None
    return brax.envs


def brax_names() -> list[str]:
    """Every name in brax's environment registry (brax must be installed)."""
    return sorted(import_brax_envs()._envs)


@functools.cache
def _brax_env(name: str, backend: str, kwargs: tuple[tuple[str, Any], ...]) -> Any:
    """One brax environment object per `(name, backend, kwargs)`, so that two `make` calls give
    equal static fields and share their compiled functions."""
    return import_brax_envs().get_environment(name, backend=backend, **dict(kwargs))


class _ClipCompat:
    """`jax.numpy` as brax 0.12-0.14's fluid model needs it: `clip(x, a_min=...)` (removed from
    current JAX in favour of `min`/`max`) is mapped to `clip(x, min=...)`."""

    def __init__(self, numpy: Any):
        self._numpy = numpy

    def __getattr__(self, name: str) -> Any:
        return getattr(self._numpy, name)

    def clip(self, x, a_min=None, a_max=None, **kwargs):
        kwargs.setdefault("min", a_min)
        kwargs.setdefault("max", a_max)
        return self._numpy.clip(x, **kwargs)


def _clip_needs_compat() -> bool:
    try:
        jnp.clip(jnp.zeros(()), a_min=0.0)
    except TypeError:
        return True
    return False


@contextlib.contextmanager
def _fluid_compat(env: Any):
    """While tracing a step of an environment with a fluid model (swimmer), let brax's
    `brax.fluid` call `clip` the old way; the module is restored on exit. Nothing changes for
    other environments, or when JAX still accepts `a_min`."""
    sys = getattr(env, "sys", None)
    if not getattr(sys, "enable_fluid", False) or not _clip_needs_compat():
        yield
        return
    from brax import fluid

    original = fluid.jp
    fluid.jp = _ClipCompat(original)
    try:
        yield
    finally:
        fluid.jp = original


class BraxState(eqx.Module):
    """State of a [`BraxEnvironment`][synthax.envs.BraxEnvironment]: brax's `State` and the
    steps taken in this episode (int32)."""

    inner: Any
    time: Int[Array, ""]


class BraxEnvironment(AbstractEnvironment):
    """A Brax environment seen through the synthax interface.

    Build one with [`BraxEnvironment.create`][synthax.envs.BraxEnvironment.create] or
    `synthax.make("hopper")` / `synthax.make("brax/ant", backend="generalized")`.

    **Fields:** `env`, brax's unwrapped environment (static); `name`; `backend`;
    `observation_size` and `action_size` (ints); `time_limit`, the step at which episodes are
    truncated.

    **Spaces:** observations are float32 `(observation_size,)` in an unbounded `Box`; actions
    are float32 `(action_size,)` in `Box(-1, 1)`, and actions outside it are clipped before they
    reach brax (brax's actuators expect `[-1, 1]`).

    **Rewards:** brax's own reward per step (float32), undiscounted; a 1,000-step episode's
    return is the number synthetic-gymnax and brax report.
    """

    env: Any = eqx.field(static=True)
    name: str = eqx.field(static=True)
    backend: str = eqx.field(static=True)
    observation_size: int = eqx.field(static=True)
    action_size: int = eqx.field(static=True)
    time_limit: int = eqx.field(static=True, default=DEFAULT_TIME_LIMIT)

    def __check_init__(self):
        if self.time_limit < 1:
            raise ValueError(f"time_limit must be >= 1 step, got {self.time_limit}")

    @classmethod
    def create(
        cls, name: str, backend: str | None = None, time_limit: int = DEFAULT_TIME_LIMIT,
        **kwargs: Any,
    ) -> "BraxEnvironment":
        """Build brax's environment `name` (e.g. `"hopper"`).

        **Arguments:**

        - `name`: a name in brax's registry (`brax_names()`).
        - `backend`: `"generalized"`, `"positional"`, `"spring"` or `"mjx"`; default
          `DEFAULT_BACKENDS[name]`, else `"generalized"`.
        - `time_limit`: steps per episode before truncation (brax's `episode_length`).
        - `kwargs`: passed to the brax environment's constructor (hashable values).

        **Raises:** `ImportError` naming the extra when brax is not installed; `KeyError`
        listing brax's names for an unknown `name`; `ValueError` (from brax) for a backend the
        environment does not support, or `time_limit < 1`.
        """
        envs = import_brax_envs()
        if name not in envs._envs:
            raise KeyError(f"unknown Brax environment {name!r}; brax has {sorted(envs._envs)}")
        backend = backend or DEFAULT_BACKENDS.get(name, "generalized")
        env = _brax_env(name, backend, tuple(sorted(kwargs.items())))
        with _fluid_compat(env):
            reset = jax.eval_shape(env.reset, jax.random.PRNGKey(0))
        return cls(env=env, name=name, backend=backend,
                   observation_size=int(reset.obs.shape[-1]),
                   action_size=int(env.action_size), time_limit=int(time_limit))

    def reset(self, key: PRNGKeyArray) -> tuple[Observation, BraxState]:
        with _fluid_compat(self.env):
            state = self.env.reset(key)
        return jnp.asarray(state.obs, jnp.float32), BraxState(state, jnp.asarray(0, jnp.int32))

    def transition(self, key: PRNGKeyArray, state: BraxState, action: Array) -> StepResult:
        del key  # brax's dynamics are deterministic
        action = jnp.clip(jnp.reshape(jnp.asarray(action, jnp.float32), (self.action_size,)),
                          -1.0, 1.0)
        with _fluid_compat(self.env):
            inner = self.env.step(state.inner, action)
        time = state.time + 1
        terminated = jnp.asarray(inner.done > 0.5, bool)
        truncated = jnp.logical_and(time >= self.time_limit, jnp.logical_not(terminated))
        return (jnp.asarray(inner.obs, jnp.float32), BraxState(inner, time),
                jnp.asarray(inner.reward, jnp.float32), terminated, truncated, {})

    @property
    def observation_space(self) -> spaces.Box:
        inf = float("inf")
        return box((-inf,) * self.observation_size, (inf,) * self.observation_size)

    @property
    def action_space(self) -> spaces.Box:
        return box((-1.0,) * self.action_size, (1.0,) * self.action_size,
                   clip_to_float32=False)

    @property
    def max_steps_in_episode(self) -> int:
        return self.time_limit
