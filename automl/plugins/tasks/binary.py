"""Yes or no per example (one sigmoid)."""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="binary", summary="yes or no per example",
    metrics={"accuracy": "max"}, losses=("binary_crossentropy", "hinge"),
    objective="val_accuracy", output="probability", activation="sigmoid",
    serving="automl.export.serving:threshold_outputs", serving_output="probability", labels=True,
    ensemble_loss="binary_log_loss", order=20)
