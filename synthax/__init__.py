"""synthax: meta-learned synthetic reinforcement-learning environments in JAX and Equinox.

`import synthax` registers the shipped synthetic environments with synthax and gymnax
(`synthax.envs.register`, `gymnax.register`), so `gymnax.make("Synthetic-CartPole-v1")` works in
any gymnax code. It changes nothing else: JAX's configuration and devices stay as the caller set
them. To spread a population over the cores of
a CPU, set `jax.config.update("jax_num_cpu_devices", n)` before importing synthax, or call
`synthax.parallel.restart_with_cpu_devices()` first (the `synthax` command does; see
`synthax.parallel`).
"""

from . import parallel as parallel
from ._version import __version__ as __version__  # the version hatch writes into the metadata
from .agents import PPO as PPO, Policy as Policy, make_agent as make_agent
from .checkpoints import load_environment as load_environment, save_environment as save_environment
from .checkpoints.shipped import register_shipped as _register_shipped
from .envs import (
    AbstractEnvironment as AbstractEnvironment,
    GymnaxEnvironment as GymnaxEnvironment,
    SyntheticContextualBandit as SyntheticContextualBandit,
    ToGymnax as ToGymnax,
    list_envs as list_envs,
    make as make,
)
from .evaluation import EvalResult as EvalResult, evaluate as evaluate
from .meta import MetaLearnConfig as MetaLearnConfig, MetaLearner as MetaLearner

_register_shipped()
