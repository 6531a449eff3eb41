"""Scoring a generative trial's samples: the cached scorer, the per-epoch measures, the sample grids.

The scorer (`automl.builders.scorer`) is trained once per search and kept in the
search's folder, so every trial (and every resume, and every Ray worker, which
gets it as bytes) is scored in the same feature space. Each epoch, `SampleQuality`
draws as many samples as there are validation images, from the same seeded
noise every epoch, and puts ``val_fd``, ``val_precision``, ``val_recall``,
``val_coverage``, ``val_diversity`` (and ``val_class_accuracy`` for a conditional model) into the
epoch's logs, where early stopping, the history and the tracker read them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from automl import atomic, quality
from automl.errors import TrialFailedError

SCORER_FILE = "sample_scorer.keras"
# The validation images scored per epoch, at most: the distance's noise shrinks slowly past this.
MAX_SCORED = 1000
SAMPLE_SEED, GRID_SEED, GRID_SIZE = 7, 11, 64


def cached_scorer(folder: Path, data: Any, seed: int, say: Callable[[str], None]) -> bytes:
    """The search's scorer as ``.keras`` bytes: read from ``folder``, or trained on the training split and saved."""
    path = Path(folder) / SCORER_FILE
    if path.exists():
        return path.read_bytes()
    from automl.builders.scorer import train_scorer

    labelled = len(data.class_names) if len(data.class_names) >= 2 else 0
    say(f"training the sample scorer on {len(data.y_train)} training images "
        f"({'their classes' if labelled else 'their rotations'}); every trial's samples are scored in its features")
    model = train_scorer(data.x_train, data.y_train, labelled,
                         (float(np.min(data.x_train)), float(np.max(data.x_train))), seed)
    with tempfile.TemporaryDirectory(prefix="automl-scorer-") as tmp:
        model.save(os.path.join(tmp, SCORER_FILE))
        content = Path(tmp, SCORER_FILE).read_bytes()
    Path(folder).mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, content)
    return content


class Scorer:
    """The scorer loaded from its bytes: images in, (features, class probabilities) out."""

    def __init__(self, content: bytes) -> None:
        import keras

        with tempfile.TemporaryDirectory(prefix="automl-scorer-") as tmp:
            path = Path(tmp, SCORER_FILE)
            path.write_bytes(content)
            self.model = keras.saving.load_model(path)

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.model.predict(np.asarray(images, dtype="float32"), batch_size=512, verbose=0)
        return np.asarray(out["features"], dtype="float64"), np.asarray(out["probabilities"])


def scores(scorer: Scorer, real: np.ndarray, fake: np.ndarray, labels: np.ndarray | None = None,
           real_features: np.ndarray | None = None) -> dict[str, float]:
    """The measures of ``fake`` against ``real`` images: fd, precision, recall, coverage, diversity (and
    class_accuracy).

    Raises:
        TrialFailedError: The samples hold NaN or infinite values.
    """
    return scored(scorer, real, fake, labels, real_features)[0]


def scored(scorer: Scorer, real: np.ndarray, fake: np.ndarray, labels: np.ndarray | None = None,
           real_features: np.ndarray | None = None) -> tuple[dict[str, float], list[float]]:
    """`scores`, and the per-class accuracies behind ``class_accuracy`` (empty without labels): the
    samples go through the scorer once."""
    if not np.isfinite(fake).all():
        raise TrialFailedError("samples: expected finite pixel values, received NaN or infinite ones")
    real_f = scorer(real)[0] if real_features is None else real_features
    fake_f, probabilities = scorer(fake)
    precision, recall = quality.precision_recall(real_f, fake_f)
    spread = quality.diversity(real_f)
    found = {"fd": quality.frechet_distance(real_f, fake_f), "precision": precision, "recall": recall,
             "coverage": quality.coverage(real_f, fake_f),
             "diversity": quality.diversity(fake_f) / spread if spread > 0 else 1.0}
    per_class = per_class_accuracy(probabilities, labels) if labels is not None else []
    if per_class:
        found["class_accuracy"] = float(np.mean(per_class))
    return found, per_class


