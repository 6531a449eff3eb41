"""The Pareto front of a multi-objective search: the trials no other trial beats on every objective.

Plain Python, used both by the search (on KerasTuner's trials) and by
``automl leaderboard`` (on the MLflow store's runs).
"""

from __future__ import annotations

import math
from typing import Hashable, Sequence


def dominates(a: Sequence[float], b: Sequence[float], directions: Sequence[str]) -> bool:
    """Whether ``a`` is at least as good as ``b`` on every objective and better on one."""
    signed = [(x if d == "max" else -x, y if d == "max" else -y) for x, y, d in zip(a, b, directions)]
    return all(x >= y for x, y in signed) and any(x > y for x, y in signed)


def pareto_front(points: dict[Hashable, Sequence[float]], directions: Sequence[str]) -> list[Hashable]:
    """The keys of the non-dominated points, in the order given.

    Points with a missing or non-finite value are never on the front; equal
    points are all on it.
    """
    valid = {k: v for k, v in points.items()
             if len(v) == len(directions) and all(x is not None and math.isfinite(x) for x in v)}
    return [k for k, v in valid.items()
            if not any(dominates(other, v, directions) for j, other in valid.items() if j != k)]
