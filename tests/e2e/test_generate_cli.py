"""Image generation as a user runs it, each command in a fresh process: `automl search` of a conditional GAN
and of a diffusion model on the bundled digits, with MLflow; a resume that reuses the search's scorer; then
`automl generate` from the SavedModel and from model.keras, against the model run in the test process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient
from PIL import Image

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def small_space(folder: Path, family: str, model: dict) -> str:
    """A shipped space made small enough for a test: fixed small networks, two epochs."""
    path = folder / f"small_{family}.yaml"
    path.write_text(yaml.safe_dump({
        "name": f"small_{family}", "extends": str(ROOT / "search_spaces" / f"{family}.yaml"), "model": model,
        "train": {"batch_size": 64, "epochs": 2}, "search": {"controller": "random", "initial_points": []}}))
    return str(path)


def export_of(root: Path, experiment: str) -> Path:
    folders = list((root / "exports" / experiment).glob("*"))
    assert len(folders) == 1, folders
    return folders[0]


def in_memory(folder: Path):
    import keras

    import automl.builders.gan  # noqa: F401 - registers the generative models
    import automl.builders.diffusion  # noqa: F401

    return keras.saving.load_model(folder / "model.keras")


def drawn(root: Path, model: Path, *args: str) -> np.ndarray:
    done = run_cli("generate", "--model", str(model), *args, "--out", "drawn.npy", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(root / "drawn.npy")


def test_conditional_gan_search_logs_samples_exports_and_generates_the_same_images(tmp_path):
    space = small_space(tmp_path, "gan", {"latent": 16, "g_layers": 2, "g_filters": 16, "d_layers": 2,
                                          "d_filters": 16, "conditional": True, "gan_loss": {"choice": [
                                              "non_saturating", "hinge"]}})
    done = run_cli("search", "--dataset", "digits", "--space", space, "--max-trials", "2", "--experiment", "gen",
                   "--seed", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trials: 2 completed, 0 failed" in done.stdout and "val_fd" in done.stdout
    assert "training the sample scorer on 1257 training images (their classes)" in done.stderr
    summary = done.stdout.split("best model on the held-out test split:", 1)[1].splitlines()[0]
    scores = dict(part.strip().split("=") for part in summary.split(","))
    assert {"test_fd", "test_fd_floor", "test_precision", "test_recall", "test_coverage",
            "test_class_accuracy"} <= set(scores)
    assert float(scores["test_fd_floor"]) < float(scores["test_fd"])  # two epochs do not match real digits

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("gen").experiment_id])
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(trials) == 2
    for run in trials:
        assert [m.step for m in client.get_metric_history(run.info.run_id, "val_fd")] == [0, 1]
        assert "val_class_accuracy" in run.data.metrics and "d_loss" in run.data.metrics
        files = {f.path for f in client.list_artifacts(run.info.run_id, "samples")}
        assert {"samples/epoch_001.png", "samples/epoch_002.png", "samples/best.png"} <= files, files
    assert "samples.png" in {f.path for f in client.list_artifacts(parent.info.run_id)}

    folder = export_of(tmp_path, "gen")
    card = json.loads((folder / "model_card.json").read_text())
    assert card["generation"] == {"conditional": True, "classes": 10, "value_range": [0.0, 16.0],
                                  "noise_shape": [16]}
    assert set(card["inputs"]) == {"noise", "label"} and set(card["outputs"]) == {"images"}
    assert "## Generation" in (folder / "model_card.md").read_text()

    model = in_memory(folder)
    expected = model.generate(12, seed=5, label=3)
    from_saved = drawn(tmp_path, folder, "--n", "12", "--seed", "5", "--label", "3")
    assert from_saved.shape == (12, 8, 8, 1) and np.abs(from_saved - expected).max() <= 1e-5
    from_keras = drawn(tmp_path, folder / "model.keras", "--n", "12", "--seed", "5", "--label", "3")
    assert np.abs(from_keras - expected).max() <= 1e-5

    grid = run_cli("generate", "--model", str(folder), "--n", "20", "--out", "grid.png", cwd=tmp_path)
    assert grid.returncode == 0 and "wrote 20 images to grid.png" in grid.stdout, grid.stderr[-2000:]
    assert Image.open(tmp_path / "grid.png").size == (10 * 33 - 1, 2 * 33 - 1)  # a column per class
    bad = run_cli("generate", "--model", str(folder), "--label", "12", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "error: --label: expected a class id from 0 to 9 (0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, "
        "9: 9), received 12"]
    wrong = run_cli("predict", "--model", str(folder), "--input", "grid.png", cwd=tmp_path)
    assert wrong.returncode == 2 and "a generator (it takes noise); draw images with: automl generate" in wrong.stderr

    # The same command again: a resume of the finished search, which loads its scorer (make_controller does,
    # trials left or not: the test split's scores need it) and exports again, with no third GAN to train.
    again = run_cli("search", "--dataset", "digits", "--space", space, "--max-trials", "2", "--experiment", "gen",
                    "--seed", "0", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resuming: 2 of 2 trials already done" in again.stderr
    assert "training the sample scorer" not in again.stderr  # the search's own, kept in its folder


def test_diffusion_search_exports_a_sampler_that_draws_the_same_images_from_the_same_seed(tmp_path):
    space = small_space(tmp_path, "diffusion", {"levels": 1, "width": 16, "attention": True, "noise_steps": 100,
                                                "sampling_steps": 5, "ema": 0.9})
    done = run_cli("search", "--dataset", "digits", "--space", space, "--max-trials", "1", "--experiment", "dif",
                   "--no-tracking", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = export_of(tmp_path, "dif")
    model = in_memory(folder)
    expected = model.generate(6, seed=2)
    assert expected.min() >= 0.0 and expected.max() <= 16.0
    from_saved = drawn(tmp_path, folder, "--n", "6", "--seed", "2")
    assert np.abs(from_saved - expected).max() <= 1e-5
    other = drawn(tmp_path, folder, "--n", "6", "--seed", "3")
    assert not np.allclose(other, from_saved)
    label = run_cli("generate", "--model", str(folder), "--label", "1", cwd=tmp_path)
    assert label.returncode == 2 and "--label: expected no label for this generator" in label.stderr
