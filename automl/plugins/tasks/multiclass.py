"""One class of several per example (softmax over the classes)."""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="multiclass", summary="one class of several per example",
    metrics={"accuracy": "max"},
    losses=("sparse_categorical_crossentropy", "categorical_crossentropy", "hinge"),
    objective="val_accuracy", output="probabilities", activation="softmax",
    serving="automl.export.serving:argmax_outputs", serving_output="probabilities", labels=True,
    ensemble_loss="log_loss", order=10)
