"""Which searched values mattered: a random forest's mean decrease in impurity over the trials.

A forest learns the objective from the trials' values; each value's importance
is the share of the forest's variance reduction made by splits on it (what
Optuna's ``MeanDecreaseImpurityImportanceEvaluator`` reports). Trees need no
scaling and split categories by their codes; a value a trial lacks (a
conditional one, such as ``units_3`` with 2 layers) is coded -1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

METHOD = ("mean decrease in impurity of a random forest (scikit-learn, 256 trees) fitted to predict the "
          "objective from the searched values; categories as codes, values a trial lacks as -1")
MIN_TRIALS = 4  # fewer: nothing to learn from


def importances(rows: list[dict[str, Any]], scores: list[float], names: list[str], seed: int = 0) -> dict[str, float]:
    """Each name's importance (they sum to 1), most important first; empty with too few trials or no spread.

    Args:
        rows: Each trial's values by name.
        scores: Each trial's objective.
        names: The values to weigh (those that vary).
        seed: The forest's seed.
    """
    from sklearn.ensemble import RandomForestRegressor

    y = np.asarray(scores, dtype=float)
    if len(rows) < MIN_TRIALS or not names or float(np.ptp(y)) == 0.0:
        return {}
    x = np.column_stack([_encode([row.get(n) for row in rows]) for n in names])
    forest = RandomForestRegressor(n_estimators=256, min_samples_leaf=1, random_state=seed).fit(x, y)
    weights = forest.feature_importances_
    total = float(weights.sum()) or 1.0
    ranked = sorted(zip(names, weights / total), key=lambda p: -p[1])
    return {n: float(w) for n, w in ranked}


def _encode(values: list[Any]) -> np.ndarray:
    """Numbers as they are (a tree splits on order alone, so no scaling), anything else as codes in sorted
    order; absent values -1."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in present):
        return np.array([-1.0 if v is None else float(v) for v in values])
    codes = {c: i for i, c in enumerate(sorted({repr(v) for v in present}))}
    return np.array([-1.0 if v is None else float(codes[repr(v)]) for v in values])
