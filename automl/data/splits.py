"""Seeded, optionally stratified train / validation / test splits."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from automl.spec.schema import Splits


def take(x: Any, rows: np.ndarray) -> Any:
    """Rows of an array, or of every column of a dict of columns."""
    if isinstance(x, dict):
        return {name: column[rows] for name, column in x.items()}
    return x[rows]


def _stratified(labels: np.ndarray | None, fraction: float) -> np.ndarray | None:
    """The labels to stratify on, or None when the part is too small to hold every class twice over."""
    if labels is None:
        return None
    _, counts = np.unique(labels, return_counts=True)
    part = int(np.ceil(fraction * len(labels)))
    return labels if counts.min() >= 2 and min(part, len(labels) - part) >= len(counts) else None


def split_indices(y: np.ndarray, splits: Splits, classify: bool) -> tuple[np.ndarray, ...]:
    """Row indices of the train, validation and test parts.

    Args:
        y: Targets (for stratification).
        splits: Fractions (of the whole), stratification and seed.
        classify: Whether ``y`` holds class labels (stratification only applies then).
    """
    rows = np.arange(len(y))
    labels = y if (classify and splits.stratify and y.ndim == 1) else None
    rest, test = train_test_split(rows, test_size=splits.test, stratify=_stratified(labels, splits.test),
                                  random_state=splits.seed)
    labels = y[rest] if labels is not None else None
    fraction = splits.validation / (1.0 - splits.test)
    train, val = train_test_split(rest, test_size=fraction, stratify=_stratified(labels, fraction),
                                  random_state=splits.seed)
    return train, val, test


def split_in_order(n: int, splits: Splits) -> tuple[np.ndarray, ...]:
    """Row indices of train, validation and test parts taken in order (the test part last)."""
    n_test, n_val = max(1, round(n * splits.test)), max(1, round(n * splits.validation))
    rows = np.arange(n)
    return rows[:n - n_test - n_val], rows[n - n_test - n_val:n - n_test], rows[n - n_test:]


def split_three(x: Any, y: np.ndarray, splits: Splits, classify: bool) -> tuple:
    """Splits inputs and targets into ``(x_train, y_train, x_val, y_val, x_test, y_test)``."""
    parts = []
    for rows in split_indices(y, splits, classify):
        parts += [take(x, rows), y[rows]]
    return tuple(parts)


def split_two(y: np.ndarray, splits: Splits, classify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of train and validation parts, for sources that bring their own test split."""
    rows = np.arange(len(y))
    labels = y if (classify and splits.stratify and y.ndim == 1) else None
    train, val = train_test_split(rows, test_size=splits.validation,
                                  stratify=_stratified(labels, splits.validation), random_state=splits.seed)
    return train, val
