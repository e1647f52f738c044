"""Evaluation: rollouts in real environments and interval statistics over runs."""

from .bandit_optimum import (
    bandit_candidate_actions as bandit_candidate_actions,
    optimal_bandit_policy as optimal_bandit_policy,
)
from .curves import (
    LearningCurve as LearningCurve,
    learning_curve as learning_curve,
    steps_to_solve as steps_to_solve,
)
from .rollout import EvalResult as EvalResult, evaluate as evaluate
from .statistics import iqm as iqm, iqm_interval as iqm_interval
