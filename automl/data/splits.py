"""Seeded, optionally stratified train / validation / test splits."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from automl.spec.schema import Splits


def split_three(x: np.ndarray, y: np.ndarray, splits: Splits, classify: bool) -> tuple:
    """Splits arrays into train, validation and test parts.

    Args:
        x: Inputs, one example per row.
        y: Targets.
        splits: Fractions (of the whole), stratification and seed.
        classify: Whether ``y`` holds class labels (stratification only applies then).

    Returns:
        ``(x_train, y_train, x_val, y_val, x_test, y_test)``.
    """
    stratify = y if (classify and splits.stratify) else None
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=splits.test, stratify=stratify, random_state=splits.seed)
    val_of_rest = splits.validation / (1.0 - splits.test)
    stratify = y_rest if (classify and splits.stratify) else None
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val_of_rest, stratify=stratify, random_state=splits.seed)
    return x_train, y_train, x_val, y_val, x_test, y_test
