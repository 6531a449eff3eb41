"""Task heads, losses, metrics and optimizers."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec

OPTIMIZERS = {
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "adagrad": keras.optimizers.Adagrad,
    "adadelta": keras.optimizers.Adadelta,
    "nadam": keras.optimizers.Nadam,
}

# task -> (loss, metrics, default objective, objective direction)
TASKS = {
    "multiclass": ("sparse_categorical_crossentropy", ["accuracy"], "val_accuracy", "max"),
    "binary": ("binary_crossentropy", ["accuracy"], "val_accuracy", "max"),
    "regression": ("mse", ["mae"], "val_loss", "min"),
}


def head(x: Any, spec: InputSpec) -> Any:
    """Puts the task's output layer on the features (float32 even under mixed precision)."""
    if spec.task == "multiclass":
        return keras.layers.Dense(spec.num_classes, activation="softmax", dtype="float32",
                                  name="probabilities")(x)
    if spec.task == "binary":
        return keras.layers.Dense(1, activation="sigmoid", dtype="float32", name="probability")(x)
    return keras.layers.Dense(1, dtype="float32", name="prediction")(x)


def default_objective(task: str) -> tuple[str, str]:
    """The objective a search on this task maximizes or minimizes by default."""
    _, _, name, direction = TASKS[task]
    return name, direction


def compile_model(model: keras.Model, v: dict, spec: InputSpec) -> None:
    """Compiles with the trial's optimizer and learning rate and the task's loss."""
    loss, metrics, _, _ = TASKS[spec.task]
    optimizer = OPTIMIZERS[v["optimizer"]](learning_rate=v["learning_rate"])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
