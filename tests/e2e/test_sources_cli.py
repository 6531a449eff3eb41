"""A new user's data of every file kind: `automl search --data ...` (the space auto) finishes and
exports a model that takes raw input of that kind in a fresh process."""

import json
import subprocess
import sys

import numpy as np
import pytest

from automl.data import load_dataset
from automl.spec import card_for_path
from tests.conftest import run_cli
from tests.data.makers import arrays_npz, customers_csv, reviews_csv, series_csv, shapes_folder, tones_folder

pytestmark = pytest.mark.slow

# Feeds the raw test inputs (saved by the test) to the SavedModel's serving signature.
RELOAD = """
import pickle, sys, numpy as np, tensorflow as tf
x = pickle.load(open(sys.argv[2], "rb"))
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
if isinstance(x, dict):
    out = serve(**{k: tf.constant(v.astype(str) if v.dtype == object else v) for k, v in x.items()})
else:
    name = list(serve.structured_input_signature[1])[0]
    out = serve(**{name: tf.constant(x.astype(str) if x.dtype == object else x)})
main = next(k for k in ("probabilities", "probability", "prediction", "reconstruction") if k in out)
np.save(sys.argv[3], out[main].numpy())
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


@pytest.mark.parametrize("kind", list(CASES))
def test_search_on_new_data_exports_a_raw_input_model(tmp_path, kind):
    import pickle

    make, target, space = CASES[kind]
    path = make(tmp_path)
    card = tmp_path / "card.yaml"
    if kind in CARDS:
        card.write_text(CARDS[kind])
        args = ["--dataset", str(card), "--space", "auto"]
    else:  # a new user's shortest form: no --space, which is auto
        args = ["--data", str(path)] + (["--target", target] if target else [])
    done = run_cli("search", *args, "--max-trials", "1", "--epochs", "2", "--no-tracking", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"-{space}" in done.stdout and "trials: 1 completed" in done.stdout

    folder = next(p for p in (tmp_path / "exports").glob("*/*"))
    card_json = json.loads((folder / "model_card.json").read_text())
    from automl.spec import load_card

    data = load_dataset(load_card(str(card)) if kind in CARDS else card_for_path(str(path), target))
    (tmp_path / "x.pkl").write_bytes(pickle.dumps(data.x_test))
    (tmp_path / "reload.py").write_text(RELOAD)
    reload = subprocess.run([sys.executable, str(tmp_path / "reload.py"), str(folder / "saved_model"),
                             str(tmp_path / "x.pkl"), str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert reload.returncode == 0, reload.stderr[-2000:]
    served = np.load(tmp_path / "y.npy")
    assert len(served) == len(data.y_test)
    import keras

    from automl.data.feed import to_dataset

    keras_model = keras.saving.load_model(folder / "model.keras")
    expected = keras_model.predict(to_dataset(data.x_test, None, 256), verbose=0)
    assert np.abs(served - expected).max() <= 1e-5
    assert card_json["dataset"]["fingerprint"] == data.fingerprint()
