"""The exported SavedModel takes raw inputs and matches the in-memory model in a fresh process."""

import json
import os
import subprocess
from pathlib import Path
import sys
import textwrap

import numpy as np
import pytest

from automl.builders import InputSpec, build_model
from automl.export import export_model

ROOT = Path(__file__).resolve().parents[2]

VALUES = {"family": "cnn", "blocks": 2, "filters": 8, "kernel_size": 3, "activation": "relu",
          "norm": "batch", "separable": False, "residual": False, "pooling": "max", "dropout": 0.1, "head": "flatten",
          "dense_units": 16,
          "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 64}

RELOAD = textwrap.dedent("""
    import sys, numpy as np, tensorflow as tf
    loaded = tf.saved_model.load(sys.argv[1])
    x = np.load(sys.argv[2])
    out = loaded.signatures["serving_default"](image=tf.constant(x))
    np.save(sys.argv[3], out["probabilities"].numpy())
""")


@pytest.fixture(scope="module")
def trained(digits):
    model = build_model(VALUES, InputSpec.from_bundle(digits))
    model.fit(digits.x_train, digits.y_train, epochs=1, batch_size=64, verbose=0)
    return model


def test_saved_model_reloads_in_a_fresh_process_and_matches(tmp_path, digits, trained):
    folder = export_model(trained, tmp_path / "exports", "exp", {"dataset": "digits"})
    assert folder.parent == tmp_path / "exports" / "exp"
    assert {p.name for p in folder.iterdir()} == {"saved_model", "model.keras", "model_card.json", "model_card.md"}
    assert json.loads((folder / "model_card.json").read_text())["dataset"] == "digits"
    np.save(tmp_path / "x.npy", digits.x_test)  # raw 0-16 pixels: preprocessing is inside
    script = tmp_path / "reload.py"
    script.write_text(RELOAD)
    done = subprocess.run([sys.executable, str(script), str(folder / "saved_model"), str(tmp_path / "x.npy"),
                           str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = trained.predict(digits.x_test, verbose=0)
    assert np.abs(np.load(tmp_path / "y.npy") - expected).max() <= 1e-5


def test_a_full_disk_leaves_the_previous_export_intact_and_says_so_in_one_line(tmp_path):
    script = Path(__file__).with_name("fill_disk.py")
    done = subprocess.run([sys.executable, str(script), str(tmp_path), "20000"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert done.returncode == 2, done.stdout + done.stderr[-3000:]
    first_line, error = done.stdout.strip().splitlines()
    assert error.startswith("error: --export-dir: cannot export to ") and "File too large" in error
    first = Path(first_line)
    assert [p.name for p in (tmp_path / "exp").iterdir()] == [first.name]  # no half export, no temp folder
    np.save(tmp_path / "y.npy", np.zeros(1))
    script = tmp_path / "reload.py"
    script.write_text(RELOAD)
    reload = subprocess.run([sys.executable, str(script), str(first / "saved_model"), str(tmp_path / "x.npy"),
                             str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert reload.returncode == 0, reload.stderr[-2000:]
    assert np.abs(np.load(tmp_path / "y.npy") - np.load(tmp_path / "expected.npy")).max() <= 1e-5


def test_two_exports_in_the_same_second_get_their_own_folders(tmp_path, trained):
    a = export_model(trained, tmp_path, "exp", {})
    b = export_model(trained, tmp_path, "exp", {})
    assert a != b and a.exists() and b.exists()


def test_a_temporary_folder_of_a_killed_export_is_removed_by_the_next_but_a_live_ones_stays(tmp_path, trained):
    parent = tmp_path / "exp"
    parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = parent / f".tmp-20260101-000000.pid{dead.pid}"  # its writer was killed mid-export
    legacy = parent / ".tmp-20260101-000001"  # named before the writer's id was in the name
    live = parent / f".tmp-20260101-000002.pid{os.getppid()}"  # a process still writing it
    for folder in (stale, legacy, live):
        (folder / "saved_model").mkdir(parents=True)
    path = export_model(trained, tmp_path, "exp", {})
    assert sorted(p.name for p in parent.iterdir()) == sorted([path.name, live.name])
