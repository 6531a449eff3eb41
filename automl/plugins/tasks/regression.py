"""One or more numbers per example (a linear output)."""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="regression", summary="one or more numbers per example",
    metrics={"mae": "min"}, losses=("mse", "mae", "huber"),
    objective="val_loss", output="prediction", head="automl.builders.compile:regression_head",
    ensemble_loss="squared_error", order=40)
