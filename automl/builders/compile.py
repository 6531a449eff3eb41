"""Task heads, losses, metrics, optimizers and learning-rate schedules."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from automl.builders.base import InputSpec
from automl.catalog import resolve
from automl.plugins.tasks import TASKS, TaskPlugin, direction_of

OPTIMIZERS = {
    "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW, "adagrad": keras.optimizers.Adagrad,
    "adadelta": keras.optimizers.Adadelta, "nadam": keras.optimizers.Nadam,
}
# Batches run per call into the compiled train step. Keras's default of one returns
# to Python after every batch; on digits' small CNNs (40 batches an epoch, two CPU
# cores) eight made an epoch about 30% faster with the same weights and metrics.
# Callbacks still see every epoch; batch-level hooks would see every eighth batch.
STEPS_PER_EXECUTION = 8
ONE_HOT_LOSSES = ("categorical_crossentropy", "hinge")


def head(x: Any, spec: InputSpec, inputs: Any) -> Any:
    """The task's output layer (float32 even under mixed precision), as the tasks catalog names it."""
    task = TASKS.get(spec.task)
    return resolve(task.head)(x, spec, task)


def dense_head(x: Any, spec: InputSpec, task: TaskPlugin) -> Any:
    """One dense layer with the task's activation and output name."""
    return keras.layers.Dense(spec.num_outputs, activation=task.activation, dtype="float32", name=task.output)(x)


def reconstruction_head(x: Any, spec: InputSpec, task: TaskPlugin) -> Any:
    """The decoder works in normalized units; give back the input's own scale."""
    out = keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance, invert=True)(x)
    return keras.layers.Activation("linear", dtype="float32", name=task.output)(out)


def regression_head(x: Any, spec: InputSpec, task: TaskPlugin) -> Any:
    """A linear layer predicting standardized targets, then the training targets' scale and mean given back.

    The network starts out predicting the mean, whatever the targets' units; the
    loss compares standardized values (`StandardizedLoss`), so a target in the
    thousands trains as one near 1 does, and the model still predicts in its units.
    """
    if spec.target_mean is None:
        return dense_head(x, spec, task)
    z = keras.layers.Dense(spec.num_outputs, dtype="float32", name="standardized")(x)
    return keras.layers.Normalization(axis=-1, mean=spec.target_mean, variance=np.square(spec.target_std),
                                      invert=True, dtype="float32", name=task.output)(z)


@keras.saving.register_keras_serializable(package="automl")
class StandardizedLoss(keras.losses.Loss):
    """A regression loss on standardized targets: ``base(y / std, prediction / std)``.

    Args:
        base: A Keras loss name (``mse``, ``mae``, ``huber``).
        std: Each target's training standard deviation.
    """

    def __init__(self, base: str, std: Any, name: str | None = None, reduction: str = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        super().__init__(name=name or base, reduction=reduction, dtype=dtype)
        self.base, self.std = base, [float(s) for s in np.ravel(std)]
        self._loss = keras.losses.get(base)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        std = keras.ops.convert_to_tensor(self.std, dtype=y_pred.dtype)
        return self._loss(keras.ops.cast(y_true, y_pred.dtype) / std, y_pred / std)

    def get_config(self) -> dict:
        return {"base": self.base, "std": self.std, "name": self.name, "reduction": self.reduction}


def default_objective(task: str) -> tuple[str, str]:
    """The objective a search on this task maximizes or minimizes by default."""
    name = TASKS.get(task).objective
    return name, direction_of(name, task)


def loss_name(v: dict, spec: InputSpec) -> str:
    """The trial's loss, ``auto`` resolved per task.

    Raises:
        ValueError: The loss does not fit the task.
    """
    loss = v.get("loss", "auto")
    allowed = TASKS.get(spec.task).losses
    if loss == "auto":
        return allowed[0]
    if loss not in allowed:
        raise ValueError(f"loss: expected one of {', '.join(allowed)} for a {spec.task} task, received {loss!r}")
    return loss


def prepare_targets(v: dict, spec: InputSpec, y: np.ndarray) -> np.ndarray:
    """Targets in the form the loss wants (one-hot for categorical losses on class ids)."""
    if spec.task == "multiclass" and loss_name(v, spec) in ONE_HOT_LOSSES:
        return keras.utils.to_categorical(y, spec.num_outputs)
    return y


def compile_model(model: keras.Model, v: dict, spec: InputSpec, epochs: int) -> None:
    """Compiles with the trial's optimizer, schedule and clipping, and the task's loss."""
    loss = loss_name(v, spec)
    if loss == "hinge" and spec.task == "multiclass":
        loss = "categorical_hinge"
    if spec.task == "regression" and spec.target_std is not None:
        loss = StandardizedLoss(loss, spec.target_std)
    model.compile(optimizer=optimizer(v, spec, epochs), loss=loss, metrics=list(TASKS.get(spec.task).metrics),
                  steps_per_execution=STEPS_PER_EXECUTION)


def optimizer(v: dict, spec: InputSpec, epochs: int) -> keras.optimizers.Optimizer:
    """The trial's optimizer over its learning-rate schedule."""
    extra: dict[str, Any] = {}
    if v["optimizer"] in ("sgd", "rmsprop"):
        extra["momentum"] = v.get("momentum", 0.0)
    if v["optimizer"] == "sgd":
        extra["nesterov"] = v.get("nesterov", False)
    if v["optimizer"] == "adamw":
        extra["weight_decay"] = v.get("weight_decay", 0.004)
    if v.get("clipnorm", 0.0) > 0:
        extra["clipnorm"] = v["clipnorm"]
    return OPTIMIZERS[v["optimizer"]](learning_rate=schedule(v, spec, epochs), **extra)


def schedule(v: dict, spec: InputSpec, epochs: int) -> Any:
    """A learning rate, or a schedule counted in epochs converted to steps."""
    lr, kind = v["learning_rate"], v.get("schedule", "constant")
    steps = max(1, math.ceil(spec.n_train / v["batch_size"]))
    if kind in ("exponential", "step"):
        return keras.optimizers.schedules.ExponentialDecay(
            lr, decay_steps=v["decay_epochs"] * steps, decay_rate=v["decay_rate"], staircase=kind == "step")
    if kind == "cosine":
        warmup = min(v["warmup_epochs"], epochs - 1) * steps
        return keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else lr, decay_steps=max(1, epochs * steps - warmup), warmup_target=lr if warmup else None,
            warmup_steps=warmup)
    return lr


def schedule_callbacks(v: dict) -> list[keras.callbacks.Callback]:
    """Callbacks a schedule needs (reduce-on-plateau works per epoch, not per step)."""
    if v.get("schedule") == "plateau":
        return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=v["plateau_factor"],
                                                  patience=v["plateau_patience"], verbose=0)]
    return []
