"""synthax: meta-learned synthetic reinforcement-learning environments in JAX and Equinox.

`import synthax` registers the shipped synthetic environments with gymnax, so
`gymnax.make("Synthetic-CartPole-v1")` works in any gymnax code. Imported before JAX starts, it
also asks JAX for one CPU device per core (`SYNTHAX_CPU_DEVICES=1` keeps one; see
`synthax.parallel`).
"""

# Before anything starts a JAX backend: one CPU device per core (see `synthax.parallel`).
from .parallel import configure_cpu_devices as _configure_cpu_devices

_configure_cpu_devices()

from ._version import __version__ as __version__
from .agents import PPO as PPO, Policy as Policy, make_agent as make_agent
from .checkpoints import load_environment as load_environment, save_environment as save_environment
from .envs import (
    AbstractEnvironment as AbstractEnvironment,
    GymnaxEnvironment as GymnaxEnvironment,
    SyntheticContextualBandit as SyntheticContextualBandit,
    ToGymnax as ToGymnax,
    list_envs as list_envs,
    make as make,
)
from .envs.gymnax_registration import register_with_gymnax as _register_with_gymnax
from .evaluation import EvalResult as EvalResult, evaluate as evaluate
from .meta import MetaLearnConfig as MetaLearnConfig, MetaLearner as MetaLearner

_register_with_gymnax()
