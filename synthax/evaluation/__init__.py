"""Evaluation: rollouts in real environments and interval statistics over runs."""

from .rollout import EvalResult as EvalResult, evaluate as evaluate
from .statistics import iqm as iqm, iqm_interval as iqm_interval
