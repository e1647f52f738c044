"""Environments: the interface, adapters to and from gymnax, and synthetic environments."""

from .base import AbstractEnvironment as AbstractEnvironment
from .brax_env import (
    BraxEnvironment as BraxEnvironment,
    BraxState as BraxState,
    MissingExtraError as MissingExtraError,
)
from .cliff_walking import CliffWalking as CliffWalking, CliffWalkingState as CliffWalkingState
from .curiosity import Curiosity as Curiosity, CuriosityState as CuriosityState
from .gymnax_env import GymnaxEnvironment as GymnaxEnvironment
from .registry import (
    brax_name as brax_name,
    list_envs as list_envs,
    make as make,
    real_env_id as real_env_id,
    register as register,
)
from .reward_network import (
    RewardNetwork as RewardNetwork,
    RewardNetworkState as RewardNetworkState,
)
from .synthetic_bandit import (
    BanditState as BanditState,
    SyntheticContextualBandit as SyntheticContextualBandit,
)
from .synthetic_mdp import MDPState as MDPState, SyntheticMDP as SyntheticMDP
from .time_limit import (
    TimeLimit as TimeLimit,
    TimeLimitState as TimeLimitState,
    with_max_steps as with_max_steps,
)
from .to_gymnax import SynthaxEnvParams as SynthaxEnvParams, ToGymnax as ToGymnax
