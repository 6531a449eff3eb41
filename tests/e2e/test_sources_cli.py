"""A new user's data of every file kind: `automl search --data ...` (the space auto) finishes and
exports a model that takes raw input of that kind in a fresh process."""

import json
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from automl.data import load_dataset
from automl.spec import card_for_path, load_card
from tests.conftest import run_cli
from tests.data.makers import arrays_npz, customers_csv, reviews_csv, series_csv, shapes_folder, tones_folder

pytestmark = pytest.mark.slow

# Feeds each kind's raw test inputs (saved by the fixture) to its SavedModel's serving signature. One fresh
# process serves every kind's export (one TensorFlow import, not six); each model is loaded and run in its own
# try, and a failure leaves its traceback beside the output it did not write, for that kind's test to show.
RELOAD = """
import pickle, sys, traceback, numpy as np, tensorflow as tf
jobs = sys.argv[1:]
for saved_model, inputs, output in zip(jobs[0::3], jobs[1::3], jobs[2::3]):
    try:
        x = pickle.load(open(inputs, "rb"))
        serve = tf.saved_model.load(saved_model).signatures["serving_default"]
        if isinstance(x, dict):
            out = serve(**{k: tf.constant(v.astype(str) if v.dtype == object else v) for k, v in x.items()})
        else:
            name = list(serve.structured_input_signature[1])[0]
            out = serve(**{name: tf.constant(x.astype(str) if x.dtype == object else x)})
        main = next(k for k in ("probabilities", "probability", "prediction", "reconstruction") if k in out)
        np.save(output, out[main].numpy())
    except Exception:
        open(output + ".error", "w").write(traceback.format_exc())
"""

CASES = {
    "csv": (customers_csv, "churn", "auto_tabular"),
    "image_folder": (shapes_folder, None, "auto_image"),
    "npz": (arrays_npz, None, "auto_tabular"),
    "text_csv": (reviews_csv, None, "auto_text"),
    "timeseries": (series_csv, None, "auto_sequence"),
    "audio_folder": (tones_folder, None, "auto_audio"),
}
# Sources that need a card (a column's role cannot be told from the file alone).
CARDS = {
    "text_csv": "name: reviews\nsource: csv\noptions: {path: reviews.csv, target: positive, text: review}\n",
    "timeseries": "name: series\nsource: timeseries\noptions: {path: series.csv, time_column: time, "
                  "columns: [load, temp], target: load, input_length: 12}\n",
}


@dataclass
class Searched:
    """One kind's search and what the shared reload process made of its export."""

    root: Path  # the kind's folder: its data, card, exports, and the reload's x.pkl and y.npy
    done: subprocess.CompletedProcess
    data: Any = None
    error: Exception | None = None  # loading the kind's data in the test process failed
    reload: subprocess.CompletedProcess | None = None


@pytest.fixture(scope="module")
def searched(request, tmp_path_factory) -> dict[str, Searched]:
    """Each selected kind's search, each in its own folder, then one fresh process serving every export.

    Only the kinds whose test runs in this session (all six, or those ``-k`` or a node id left) are searched;
    a search or a data load that fails is kept for its own test to report, and the others go on.
    """
    chosen = {item.callspec.params["kind"] for item in request.session.items
              if item.module is request.module and hasattr(item, "callspec")}
    runs: dict[str, Searched] = {}
    jobs: list[str] = []
    for kind in [k for k in CASES if k in chosen]:
        make, target, _ = CASES[kind]
        root = tmp_path_factory.mktemp(kind)
        path = make(root)
        card = root / "card.yaml"
        if kind in CARDS:
            card.write_text(CARDS[kind])
            args = ["--dataset", str(card), "--space", "auto"]
        else:  # a new user's shortest form: no --space, which is auto
            args = ["--data", str(path)] + (["--target", target] if target else [])
        done = run_cli("search", *args, "--max-trials", "1", "--epochs", "2", "--no-tracking", cwd=root)
        runs[kind] = run = Searched(root, done)
        folder = next((root / "exports").glob("*/*"), None)
        if done.returncode != 0 or folder is None:
            continue  # the kind's test reports it
        try:
            run.data = load_dataset(load_card(str(card)) if kind in CARDS else card_for_path(str(path), target))
            (root / "x.pkl").write_bytes(pickle.dumps(run.data.x_test))
        except Exception as err:  # noqa: BLE001 - raised again by the kind's own test
            run.error = err
            continue
        jobs += [str(folder / "saved_model"), str(root / "x.pkl"), str(root / "y.npy")]
    if jobs:
        script = tmp_path_factory.mktemp("reload") / "reload.py"
        script.write_text(RELOAD)
        reload = subprocess.run([sys.executable, str(script), *jobs], capture_output=True, text=True)
        for run in runs.values():
            run.reload = reload
    return runs


@pytest.mark.parametrize("kind", list(CASES))
def test_search_on_new_data_exports_a_raw_input_model(searched, kind):
    run, space = searched[kind], CASES[kind][2]
    done = run.done
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"-{space}" in done.stdout and "trials: 1 completed" in done.stdout

    folder = next(p for p in (run.root / "exports").glob("*/*"))
    card_json = json.loads((folder / "model_card.json").read_text())
    if run.error is not None:
        raise run.error
    data = run.data
    failed = run.root / "y.npy.error"
    assert not failed.exists(), failed.read_text()[-2000:]
    assert run.reload.returncode == 0, run.reload.stderr[-2000:]
    served = np.load(run.root / "y.npy")
    assert len(served) == len(data.y_test)
    import keras

    from automl.data.feed import to_dataset

    keras_model = keras.saving.load_model(folder / "model.keras")
    expected = keras_model.predict(to_dataset(data.x_test, None, 256), verbose=0)
    assert np.abs(served - expected).max() <= 1e-5
    assert card_json["dataset"]["fingerprint"] == data.fingerprint()
