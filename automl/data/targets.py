"""Targets: class ids from labels of any type, and the task the targets imply."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.errors import DataError

MAX_INTEGER_CLASSES = 20


def encode_target(values: pd.DataFrame, where: str) -> tuple[np.ndarray, str, list[str]]:
    """Turns target column(s) into training targets.

    One column of strings, booleans or few distinct integers is a classification
    target (binary or multiclass); a numeric one is regression. Several 0/1
    columns are multi-label; several numeric ones are multi-output regression.

    Args:
        values: The target column(s).
        where: The file and key for error messages.

    Returns:
        ``(y, task, class_names)``.

    Raises:
        DataError: A single class, or non-numeric values in several target columns.
    """
    if values.shape[1] > 1:
        return _several(values, where)
    column = values.iloc[:, 0]
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    integral = numeric and np.all(np.equal(np.mod(column.to_numpy(dtype=float), 1), 0))
    if numeric and not (integral and column.nunique() <= MAX_INTEGER_CLASSES):
        return column.to_numpy(dtype="float32"), "regression", []
    classes = sorted(column.unique().tolist(), key=str)
    if len(classes) < 2:
        raise DataError(f"{where}: expected a target with at least 2 classes, received only {classes!r}")
    ids = column.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype="int32")
    return ids, "binary" if len(classes) == 2 else "multiclass", [str(c) for c in classes]


def _several(values: pd.DataFrame, where: str) -> tuple[np.ndarray, str, list[str]]:
    if not all(pd.api.types.is_numeric_dtype(values[c]) for c in values):
        bad = next(c for c in values if not pd.api.types.is_numeric_dtype(values[c]))
        raise DataError(f"{where}: expected numeric values in every target column, received text in {bad!r}")
    y = values.to_numpy(dtype="float32")
    if set(np.unique(y)) <= {0.0, 1.0}:
        return y, "multilabel", [str(c) for c in values.columns]
    return y, "regression", []
