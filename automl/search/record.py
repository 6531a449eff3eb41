"""What the cross-validation weighed, saved for `benchmarks/selection_replay.py` to try other selection rules on.

Set ``AUTOML_RECORD_CANDIDATES`` to a file path and a search that chooses by
cross-validation writes there (NumPy ``.npz``): each candidate's out-of-fold
predictions and the targets they were scored against (``held``, ``y``, in the
units the selection scores), the selection loss's name, and each candidate's
predictions on the test rows as its bagged export would give them (the mean of
its fold models; ``test``, ``y_test``). A benchmark then replays any selection
rule on the same candidates in seconds instead of rerunning the searches; a
search never reads the file, and one it cannot write is a warning, not a failed
search. Off unless the variable is set.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from automl.search.folds import predictions

ENV = "AUTOML_RECORD_CANDIDATES"


def record(ids: list[str], held: list[np.ndarray], y: np.ndarray, loss: str, bags: list[list], data,
           std: np.ndarray | None) -> Path | None:
    """Writes the candidates to ``$AUTOML_RECORD_CANDIDATES`` when it is set; returns the path written.

    Args:
        ids: The candidates' ids (trial ids, ``linear``, ``kernel``), in ``held``'s order.
        held: Each candidate's out-of-fold predictions on the training and validation rows.
        y: Those rows' targets, as the selection scores them.
        loss: The selection loss's name (a key of `automl.search.selection.LOSSES`).
        bags: Each candidate's fold models.
        data: The dataset; its test rows are predicted (only here, never to choose).
        std: Regression: the per-target scale ``held`` and ``y`` were divided by (test predictions are in
            the original units); None otherwise.
    """
    path = os.environ.get(ENV)
    if not path:
        return None
    test = [np.mean([np.asarray(predictions(m, data.x_test), "float64") for m in bag], axis=0) for bag in bags]
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # np.savez would add ".npz" to a name without it
            np.savez(f, ids=np.array(ids), held=np.stack(held), y=np.asarray(y), loss=np.array(loss),
                     test=np.stack(test), y_test=np.asarray(data.y_test),
                     std=np.asarray(1.0 if std is None else std, "float64"))
    except OSError as err:  # a benchmark's side file: the search and its export go on without it
        warnings.warn(f"{ENV}={path}: expected a writable file path, received {err.strerror or err}", stacklevel=2)
        return None
    return Path(path)