def per_class_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> list[float]:
    """The scorer's accuracy on the samples meant to be each class (the classes present in ``labels``)."""
    predicted = probabilities.argmax(axis=1)
    return [float(np.mean(predicted[labels == c] == c)) for c in np.unique(labels)]


def grid_png(model: Any, n: int = GRID_SIZE, seed: int = GRID_SEED) -> bytes:
    """A PNG of ``n`` samples from fixed noise; a conditional model's columns are its classes."""
    classes = model.classes if model.conditional else 0
    rows = None
    if classes:
        rows = max(1, n // classes)
        n = rows * classes
    images = model.generate(n, seed=seed)
    low, high = model.value_range
    return quality.png_bytes(quality.image_grid(images, rows=rows, low=low, high=high))


def scorer_callback(content: bytes, x_val: np.ndarray, y_val: np.ndarray, epochs: int):
    """The per-epoch measures of a generative trial, as a Keras callback (Keras imported here)."""
    import keras

    class SampleQuality(keras.callbacks.Callback):
        """Puts each epoch's sample measures into its logs; keeps a grid every few epochs."""

        def __init__(self) -> None:
            super().__init__()
            self.scorer = Scorer(content)
            self.real = np.asarray(x_val[:MAX_SCORED])
            self.labels = np.asarray(y_val[:MAX_SCORED]).astype("int32")
            self.every = max(1, epochs // 4)
            self.images: dict[str, bytes] = {}
            self.per_class: list[float] = []

        def on_train_begin(self, logs: dict | None = None) -> None:
            self.real_features = self.scorer(self.real)[0]

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            labels = self.labels if self.model.conditional else None
            fake = self.model.generate(len(self.real), seed=SAMPLE_SEED, labels=labels)
            found, self.per_class = scored(self.scorer, self.real, fake, labels, self.real_features)
            if logs is not None:
                logs.update({f"val_{k}": v for k, v in found.items()})
            if epoch == 0 or (epoch + 1) % self.every == 0:
                self.images[f"samples/epoch_{epoch + 1:03d}.png"] = grid_png(self.model)

    return SampleQuality()


def check_collapse(result: Any) -> None:
    """Fails a trial whose best epoch's samples are nearly alike (a collapsed generator).

    Raises:
        TrialFailedError: The samples' diversity at the best epoch is below `quality.COLLAPSE_RATIO`
            of the validation images'.
    """
    ratio = result.at_best().get("val_diversity")
    if ratio is not None and ratio < quality.COLLAPSE_RATIO:
        raise TrialFailedError(f"generator collapsed: its samples are nearly alike (diversity {ratio:.3f} of the "
                               f"real images', below {quality.COLLAPSE_RATIO}) at its best epoch "
                               f"{result.best_epoch + 1}")


TEST_SEED = 13


def test_scores(model: Any, content: bytes, data: Any) -> dict[str, float]:
    """The best model's samples against the held-out test images, as ``test_<measure>``, with the floor.

    ``test_fd_floor`` is the distance between as many training images as there are test images and the
    test images: what a generator that reproduced the training data would score, the best to expect.
    """
    scorer = Scorer(content)
    n = min(len(data.x_test), MAX_SCORED)
    real = np.asarray(data.x_test[:n])
    labels = np.asarray(data.y_test[:n]).astype("int32") if model.conditional else None
    real_features = scorer(real)[0]
    found = scores(scorer, real, model.generate(n, seed=TEST_SEED, labels=labels), labels, real_features)
    picked = np.random.default_rng(TEST_SEED).permutation(len(data.x_train))[:n]
    found["fd_floor"] = quality.frechet_distance(real_features, scorer(np.asarray(data.x_train)[picked])[0])
    return {f"test_{k}": float(v) for k, v in found.items()}
