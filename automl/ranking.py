"""Trials best first: the one order the end-of-search summary, its Pareto rows and ``automl leaderboard`` share.

Plain Python, like `automl.pareto`, so the search (on KerasTuner's trials) and
the store's reader (on MLflow's runs) rank with the same rule.
"""

from __future__ import annotations

import math
from typing import Any, Sequence


def best_first(values: Sequence[Any], direction: str) -> list[int]:
    """Positions of ``values``, best first.

    Values are ordered by ``direction`` (``max`` or ``min``); equal values keep
    the order given (give trials in the order they ran, as KerasTuner ranks
    them); missing or non-finite values come last, in the order given.
    """
    def score(i: int) -> float | None:
        value = values[i]
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None

    scored = [i for i in range(len(values)) if score(i) is not None]
    unscored = [i for i in range(len(values)) if score(i) is None]
    # sorted() is stable, with reverse too: ties keep their order.
    return sorted(scored, key=score, reverse=direction == "max") + unscored
