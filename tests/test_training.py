"""Fitting one candidate: the best epoch, the metric early stopping watches, devices."""

import pytest

from automl.builders import InputSpec, build_model
from automl.errors import AutoMLError
from automl.spec.schema import EarlyStopping, Train
from automl.training import configure_devices, fit

VALUES = {"family": "mlp", "layers": 1, "units": 32, "activation": "relu", "dropout": 0.0,
          "norm": "none", "optimizer": "adam", "learning_rate": 1e-2, "batch_size": 64}


@pytest.mark.parametrize("monitor, key, pick", [("val_loss", "val_loss", min),
                                                ("objective", "val_accuracy", max)])
def test_best_epoch_follows_the_monitored_metric(digits, monitor, key, pick):
    model = build_model(VALUES, InputSpec.from_bundle(digits))
    train = Train(epochs=4, early_stopping=EarlyStopping(monitor=monitor, patience=4))
    result = fit(model, digits, train, 64, ("val_accuracy", "max"))
    series = result.history[key]
    assert result.epochs_run == 4 and result.best_epoch == series.index(pick(series))
    # The model holds the best epoch's weights (early stopping restores them).
    now = model.evaluate(digits.x_val, digits.y_val, verbose=0, return_dict=True)["accuracy"]
    assert now == pytest.approx(result.at_best()["val_accuracy"], abs=1e-6)


def test_cpu_device_hides_gpus_and_gpu_without_one_is_a_clear_error(monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")  # restored after the test

    assert configure_devices("cpu") == "CPU"
    assert tf.config.get_visible_devices("GPU") == []
    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(AutoMLError, match="--device: expected a GPU visible to TensorFlow, received none"):
            configure_devices("gpu")


def test_without_restoring_the_model_keeps_the_last_epoch(digits):
    model = build_model(VALUES, InputSpec.from_bundle(digits))
    train = Train(epochs=3, early_stopping=EarlyStopping(patience=5, restore_best_weights=False))
    result = fit(model, digits, train, 64, ("val_accuracy", "max"))
    assert result.best_epoch == 2
    now = model.evaluate(digits.x_val, digits.y_val, verbose=0, return_dict=True)["accuracy"]
    assert now == pytest.approx(result.history["val_accuracy"][-1], abs=1e-6)


def test_early_stopping_is_reported_when_it_ends_the_fit(digits):
    # A learning rate of 0 leaves the weights (so the validation loss) unchanged: no epoch improves.
    model = build_model({**VALUES, "learning_rate": 0.0}, InputSpec.from_bundle(digits))
    train = Train(epochs=6, early_stopping=EarlyStopping(patience=1))
    result = fit(model, digits, train, 64, ("val_accuracy", "max"))
    assert result.stopped_early and result.epochs_run == 2
    full = fit(build_model(VALUES, InputSpec.from_bundle(digits)), digits,
               Train(epochs=2, early_stopping=EarlyStopping(patience=5)), 64, ("val_accuracy", "max"))
    assert not full.stopped_early and full.epochs_run == 2


def test_several_batches_per_execution_still_train_on_every_batch(digits):
    import math

    from automl.builders.compile import STEPS_PER_EXECUTION

    model = build_model(VALUES, InputSpec.from_bundle(digits))
    assert model.steps_per_execution == STEPS_PER_EXECUTION > 1
    batches = math.ceil(len(digits.x_train) / 50)
    assert batches % STEPS_PER_EXECUTION != 0  # a last execution shorter than the others
    fit(model, digits, Train(epochs=2, early_stopping=EarlyStopping(patience=2)), 50, ("val_accuracy", "max"))
    assert int(model.optimizer.iterations.numpy()) == 2 * batches  # one update per batch, none skipped


@pytest.mark.parametrize("monitor, objective, watched", [
    ("val_mae", ("val_loss", "min"), ("val_mae", "min")),
    ("val_accuracy", ("val_loss", "min"), ("val_accuracy", "max")),
    ("objective", ("val_mae", "max"), ("val_mae", "max")),  # a direction the space gives wins
])
def test_early_stopping_watches_in_the_metrics_direction(monitor, objective, watched):
    from automl.training import _monitor

    assert _monitor(Train(early_stopping=EarlyStopping(monitor=monitor)), objective) == watched
