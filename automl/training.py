"""Fit one candidate: early stopping, a guard against NaN losses, device set-up.

Tracking reaches training only as Keras callbacks passed in; this module never
imports `automl.tracking`.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

from typing import Callable

import keras
import numpy as np

from automl.data import DataBundle
from automl.data.feed import to_dataset
from automl.errors import AutoMLError, TrialFailedError
from automl.spec.schema import Train


@dataclass
class FitResult:
    """What one fit produced.

    Attributes:
        history: Per-epoch metrics (``loss``, ``val_accuracy``...), one value per epoch.
        best_epoch: Index of the epoch whose weights the model holds.
        epochs_run: Epochs actually trained (early stopping may cut them).
        seconds: Wall time of the fit.
        stopped_early: Early stopping ended the fit before its last epoch.
        artifacts: Files the trial made besides its weights, by name (a generative trial's sample
            grids, as PNG bytes): plain data, so they travel back from a worker with the result.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    epochs_run: int = 0
    seconds: float = 0.0
    stopped_early: bool = False
    artifacts: dict[str, bytes] = field(default_factory=dict)
    stop_reason: str = ""  # why a rule other than early stopping's patience ended the fit (median stopping)

    def at_best(self) -> dict[str, float]:
        """Every metric at the best epoch."""
        return {k: float(v[self.best_epoch]) for k, v in self.history.items()}


class FailOnNonFinite(keras.callbacks.Callback):
    """Raises TrialFailedError at the end of an epoch whose loss (any of them: a GAN has two) is NaN or infinite.

    It checks per epoch, not per batch: a per-batch hook makes Keras wait for every
    step's result before dispatching the next, and a NaN loss stays NaN, so the epoch's mean shows it.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            if key.endswith("loss") and not math.isfinite(float(value)):
                raise TrialFailedError(f"{key} became {float(value)} at epoch {epoch}")


def fit(model: keras.Model, data: DataBundle, train: Train, batch_size: int,
        objective: tuple[str, str], callbacks: list | None = None, epochs: int | None = None,
        initial_epoch: int = 0, targets: Callable[[np.ndarray], np.ndarray] | None = None,
        seed: int = 0, augment: Callable | None = None, measures: list | None = None) -> FitResult:
    """Trains ``model`` on the train split, early-stopping on the validation objective.

    Args:
        model: A compiled model.
        data: The dataset; its test split is not touched.
        train: The space's train section (epochs, early stopping).
        batch_size: The trial's batch size.
        objective: ``(metric name, "max" | "min")``, e.g. ``("val_accuracy", "max")``.
        callbacks: Extra callbacks, such as the tracker's per-epoch logger.
        epochs: Overrides ``train.epochs`` (Hyperband sets it per trial).
        initial_epoch: Epoch to start counting from (Hyperband continuations).
        targets: Turns labels into what the loss wants (e.g. one-hot); identity by default.
        seed: Seed of the per-epoch shuffle.
        augment: Training-batch augmentation (never applied to validation data).
        measures: Callbacks that add metrics to each epoch's logs (a generative model's sample scores):
            they run before early stopping and every other callback, which then see those metrics.

    Returns:
        The history and the best epoch; the model holds the best epoch's weights.
    """
    name, mode = objective
    watch, watch_mode = _monitor(train, objective)
    stop = keras.callbacks.EarlyStopping(
        monitor=watch, mode=watch_mode, patience=train.early_stopping.patience,
        min_delta=train.early_stopping.min_delta, restore_best_weights=train.early_stopping.restore_best_weights)
    targets = targets or (lambda y: y)
    train_data = to_dataset(data.x_train, targets(data.y_train), batch_size, shuffle=True, seed=seed,
                            augment=augment)
    val_data = to_dataset(data.x_val, targets(data.y_val), max(batch_size, 256))
    started = time.perf_counter()
    history = model.fit(train_data, validation_data=val_data, epochs=epochs or train.epochs,
                        initial_epoch=initial_epoch,
                        callbacks=[*(measures or []), FailOnNonFinite(), stop, *(callbacks or [])],
                        class_weight=data.class_weights(),
                        shuffle=False, verbose=0)  # the dataset reshuffles itself each epoch
    seconds = time.perf_counter() - started
    values = {k: [float(x) for x in v] for k, v in history.history.items()}
    for needed in (name, watch):
        if needed not in values:
            raise TrialFailedError(f"metric {needed!r} not among the metrics {sorted(values)}")
    series = values[watch]
    best = series.index(max(series) if watch_mode == "max" else min(series))
    if not train.early_stopping.restore_best_weights:
        best = len(series) - 1  # the model holds the last epoch's weights
    return FitResult(values, best, len(series), seconds, stopped_early=stop.stopped_epoch > 0)


def fit_epochs(model: keras.Model, data: DataBundle, batch_size: int, epochs: int,
               targets: Callable[[np.ndarray], np.ndarray] | None = None, seed: int = 0,
               augment: Callable | None = None) -> FitResult:
    """Trains ``model`` on the train split for exactly ``epochs`` epochs (no validation, no early stop).

    For retraining a chosen configuration on more data for the epochs a search found best.
    """
    targets = targets or (lambda y: y)
    train_data = to_dataset(data.x_train, targets(data.y_train), batch_size, shuffle=True, seed=seed,
                            augment=augment)
    started = time.perf_counter()
    history = model.fit(train_data, epochs=epochs, callbacks=[FailOnNonFinite()],
                        class_weight=data.class_weights(), shuffle=False, verbose=0)
    values = {k: [float(x) for x in v] for k, v in history.history.items()}
    return FitResult(values, epochs - 1, epochs, time.perf_counter() - started)


def _monitor(train: Train, objective: tuple[str, str]) -> tuple[str, str]:
    """The metric early stopping watches, and whether higher is better."""
    watch = train.early_stopping.monitor
    if watch == "objective" or watch == objective[0]:
        return objective
    from automl.plugins.tasks import direction_of

    return watch, direction_of(watch)


def configure_devices(device: str) -> str:
    """Chooses where TensorFlow runs; call before any model is built.

    Args:
        device: ``auto`` (a GPU when TensorFlow sees one), ``cpu`` or ``gpu``.

    Returns:
        A short description of the devices in use.

    Raises:
        AutoMLError: ``gpu`` was asked for and none is visible.
    """
    if device == "cpu":
        # Hiding the GPUs from CUDA itself works even if TensorFlow is already imported.
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    import tensorflow as tf

    # Every trial and fold is a new model, so its first predict traces anew and TensorFlow warns of
    # "retracing" in paragraphs: expected here, and nothing a user can act on.
    tf.get_logger().setLevel("ERROR")
    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu" and gpus:
        tf.config.set_visible_devices([], "GPU")
        gpus = []
    if device == "gpu" and not gpus:
        raise AutoMLError("--device: expected a GPU visible to TensorFlow, received none (use --device cpu)")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # the runtime is already initialized; growth was set before or cannot be now
    return f"{len(gpus)} GPU(s)" if gpus else "CPU"
