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


def test_a_format_that_cannot_carry_the_model_is_left_out_with_its_reason():
    """What a search does with ``--format``: a text model (TextVectorization) is not ONNX, so ONNX is left out
    with the layer named, and the formats that carry it stay, in order."""
    from automl.export.formats import carried
    from tests.export.test_format_contract import TEXT

    model = build_model(defaults(TEXT[0]), make_spec(*TEXT[1:]), epochs=1)
    kept, refused = carried(model, ("saved_model", "keras", "onnx"))
    assert kept == ["saved_model", "keras"]
    assert len(refused) == 1 and refused[0].startswith("--format onnx: layer ")
    assert refused[0].endswith("(TextVectorization) has no onnx equivalent: not written (the other formats are)")
    tabular = build_model(defaults("mlp"), make_spec("tabular", "multiclass"), epochs=1)
    assert carried(tabular, ("saved_model", "onnx")) == (["saved_model", "onnx"], [])


def test_a_format_whose_package_is_missing_is_one_line_naming_the_extra(monkeypatch):
    import importlib.util

    from automl.plugins.formats import require_extras

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tf2onnx" else real(name, *a))
    with pytest.raises(ExportError, match=r"^--format onnx: needs the onnx extra: pip install -e '\.\[onnx\]'$"):
        require_extras(("saved_model", "onnx"))
    require_extras(("saved_model", "keras", "tflite"))  # nothing to install
