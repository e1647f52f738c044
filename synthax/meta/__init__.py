"""Meta-learning: fitness of synthetic environments and the evolution-strategy outer loop."""

from .compare import (
    compare_environments as compare_environments,
    default_algorithms as default_algorithms,
    hyperparameter_draws as hyperparameter_draws,
    interval_cell as interval_cell,
    markdown_table as markdown_table,
    write_results as write_results,
)
from .config import (
    PRESETS as PRESETS,
    ConfigError as ConfigError,
    MetaLearnConfig as MetaLearnConfig,
)
from .curriculum import HorizonSchedule as HorizonSchedule
from .fitness import (
    AreaUnderCurve as AreaUnderCurve,
    FinalReturn as FinalReturn,
    OptimalPolicyReturn as OptimalPolicyReturn,
    StepsToSolve as StepsToSolve,
    TrueCriticReturn as TrueCriticReturn,
    WeightedSum as WeightedSum,
    train_and_evaluate as train_and_evaluate,
)
from .inner_loop import InnerLoop as InnerLoop, with_hyperparameters as with_hyperparameters
from .learner import (
    MetaLearner as MetaLearner,
    MetaState as MetaState,
    distribution_strategies as distribution_strategies,
)
from .shaping import centered_ranks_with_ties as centered_ranks_with_ties
