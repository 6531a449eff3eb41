"""An ensemble as one Keras model: the members inside, their outputs averaged with fixed weights.

Being one model, it is exported, converted (ONNX, TFLite), served, logged to
MLflow and loaded by ``automl predict`` like any single model.
"""

from __future__ import annotations

from typing import Sequence

import keras


@keras.saving.register_keras_serializable(package="automl")
class WeightedAverage(keras.layers.Layer):
    """The weighted sum of its inputs' tensors, with weights fixed at build time (they sum to 1).

    Written as multiplies and adds, ops every converter and the export vetting know.
    """

    def __init__(self, weights: Sequence[float], **kwargs) -> None:
        super().__init__(**kwargs)
        self.member_weights = [float(w) for w in weights]

    def call(self, outputs):
        total = None
        for weight, output in zip(self.member_weights, outputs):
            term = keras.ops.cast(output, "float32") * weight
            total = term if total is None else total + term
        return total

    def compute_output_shape(self, shapes):
        return shapes[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "weights": self.member_weights}


def combine(members: Sequence[keras.Model], weights: Sequence[float], output: str) -> keras.Model:
    """One model whose output is the weighted average of the members' outputs.

    Args:
        members: Trained models taking the same inputs (built by `automl.builders.build_model` with distinct
            names, since a model's layers need distinct names).
        weights: One per member, summing to 1.
        output: The task's output name (``probabilities``, ``prediction``...), which serving reads.

    Returns:
        The ensemble, uncompiled; its inputs have the first member's names, shapes and dtypes.

    Raises:
        ValueError: No members, or a weight per member missing.
    """
    if not members or len(members) != len(weights):
        raise ValueError(f"ensemble: expected a weight per member, received {len(members)} members "
                         f"and {len(weights)} weights")
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise ValueError(f"ensemble: expected members with distinct names, received {names}")
    inputs = keras.tree.map_structure(_input_like, members[0].input)
    outputs = [member(inputs) for member in members]
    average = WeightedAverage(weights, name=output)(outputs)
    return keras.Model(inputs, average, name="ensemble")


def _input_like(tensor) -> keras.KerasTensor:
    # The same name as the member's input: serving signatures and `automl predict` read inputs by name.
    name = tensor.name.split(":")[0]
    return keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype, name=name)
