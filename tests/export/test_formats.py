"""What the exporter does besides the formats (their contract is test_format_contract.py):
class names in the SavedModel's ``label`` output, and an unknown format named in one line."""

from __future__ import annotations

import numpy as np
import pytest

from automl.builders import build_model, prepare_targets
from automl.errors import ExportError
from automl.export import export_model
from tests.builders.conftest import make_batch, make_spec
from tests.builders.test_families import defaults


def test_labels_output_names_the_class(tmp_path):
    import tensorflow as tf

    spec = make_spec("tabular", "multiclass")
    chosen = defaults("mlp")
    model = build_model(chosen, spec, epochs=1)
    x, y = make_batch(spec)
    model.fit(x, prepare_targets(chosen, spec, y), epochs=1, batch_size=8, verbose=0)
    folder = export_model(model, tmp_path, "labels", {}, task="multiclass", class_names=["cat", "dog", "eel"])
    serve = tf.saved_model.load(str(folder / "saved_model"))
    out = serve.signatures["serving_default"](features=tf.constant(x))
    ids = np.asarray(model(x)).argmax(axis=1)
    assert [s.decode() for s in out["label"].numpy()] == [["cat", "dog", "eel"][i] for i in ids]
    assert (out["class_id"].numpy() == ids).all()


def test_unknown_format_is_one_line(tmp_path):
    with pytest.raises(ExportError, match=r"^--format: expected one of: keras, onnx, saved_model, tflite, "
                                          r"received 'pt'$"):
        export_model(None, tmp_path, "x", {}, task="multiclass", formats=("pt",))
    assert not (tmp_path / "x").exists()
