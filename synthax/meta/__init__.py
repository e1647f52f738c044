"""Meta-learning: fitness of synthetic environments and the evolution-strategy outer loop."""

from .config import PRESETS as PRESETS
from .config import MetaLearnConfig as MetaLearnConfig
from .fitness import fitness as fitness
from .fitness import train_and_evaluate as train_and_evaluate
from .learner import (
    MetaLearner as MetaLearner,
)
from .learner import (
    MetaState as MetaState,
)
from .learner import (
    distribution_strategies as distribution_strategies,
)
