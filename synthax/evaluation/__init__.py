"""Evaluation: rollouts in real environments and summary statistics."""

from .rollout import EvalResult as EvalResult
from .rollout import evaluate as evaluate
