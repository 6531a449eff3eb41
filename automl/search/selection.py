"""Greedy ensemble selection with replacement (Caruana et al., 2004), on held-out predictions.

Plain NumPy: the members' predictions on rows none of them trained on go in, a
weight per member comes out. Each step adds the member (again, if it is
already in) whose addition makes the average's loss smallest; the ensemble
kept is the best one seen over the steps, so it is never worse on those rows
than the best single member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

EPS = 1e-7


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of class probabilities ``p`` (rows, classes) against class ids ``y``."""
    rows = np.arange(len(y))
    return float(-np.mean(np.log(np.clip(p[rows, y.astype(int).ravel()], EPS, 1.0))))


def binary_log_loss(p: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities ``p`` against 0/1 targets of the same shape (or one column)."""
    p = np.clip(p.reshape(len(y), -1), EPS, 1 - EPS)
    y = y.reshape(len(y), -1).astype("float64")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def squared_error(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error, one or more targets per row."""
    return float(np.mean((p.reshape(len(y), -1) - y.reshape(len(y), -1)) ** 2))


LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "log_loss": log_loss, "binary_log_loss": binary_log_loss, "squared_error": squared_error}


@dataclass(frozen=True)
class Selection:
    """The selected ensemble.

    Attributes:
        weights: One per candidate, in the candidates' order, summing to 1 (0: left out).
        loss: The ensemble's loss on the held-out rows.
        single_loss: The best single candidate's loss on the same rows.
        best_single: That candidate's index.
    """

    weights: tuple[float, ...]
    loss: float
    single_loss: float
    best_single: int

    @property
    def members(self) -> list[int]:
        """The indices of the candidates with a weight."""
        return [i for i, w in enumerate(self.weights) if w > 0]


def select(predictions: Sequence[np.ndarray], y: np.ndarray, loss: str, size: int) -> Selection:
    """Caruana's greedy selection with replacement over ``size`` steps.

    Args:
        predictions: Each candidate's predictions on the held-out rows, all of one shape.
        y: The held-out rows' targets.
        loss: A name in `LOSSES`.
        size: The number of steps (picks); the weights are multiples of ``1 / picks``.

    Returns:
        The weights of the best ensemble seen over the steps (ties: the earlier, smaller one).

    Raises:
        ValueError: No candidates, predictions of different shapes, an unknown loss or ``size < 1``.
    """
    if not predictions:
        raise ValueError("ensemble: expected at least one candidate, received none")
    shapes = {np.shape(p) for p in predictions}
    if len(shapes) != 1:
        raise ValueError(f"ensemble: expected predictions of one shape, received {sorted(shapes)}")
    if loss not in LOSSES or size < 1:
        raise ValueError(f"ensemble: expected a loss in {sorted(LOSSES)} and size >= 1, received {loss!r}, {size}")
    score = LOSSES[loss]
    stack = np.stack([np.asarray(p, "float64") for p in predictions])
    singles = [score(p, y) for p in stack]
    counts = np.zeros(len(stack), int)
    total = np.zeros_like(stack[0])
    best_counts, best_loss = None, np.inf
    for step in range(1, size + 1):
        trial_losses = [score((total + p) / step, y) for p in stack]
        pick = int(np.argmin(trial_losses))  # the first of equals: candidates come best first
        counts[pick] += 1
        total += stack[pick]
        if trial_losses[pick] < best_loss - 1e-12:
            best_counts, best_loss = counts.copy(), trial_losses[pick]
    weights = tuple(float(c) for c in best_counts / best_counts.sum())
    best_single = int(np.argmin(singles))
    return Selection(weights, float(best_loss), float(singles[best_single]), best_single)
