"""Evaluation: rollouts in real environments and summary statistics."""

from .rollout import EvalResult as EvalResult, evaluate as evaluate
