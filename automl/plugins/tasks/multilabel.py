"""Any number of labels per example (one sigmoid each)."""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="multilabel", summary="any number of labels per example",
    metrics={"binary_accuracy": "max"}, losses=("binary_crossentropy", "hinge"),
    objective="val_binary_accuracy", output="probability", activation="sigmoid",
    serving_output="probabilities", ensemble_loss="binary_log_loss", order=30)
