"""Every family exports to SavedModel, .keras, TFLite and ONNX, and each reloads in a fresh
process with the in-memory model's predictions."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from automl.builders import build_model, prepare_targets
from automl.errors import ExportError
from automl.export import export_model
from tests.builders.conftest import make_batch, make_spec
from tests.builders.test_families import defaults

RELOAD = Path(__file__).with_name("reload_all.py")
CASES = [("mlp", "tabular", "multiclass"), ("cnn", "image", "binary"), ("rnn", "sequence", "regression"),
         ("transformer", "sequence", "multiclass"), ("autoencoder", "tabular", "reconstruction")]
TOLERANCE = {"saved_model": 1e-5, "keras": 1e-5, "tflite": 1e-4, "onnx": 1e-4}


def trained(family: str, kind: str, task: str, **values):
    spec = make_spec(kind, task)
    chosen = defaults(family, **values)
    model = build_model(chosen, spec, epochs=1)
    x, y = make_batch(spec)
    model.fit(x, prepare_targets(chosen, spec, y), epochs=1, batch_size=8, verbose=0)
    return model, x, spec


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each family trained one epoch and exported in every format; then one fresh process reloads them all."""
    root = tmp_path_factory.mktemp("formats")
    jobs, models = {}, {}
    for family, kind, task in CASES:
        model, x, _ = trained(family, kind, task)
        names = ["a", "b", "c"] if task == "multiclass" else ["no", "yes"] if task == "binary" else []
        folder = export_model(model, root, family, {"dataset": {"task": task}}, task=task, class_names=names,
                              formats=("saved_model", "keras", "tflite", "onnx"))
        jobs[family] = (str(folder), x)
        models[family] = (folder, np.asarray(model(x, training=False)))
    with open(root / "jobs.pkl", "wb") as handle:
        pickle.dump(jobs, handle)
    done = subprocess.run([sys.executable, str(RELOAD), str(root / "jobs.pkl"), str(root / "out.pkl")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(root / "out.pkl", "rb") as handle:
        return models, pickle.load(handle)


@pytest.mark.parametrize("family, kind, task", CASES, ids=[c[0] for c in CASES])
def test_every_format_of_every_family_reloads_and_matches(exported, family, kind, task):
    models, reloaded = exported
    folder, expected = models[family]
    got = reloaded[family]
    assert {"saved_model", "model.keras", "model.tflite", "model.onnx", "model_card.json",
            "model_card.md"} <= {p.name for p in folder.iterdir()}
    for fmt, tolerance in TOLERANCE.items():
        difference = np.abs(np.reshape(got[fmt], expected.shape) - expected).max()
        assert difference <= tolerance, (fmt, difference)
    if task in ("multiclass", "binary"):
        assert {"class_id", "label"} <= set(got["outputs"])
    card = json.loads((folder / "model_card.json").read_text())
    assert set(card["outputs"]) == set(got["outputs"]) and card["inputs"]


def test_labels_output_names_the_class(tmp_path):
    import tensorflow as tf

    model, x, _ = trained("mlp", "tabular", "multiclass")
    folder = export_model(model, tmp_path, "labels", {}, task="multiclass", class_names=["cat", "dog", "eel"])
    serve = tf.saved_model.load(str(folder / "saved_model"))
    out = serve.signatures["serving_default"](features=tf.constant(x))
    ids = np.asarray(model(x)).argmax(axis=1)
    assert [s.decode() for s in out["label"].numpy()] == [["cat", "dog", "eel"][i] for i in ids]
    assert (out["class_id"].numpy() == ids).all()


@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
def test_a_layer_a_converter_cannot_carry_is_named_in_one_line(tmp_path, fmt):
    model, _, _ = trained("rnn", "text", "multiclass")
    with pytest.raises(ExportError, match=rf"^--format {fmt}: layer '.*' \(TextVectorization\) has no {fmt} "
                                          r"equivalent; export saved_model or keras instead$"):
        export_model(model, tmp_path, "text", {}, task="multiclass", class_names=["a", "b", "c"],
                     formats=("saved_model", fmt))
    assert not any((tmp_path / "text").iterdir())  # no half export left behind


def test_unknown_format_is_one_line(tmp_path):
    model, _, _ = trained("mlp", "tabular", "multiclass")
    with pytest.raises(ExportError, match=r"^--format: expected one of: keras, onnx, saved_model, tflite, "
                                          r"received 'pt'$"):
        export_model(model, tmp_path, "x", {}, task="multiclass", formats=("pt",))
