"""Out-of-fold predictions of trials' configurations: k-fold cross-validation on small data.

A search picks its best trial on one validation split; on a table of a few
hundred rows that split is some dozens of rows, and the pick among the top
trials is mostly noise. Here each of the best trials' configurations is
trained again on k-1 folds of the training and validation rows together, for
the epoch count its trial chose, and predicts the fold left out: every row
gets a prediction from a model that never saw it. Those predictions rank the
candidates and weigh the ensemble (`automl.search.final`) on all the rows
instead of the validation split alone.

Each fold's model is built with the statistics of its own training rows
(normalization, target scale), as a trial is with the training split's, so
nothing of the held-out fold leaks into its prediction.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import keras
import numpy as np

from automl.builders import InputSpec, augmenter, build_model, family_values, prepare_targets
from automl.data.feed import to_dataset
from automl.data.splits import take
from automl.training import fit_epochs


def fold_of_rows(y: np.ndarray, folds: int, seed: int, stratify: bool) -> np.ndarray:
    """Each row's fold, ``0 .. folds-1``, shuffled by ``seed``; with ``stratify`` every class is dealt out
    across the folds in turn, so each fold holds about its share of every class.

    Raises:
        ValueError: Fewer rows than folds, or fewer than two folds.
    """
    if folds < 2 or len(y) < folds:
        raise ValueError(f"cross-validation: expected at least 2 folds and as many rows, received {folds} folds "
                         f"for {len(y)} rows")
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), int)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    start = 0
    for rows in groups:
        rows = rng.permutation(rows)
        # Continue the deal where the last class left off, so small classes do not all start in fold 0.
        fold[rows] = (start + np.arange(len(rows))) % folds
        start = (start + len(rows)) % folds
    return fold


def stratifies(task: str, y: np.ndarray) -> bool:
    """Whether folds keep the class shares: single-label classification (a class id per row)."""
    return task in ("multiclass", "binary") and np.asarray(y).ndim == 1


def out_of_fold(values: dict, merged, fold: np.ndarray, epochs: int, seed: int,
                name: str | None = None) -> tuple[np.ndarray, list]:
    """One configuration's predictions on every row of ``merged``'s training split, each from the model
    trained on the other folds.

    Args:
        values: The trial's values.
        merged: The data with its validation rows in the training split.
        fold: Each row's fold (`fold_of_rows`).
        epochs: Epochs each fold's model trains for (its trial's best epoch count).
        seed: Seeds each fold's initial weights and the shuffling of its training (plus the fold's number).
        name: Names the fold models ``<name>_fold<k>`` (distinct names let them average in one model).

    Returns:
        The predictions, one row per row of ``merged``, and the fold models.
    """
    own = family_values(values)

    def trained(k: int, part) -> keras.Model:
        spec = InputSpec.from_bundle(part)
        # Its initial weights too, as a trial's are: the same search chooses the same way when resumed.
        keras.utils.set_random_seed(seed + k)
        model = build_model(values, spec, epochs, name=None if name is None else f"{name}_fold{k}")
        fit_epochs(model, part, values["batch_size"], epochs, targets=lambda y: prepare_targets(own, spec, y),
                   seed=seed + k, augment=augmenter(own, spec))
        return model

    return each_fold(merged, fold, trained)


def each_fold(merged, fold: np.ndarray, fitted: Callable[[int, Any], keras.Model]) -> tuple[np.ndarray, list]:
    """Every row of ``merged``'s training split predicted by the model ``fitted(k, part)`` makes from the
    other folds (``part``: ``merged`` with only their rows in its training split), and those models."""
    held, models = None, []
    for k in range(int(fold.max()) + 1):
        train, out = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        model = fitted(k, replace(merged, x_train=take(merged.x_train, train), y_train=merged.y_train[train]))
        p = np.asarray(predictions(model, take(merged.x_train, out)))
        if held is None:
            held = np.zeros((len(merged.y_train),) + p.shape[1:], p.dtype)
        held[out] = p
        models.append(model)
    return held, models


def predictions(model, x, batch: int = 256) -> np.ndarray:
    """A model's outputs on rows ``x`` (what a trial's validation predictions are)."""
    return model.predict(to_dataset(x, None, batch), verbose=0)
