"""Write the best model as a SavedModel (raw inputs in), a .keras file and a model card.

Written into a hidden temporary folder and renamed into place, so a failed
export leaves no half model and never replaces an earlier one.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from automl.errors import ExportError


def export_model(model, root: Path, experiment: str, card: dict) -> Path:
    """Exports ``model`` under ``root/<experiment>/<timestamp>/``.

    Args:
        model: The trained Keras model (preprocessing inside, no augmentation).
        root: The exports folder (``--export-dir``).
        experiment: The experiment name (one folder per experiment).
        card: Facts for ``model_card.json``: dataset, task, classes, metrics...

    Returns:
        The folder holding ``saved_model/``, ``model.keras`` and ``model_card.json``.

    Raises:
        ExportError: The model could not be written; nothing was left behind.
    """
    parent = Path(root) / experiment
    stamp = time.strftime("%Y%m%d-%H%M%S")
    final = _free_name(parent / stamp)
    tmp = parent / f".tmp-{final.name}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        model.export(str(tmp / "saved_model"), format="tf_saved_model", verbose=False)
        model.save(tmp / "model.keras")
        (tmp / "model_card.json").write_text(json.dumps(card, indent=2, default=str))
        tmp.rename(final)
    except Exception as err:  # noqa: BLE001 - any failure must leave no half export
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"--export-dir: cannot export to {final}: {str(err).splitlines()[0]}") from None
    return final


def _free_name(path: Path) -> Path:
    # Two exports in the same second get distinct folders.
    candidate, n = path, 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}-{n}"), n + 1
    return candidate
