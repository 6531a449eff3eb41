"""Text input: one raw string per example (families tokenize it inside the model)."""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin


def make(spec: Any) -> tuple:
    import keras

    inputs = keras.Input(shape=(), dtype="string", name="text")
    return inputs, inputs


def statistics(data: Any, outputs: int) -> Any:
    """The training strings themselves (families build their vocabulary from them)."""
    from automl.builders.base import InputSpec

    return InputSpec(data.input_shape, "text", data.task, outputs, n_train=len(data.x_train), texts=data.x_train)


PLUGIN = InputKindPlugin(name="text", summary="One string per example", input_name="text", make=make,
                         statistics=statistics, order=40)
