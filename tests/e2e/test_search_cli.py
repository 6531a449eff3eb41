"""Whole `automl search` runs in fresh processes: output, store, export, kill and resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

RELOAD = """
import sys, numpy as np, tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
out = loaded.signatures["serving_default"](image=tf.constant(np.load(sys.argv[2])))
np.save(sys.argv[3], out["probabilities"].numpy())
"""


def trial_runs(cwd: Path, experiment: str) -> list:
    client = MlflowClient(f"sqlite:///{cwd / 'mlruns' / 'mlflow.db'}")
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], max_results=100)
    return [r for r in runs if "mlflow.parentRunId" in r.data.tags]


def test_search_end_to_end_then_reload_the_export(tmp_path, tiny_cnn, digits):
    done = run_cli("search", "--dataset", "digits", "--space", str(tiny_cnn), "--max-trials", "2",
                   "--epochs", "3", "--experiment", "e2e", "--seed", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trial 1/2" in done.stderr and "trial 2/2" in done.stderr and "best so far" in done.stderr
    out = done.stdout
    assert "Leaderboard: e2e" in out and "trials: 2 completed, 0 failed" in out
    assert "compare trials: automl ui" in out
    runs = trial_runs(tmp_path, "e2e")
    assert len(runs) == 2 and all(r.info.status == "FINISHED" for r in runs)

    folder = next((tmp_path / "exports" / "e2e").iterdir())
    card = json.loads((folder / "model_card.json").read_text())
    np.save(tmp_path / "x.npy", digits.x_test)
    (tmp_path / "reload.py").write_text(RELOAD)
    reload = subprocess.run([sys.executable, str(tmp_path / "reload.py"), str(folder / "saved_model"),
                             str(tmp_path / "x.npy"), str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert reload.returncode == 0, reload.stderr[-2000:]
    served = np.load(tmp_path / "y.npy")
    import keras

    in_memory = keras.saving.load_model(folder / "model.keras").predict(digits.x_test, verbose=0)
    assert np.abs(served - in_memory).max() <= 1e-5
    accuracy = float((served.argmax(axis=1) == digits.y_test).mean())
    assert accuracy == pytest.approx(card["metrics"]["test_accuracy"], abs=1e-6)


def _wait_for_second_trial(state: Path, proc: subprocess.Popen, limit: float = 300) -> None:
    deadline = time.time() + limit
    while time.time() < deadline:
        first = state / "trial_0" / "trial.json"
        if first.exists() and json.loads(first.read_text())["status"] == "COMPLETED" \
                and (state / "trial_1").exists():
            return
        assert proc.poll() is None, "search ended before it could be killed"
        time.sleep(0.2)
    raise AssertionError("the second trial never started")


def test_sigkill_mid_search_then_resume_runs_each_trial_once(tmp_path, tiny_cnn):
    args = ["search", "--dataset", "digits", "--space", str(tiny_cnn), "--max-trials", "4",
            "--epochs", "4", "--experiment", "killed"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "automl.cli", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_second_trial(tmp_path / "mlruns" / "searches" / "killed", proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = {r.info.run_name: r.info.run_id for r in trial_runs(tmp_path, "killed")
              if r.info.status == "FINISHED"}
    assert "trial-0000" in before

    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resuming: 1 of 4 trials already done" in done.stderr
    assert "(id 0)" not in done.stderr  # the completed trial is not run again
    runs = trial_runs(tmp_path, "killed")
    names = sorted(r.info.run_name for r in runs)
    assert names == ["trial-0000", "trial-0001", "trial-0002", "trial-0003"]
    assert all(r.info.status == "FINISHED" for r in runs)
    assert {r.info.run_name: r.info.run_id for r in runs}["trial-0000"] == before["trial-0000"]
    assert "trials: 4 completed, 0 failed" in done.stdout


def test_fresh_starts_over(tmp_path, tiny_cnn):
    args = ["search", "--dataset", "digits", "--space", str(tiny_cnn), "--max-trials", "1", "--epochs", "2",
            "--experiment", "again", "--no-tracking"]
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    second = run_cli(*args, "--fresh", cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "resuming" not in second.stderr and "trial 1/1 (id 0)" in second.stderr


def test_a_small_regression_search_exports_a_refit_ensemble_that_predict_serves(tmp_path):
    """diabetes (308 training rows), chosen on the validation split (cross-validation off): the greedy
    ensemble of the best trials beats the best trial on the validation rows, is refit on train +
    validation, exported as one model, and served by `automl predict` in a fresh process exactly as the
    model in this process predicts; asked for ONNX too (``--format``), the search writes the ensemble as ONNX,
    and onnxruntime gives the same predictions."""
    import keras
    import pandas as pd

    import automl.builders  # noqa: F401 - registers the model's layers and loss, as `automl predict` does
    from automl.data import load_dataset
    from automl.spec import load_card

    done = run_cli("search", "--dataset", "diabetes", "--space", "mlp", "--max-trials", "4", "--epochs", "12",
                   "--experiment", "ens", "--seed", "0", "--no-tracking", "--set", "search.cross_validation.folds=0",
                   "--format", "saved_model,keras,onnx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = next((tmp_path / "exports" / "ens").iterdir())
    selection = json.loads((folder / "model_card.json").read_text())["selection"]
    assert selection["method"].startswith("greedy ensemble") and len(selection["members"]) >= 2
    assert selection["ensemble_selection_loss"] < selection["best_candidate_selection_loss"]
    assert selection["refit"].startswith("on train + validation (308 training rows")
    out = done.stdout
    assert f"exported model: ensemble of {len(selection['members'])} models" in out
    assert "refit on train + validation" in out and "best single trial as searched" in out
    assert "│ ensemble │" in out.replace("┃", "│")  # its leaderboard row
    assert "## Selection" in (folder / "model_card.md").read_text()

    data = load_dataset(load_card("diabetes"))
    np.savez(tmp_path / "x.npz", features=data.x_test)
    served = run_cli("predict", "--model", str(folder), "--input", str(tmp_path / "x.npz"),
                     "--output", str(tmp_path / "p.csv"), cwd=tmp_path)
    assert served.returncode == 0, served.stderr[-3000:]
    predicted = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    in_memory = keras.saving.load_model(folder / "model.keras").predict(data.x_test, verbose=0).ravel()
    assert np.abs(predicted - in_memory).max() <= 1e-5 * max(1.0, np.abs(in_memory).max())
    from automl.export.runners import run_onnx

    onnx = run_onnx(folder / "model.onnx", data.x_test.astype("float32")).ravel()
    assert np.abs(onnx - in_memory).max() <= 1e-5 * max(1.0, np.abs(in_memory).max())
    card = json.loads((folder / "model_card.json").read_text())
    assert np.abs(in_memory - data.y_test).mean() == pytest.approx(card["metrics"]["test_mae"], rel=1e-4)
