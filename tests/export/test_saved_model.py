"""The exported SavedModel takes raw inputs and matches the in-memory model in a fresh process."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from automl.builders import InputSpec, build_model
from automl.errors import ExportError
from automl.export import export_model

VALUES = {"family": "cnn", "blocks": 2, "filters": 8, "kernel_size": 3, "activation": "relu",
          "norm": "batch", "separable": False, "residual": False, "pooling": "max", "dropout": 0.1, "head": "flatten", "dense_units": 16,
          "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 64}

RELOAD = textwrap.dedent("""
    import sys, numpy as np, tensorflow as tf
    loaded = tf.saved_model.load(sys.argv[1])
    x = np.load(sys.argv[2])
    out = loaded.signatures["serving_default"](image=tf.constant(x))
    np.save(sys.argv[3], next(iter(out.values())).numpy())
""")


@pytest.fixture(scope="module")
def trained(digits):
    model = build_model(VALUES, InputSpec.from_bundle(digits))
    model.fit(digits.x_train, digits.y_train, epochs=1, batch_size=64, verbose=0)
    return model


def test_saved_model_reloads_in_a_fresh_process_and_matches(tmp_path, digits, trained):
    folder = export_model(trained, tmp_path / "exports", "exp", {"dataset": "digits"})
    assert folder.parent == tmp_path / "exports" / "exp"
    assert {p.name for p in folder.iterdir()} == {"saved_model", "model.keras", "model_card.json"}
    assert json.loads((folder / "model_card.json").read_text())["dataset"] == "digits"
    np.save(tmp_path / "x.npy", digits.x_test)  # raw 0-16 pixels: preprocessing is inside
    script = tmp_path / "reload.py"
    script.write_text(RELOAD)
    done = subprocess.run([sys.executable, str(script), str(folder / "saved_model"), str(tmp_path / "x.npy"),
                           str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = trained.predict(digits.x_test, verbose=0)
    assert np.abs(np.load(tmp_path / "y.npy") - expected).max() <= 1e-5


def test_failed_export_leaves_nothing_and_keeps_the_previous_one(tmp_path, trained):
    first = export_model(trained, tmp_path, "exp", {})

    class Unsaveable:
        def export(self, *args, **kwargs):
            raise OSError("No space left on device")

    with pytest.raises(ExportError, match="No space left on device"):
        export_model(Unsaveable(), tmp_path, "exp", {})
    assert [p.name for p in (tmp_path / "exp").iterdir()] == [first.name]
    assert (first / "saved_model" / "saved_model.pb").exists()


def test_two_exports_in_the_same_second_get_their_own_folders(tmp_path, trained):
    a = export_model(trained, tmp_path, "exp", {})
    b = export_model(trained, tmp_path, "exp", {})
    assert a != b and a.exists() and b.exists()
