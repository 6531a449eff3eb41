"""The writers of the export formats: each writes one artifact of the model into the export folder.

Each format is a plug-in in `automl.plugins.formats` that names its writer here
(or anywhere else); a writer gets the model, the folder being written and the
export's facts, and returns the path it wrote. The layers a format cannot carry
and the extra it needs are the plug-in's to say: `automl.export.writer` checks
them before any writer runs.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import keras

from automl.errors import ExportError, first_line

@dataclass(frozen=True)
class ExportFacts:
    """What a format needs besides the model: the task, the class names, the SavedModel's path."""

    task: str
    class_names: tuple[str, ...]
    saved_model: Path


def saved_model(model: keras.Model, folder: Path, facts: ExportFacts) -> Path:
    """The serving SavedModel (``serving_default``: named raw inputs, named outputs)."""
    from automl.export.serving import write_saved_model

    write_saved_model(model, str(folder / "saved_model"), facts.task, list(facts.class_names))
    return folder / "saved_model"


def keras_file(model: keras.Model, folder: Path, facts: ExportFacts) -> Path:
    """The Keras model itself (``model.keras``): its own output, no named outputs."""
    model.save(folder / "model.keras")
    return folder / "model.keras"


def tflite(model: keras.Model, folder: Path, facts: ExportFacts) -> Path:
    """TFLite (LiteRT) flatbuffer of the serving function: same named inputs and outputs.

    Recurrent layers loop over time with TensorList ops that TFLite's builtins
    hold only for a fixed batch size, so a recurrent model is converted for
    batches of one example.
    """
    try:
        try:
            content = _convert_tflite(model, facts, batch=None)
        except Exception as err:  # noqa: BLE001 - the converter raises many kinds
            if "tensor list" not in str(err).lower():
                raise
            content = _convert_tflite(model, facts, batch=1)
    except Exception as err:  # noqa: BLE001
        raise ExportError(f"--format tflite: the converter refused the model: {first_line(err)}") from None
    (folder / "model.tflite").write_bytes(content)
    return folder / "model.tflite"


def _convert_tflite(model: keras.Model, facts: ExportFacts, batch: int | None) -> bytes:
    """Converts the serving SavedModel, or (``batch`` given) a copy whose inputs have that batch size."""
    import shutil
    import tempfile

    import tensorflow as tf

    from automl.export.serving import write_saved_model

    # The serving signature alone: a generator's ``generate`` (noise drawn from a seed) stays in the SavedModel.
    keys = ["serving_default"]
    if batch is None:
        return tf.lite.TFLiteConverter.from_saved_model(str(facts.saved_model), signature_keys=keys).convert()
    source = Path(tempfile.mkdtemp(prefix="tflite-", dir=facts.saved_model.parent))
    try:
        write_saved_model(model, str(source), facts.task, list(facts.class_names), batch=batch)
        return tf.lite.TFLiteConverter.from_saved_model(str(source), signature_keys=keys).convert()
    finally:
        shutil.rmtree(source, ignore_errors=True)


def onnx(model: keras.Model, folder: Path, facts: ExportFacts) -> Path:
    """ONNX converted from the serving SavedModel by tf2onnx (the ``onnx`` extra)."""
    target = folder / "model.onnx"
    done = subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(facts.saved_model),
                           "--signature_def", "serving_default", "--output", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0 or not target.exists():
        errors = [line for line in done.stderr.splitlines() if "Error" in line] or done.stderr.splitlines()[-1:]
        raise ExportError(f"--format onnx: tf2onnx refused the model: {(errors or ['no output'])[-1].strip()[:300]}")
    return target


def refuse_layers(model: keras.Model, fmt: str, kinds: tuple[str, ...]) -> None:
    """Raises one line naming the first layer ``fmt`` cannot carry."""
    layer = _first_of(model, kinds)
    if layer is not None:
        raise ExportError(f"{_no_equivalent(fmt, layer)}; export saved_model or keras instead")


def carried(model: keras.Model, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The formats among ``names`` that can carry ``model``, and a line for each that cannot: a search
    asked for ONNX that found a text model exports the others rather than nothing."""
    from automl.plugins.formats import FORMATS

    kept, refused = [], []
    for name in names:
        layer = _first_of(model, FORMATS.get(name).refuses)
        if layer is None:
            kept.append(name)
        else:
            refused.append(f"{_no_equivalent(name, layer)}: not written (the other formats are)")
    return kept, refused


def _first_of(model: keras.Model, kinds: tuple[str, ...]) -> keras.layers.Layer | None:
    """The first layer (nested ones included) whose class is one of ``kinds``."""
    return next((layer for layer in _layers(model) if type(layer).__name__ in kinds), None)


def _no_equivalent(fmt: str, layer: keras.layers.Layer) -> str:
    return f"--format {fmt}: layer {layer.name!r} ({type(layer).__name__}) has no {fmt} equivalent"


def _layers(model: keras.Model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)
