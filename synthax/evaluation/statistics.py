"""Interval statistics over runs: the interquartile mean with stratified-bootstrap intervals.

Agarwal et al. (2021), "Deep Reinforcement Learning at the Edge of the Statistical Precipice",
NeurIPS, arXiv:2108.13264: the IQM (the mean of the middle 50% of runs) with 95% stratified
bootstrap confidence intervals, computed with their library, rliable.
"""

import warnings

import numpy as np
from jaxtyping import Float


def iqm(scores: Float[np.ndarray, " runs"]) -> float:
    """The interquartile mean of `scores` (25% trimmed from each end; rliable's `aggregate_iqm`).

    **Raises:** `ValueError` for an empty or non-finite `scores`.
    """
    from rliable import metrics

    scores = _check(scores)
    return float(metrics.aggregate_iqm(scores[:, None]))


def iqm_interval(
    scores: Float[np.ndarray, " runs"],
    confidence: float = 0.95,
    reps: int = 10_000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """IQM of `scores` with a bootstrap confidence interval (rliable, stratified bootstrap).

    **Arguments:** `scores`, one value per run (float, `(runs,)`); `confidence` in (0, 1);
    `reps` bootstrap resamples; `seed` for the resampling (the result is deterministic).

    **Returns:** `(iqm, low, high)`.

    **Raises:** `ValueError` for empty or non-finite scores, `confidence` outside (0, 1) or
    `reps < 1`.
    """
    from rliable import library, metrics

    scores = _check(scores)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    # rliable 1.2's StratifiedBootstrap draws its resampling indices from NumPy's global
    # generator (whatever `random_state` says), so seed that for the call and restore it after.
    global_state = np.random.get_state()  # noqa: NPY002 (rliable uses the legacy generator)
    np.random.seed(seed)  # noqa: NPY002
    try:
        with warnings.catch_warnings():
            # arch (under rliable) deprecates the `random_state` argument rliable passes on.
            warnings.simplefilter("ignore", FutureWarning)
            point, interval = library.get_interval_estimates(
                {"x": scores[:, None]},
                lambda s: np.array([metrics.aggregate_iqm(s)]),
                reps=reps,
                confidence_interval_size=confidence,
                random_state=np.random.RandomState(seed),
            )
    finally:
        np.random.set_state(global_state)  # noqa: NPY002
    return float(point["x"][0]), float(interval["x"][0, 0]), float(interval["x"][1, 0])


def _check(scores) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if scores.size == 0:
        raise ValueError("scores is empty; need at least one run")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be finite, got {scores}")
    return scores
