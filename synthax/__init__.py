"""synthax: meta-learned synthetic reinforcement-learning environments in JAX and Equinox.

`import synthax` registers the shipped synthetic environments with gymnax, so
`gymnax.make("Synthetic-CartPole-v1")` works in any gymnax code.
"""

from ._version import __version__ as __version__
from .agents import PPO as PPO
from .agents import Policy as Policy
from .agents import make_agent as make_agent
from .checkpoints import load_environment as load_environment
from .checkpoints import save_environment as save_environment
from .envs import (
    AbstractEnvironment as AbstractEnvironment,
)
from .envs import (
    GymnaxEnvironment as GymnaxEnvironment,
)
from .envs import (
    SyntheticContextualBandit as SyntheticContextualBandit,
)
from .envs import (
    ToGymnax as ToGymnax,
)
from .envs import (
    list_envs as list_envs,
)
from .envs import (
    make as make,
)
from .envs.gymnax_registration import register_with_gymnax as _register_with_gymnax
from .evaluation import EvalResult as EvalResult
from .evaluation import evaluate as evaluate
from .meta import MetaLearnConfig as MetaLearnConfig
from .meta import MetaLearner as MetaLearner

_register_with_gymnax()
