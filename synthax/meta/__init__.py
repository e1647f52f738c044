"""Meta-learning: fitness of synthetic environments and the evolution-strategy outer loop."""

from .config import PRESETS as PRESETS, MetaLearnConfig as MetaLearnConfig
from .fitness import fitness as fitness, train_and_evaluate as train_and_evaluate
from .learner import (
    MetaLearner as MetaLearner,
    MetaState as MetaState,
    distribution_strategies as distribution_strategies,
)
