"""One or more numbers per example (a linear output)."""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="regression", summary="one or more numbers per example",
    metrics={"mae": "min"}, losses=("mse", "mae", "huber"),
    objective="val_loss", output="prediction", order=40)
