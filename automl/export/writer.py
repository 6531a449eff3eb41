"""Write an export folder: the serving SavedModel, the other formats asked for, the model card.

Everything is written into a hidden temporary folder and renamed into place,
so a failed export (a full disk, a layer a converter refuses) leaves no half
model and never replaces an earlier export. The temporary folder's name
carries the writing process's id: one left behind by a process that was
killed is removed by the next export of the same experiment.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any, Sequence

from automl.errors import AutoMLError, ExportError, first_line
from automl.faults import checkpoint
from automl.spec.names import inside
from automl.export.card import write_card
from automl.export.formats import ExportFacts, refuse_layers
from automl.plugins.formats import FORMATS, default_formats, require_extras

DEFAULT_FORMATS = default_formats()


def export_model(model, root: Path, experiment: str, card: dict, formats: Sequence[str] = DEFAULT_FORMATS,
                 task: str | None = None, class_names: Sequence[str] = ()) -> Path:
    """Exports ``model`` under ``root/<experiment>/<timestamp>/``.

    Args:
        model: The trained Keras model (preprocessing inside, no augmentation).
        root: The exports folder (``--export-dir`` / ``--out``).
        experiment: The experiment name (one folder per experiment).
        card: Facts for the model card: dataset, metrics, hyperparameters...
        formats: Names in the formats catalog; the SavedModel is always written (the others convert from it).
        task: The task, for the named outputs (default: the card's dataset task).
        class_names: Class names for the ``label`` output (default: the card's).

    Returns:
        The export folder.

    Raises:
        ExportError: A format failed or the folder could not be written; nothing was left behind.
    """
    wanted = ["saved_model", *[f for f in formats if f != "saved_model"]]
    plugins = [FORMATS.get(name) for name in wanted]
    require_extras(wanted)
    if hasattr(model, "card_facts"):  # a generator: what `automl generate` needs to draw and show its images
        card = {**card, "generation": model.card_facts()}
    dataset = card.get("dataset")
    task = task or (dataset.get("task") if isinstance(dataset, dict) else None) or "multiclass"
    class_names = tuple(class_names or card.get("class_names") or ())
    parent = inside(Path(root), experiment, "--experiment")
    final = _free_name(parent / time.strftime("%Y%m%d-%H%M%S"))
    tmp = parent / f"{TMP}{final.name}.pid{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale(parent)
        tmp.mkdir()
        facts = ExportFacts(task, class_names, tmp / "saved_model")
        for plugin in plugins:
            refuse_layers(model, plugin.name, plugin.refuses)
        for plugin in plugins:
            plugin.writer()(model, tmp, facts)
        write_card(tmp, {**card, **_signature_facts(tmp / "saved_model"),
                         "files": sorted(p.name for p in tmp.iterdir()) + ["model_card.json", "model_card.md"]})
        checkpoint("export.written")
        tmp.rename(final)
        checkpoint("export.renamed")
    except AutoMLError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as err:  # noqa: BLE001 - any failure must leave no half export
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"--export-dir: cannot export to {final}: {first_line(err)}") from None
    return final


def _signature_facts(path: Path) -> dict[str, Any]:
    """The serving signature's inputs and outputs (name: dtype and shape), for the card."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]
    describe = lambda spec: f"{spec.dtype.name} {list(spec.shape)}"  # noqa: E731
    return {"inputs": {k: describe(v) for k, v in serve.structured_input_signature[1].items()},
            "outputs": {k: describe(v) for k, v in serve.structured_outputs.items()}}


TMP = ".tmp-"


def remove_stale(parent: Path) -> list[Path]:
    """Removes the temporary folders in ``parent`` whose writing process is gone (killed mid-export).

    Returns:
        The folders removed.
    """
    stale = [p for p in parent.glob(f"{TMP}*") if p.is_dir() and not p.is_symlink() and not _alive(_owner(p))]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def _owner(folder: Path) -> int | None:
    """The process id a temporary folder's name ends with (None for a name without one)."""
    _, mark, last = folder.name.rpartition(".pid")
    return int(last) if mark and last.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False  # made before names carried the process: nobody writes it any more
    if pid == os.getpid():
        return False  # this process is not writing it now: a leftover of an earlier export
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _free_name(path: Path) -> Path:
    # Two exports in the same second get distinct folders.
    candidate, n = path, 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}-{n}"), n + 1
    return candidate
