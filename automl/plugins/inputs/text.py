"""Text input: one raw string per example (families tokenize it inside the model)."""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin


def make(spec: Any) -> tuple:
    import keras

    inputs = keras.Input(shape=(), dtype="string", name="text")
    return inputs, inputs


PLUGIN = InputKindPlugin(name="text", summary="One string per example", input_name="text", make=make, order=40)
