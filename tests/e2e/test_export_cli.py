"""`automl export` and `automl predict` on a finished search, as a user runs them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import TINY_CNN, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A finished two-trial search on digits, tracked in the folder's own store."""
    root = tmp_path_factory.mktemp("exported")
    (root / "tiny_cnn.yaml").write_text(textwrap.dedent(TINY_CNN))
    done = run_cli("search", "--dataset", "digits", "--space", "tiny_cnn.yaml", "--max-trials", "2",
                   "--epochs", "3", "--experiment", "ex", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def newest(root: Path) -> Path:
    return sorted((root / "out" / "ex").iterdir())[-1]


@pytest.fixture(scope="module")
def every_format(searched):
    done = run_cli("export", "--experiment", "ex", "--format", "saved_model,keras,tflite,onnx", "--out", "out",
                   cwd=searched)
    assert done.returncode == 0, done.stderr[-3000:]
    return newest(searched), done


def test_export_every_format_with_a_model_card(searched, every_format, digits):
    folder, done = every_format
    assert {p.name for p in folder.iterdir()} == {"saved_model", "model.keras", "model.tflite", "model.onnx",
                                                  "model_card.json", "model_card.md"}
    card = json.loads((folder / "model_card.json").read_text())
    assert card["dataset"]["fingerprint"] == digits.fingerprint() and card["dataset"]["task"] == "multiclass"
    assert card["class_names"] == digits.class_names and card["inputs"] == {"image": "float32 [None, 8, 8, 1]"}
    assert set(card["outputs"]) == {"probabilities", "class_id", "label"}
    assert {"val_accuracy", "test_accuracy"} <= set(card["metrics"]) and card["hyperparameters"]["family"] == "cnn"
    assert card["search"]["max_trials"] >= 1 and {"tensorflow", "keras", "keras_tuner"} <= set(card["versions"])
    assert card["mlflow_run_id"] and card["retrained"] is False
    assert (folder / "model_card.md").read_text().startswith("# Model card: ex\n")
    assert f"to {Path('out') / 'ex' / folder.name}" in done.stdout


def test_export_a_chosen_trial_by_its_mlflow_run_id(searched):
    client = MlflowClient(f"sqlite:///{searched / 'mlruns' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("ex")
    run = next(r for r in client.search_runs([experiment.experiment_id], "tags.`automl.trial_id` = '1'"))
    done = run_cli("export", "--run-id", run.info.run_id, "--out", "out", cwd=searched)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((newest(searched) / "model_card.json").read_text())["best_trial"] == "1"


def test_retrain_uses_the_best_epoch_count_on_train_and_validation(searched):
    done = run_cli("export", "--retrain", "--out", "out", cwd=searched)
    assert done.returncode == 0, done.stderr[-3000:]
    card = json.loads((newest(searched) / "model_card.json").read_text())
    facts = json.loads((searched / "mlruns" / "searches" / "ex" / f"trial_{card['best_trial']}" /
                        "facts.json").read_text())
    assert card["retrained"] == {"epochs": facts["best_epoch"] + 1, "on": "train + validation"}
    assert "retraining trial" in done.stderr and "(retrained" in done.stdout


def test_predict_on_an_npz_and_an_image_folder(every_format, digits, tmp_path):
    from PIL import Image

    folder, _ = every_format
    x = digits.x_test[:20]
    np.savez(tmp_path / "x.npz", x=x)
    images = tmp_path / "images"
    images.mkdir()
    for i, pixels in enumerate(x):
        Image.fromarray(pixels[..., 0].astype("uint8"), mode="L").save(images / f"{i:02d}.png")
    for source, name in ((tmp_path / "x.npz", "a.csv"), (images, "b.csv")):
        done = run_cli("predict", "--model", str(folder), "--input", str(source), "--output", str(tmp_path / name),
                       cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip() == f"wrote 20 predictions to {tmp_path / name}"
    by_array, by_image = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    columns = [f"probabilities_{c}" for c in digits.class_names]
    assert list(by_array.columns) == ["input", "label", "class_id", *columns]
    assert np.abs(by_array[columns].to_numpy() - by_image[columns].to_numpy()).max() <= 1e-5
    assert (by_array["class_id"] == by_array[columns].to_numpy().argmax(axis=1)).all()
    assert list(by_image["input"]) == [f"{i:02d}.png" for i in range(20)]


def test_a_keras_file_with_code_needs_trust(tmp_path):
    import keras

    inputs = keras.Input((3,), name="features")
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2.0)(inputs))
    model.save(tmp_path / "lambda.keras")
    np.savez(tmp_path / "x.npz", x=np.ones((4, 3), "float32"))
    args = ["predict", "--model", "lambda.keras", "--input", "x.npz", "--output", "p.csv"]
    refused = run_cli(*args, cwd=tmp_path)
    assert refused.returncode == 2 and not (tmp_path / "p.csv").exists()
    assert refused.stderr.strip() == ("error: --model: lambda.keras holds Python code (a Lambda layer) that would "
                                      "run on load; pass --trust-model if you trust where the file came from")
    trusted = run_cli(*args, "--trust-model", cwd=tmp_path)
    assert trusted.returncode == 0, trusted.stderr[-2000:]
    assert (pd.read_csv(tmp_path / "p.csv")[["output_0", "output_1", "output_2"]].to_numpy() == 2.0).all()


def test_export_and_predict_errors_are_one_line(searched, tmp_path):
    cases = [
        (["export"], tmp_path, "error: --experiment: no searches in mlruns/searches; run `automl search` first"),
        (["export", "--experiment", "nope"], searched, "error: --experiment: no search 'nope' in mlruns/searches; "
                                                      "searches: ex"),
        (["export", "--run-id", "0123abc"], searched, "error: --run-id: no run '0123abc' in sqlite:///mlruns/mlflow.db"),
        (["export", "--format", "saved_model,pt"], searched, "error: argument --format: expected a comma-separated "
                                                             "list of keras, onnx, saved_model, tflite, received 'pt'"),
        (["predict", "--model", "nowhere", "--input", "x.csv"], tmp_path, "error: --model: expected an export folder"),
    ]
    for args, cwd, message in cases:
        done = run_cli(*args, cwd=cwd)
        assert done.returncode == 2 and done.stderr.startswith(message), (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
