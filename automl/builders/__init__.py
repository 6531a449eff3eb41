"""Model builders: architecture families (registered by name), heads and compile."""

from __future__ import annotations

import keras

from automl.builders import cnn, mlp  # noqa: F401 - importing registers the families
from automl.builders.base import FAMILIES, InputSpec, register
from automl.builders.compile import compile_model, default_objective, head


def build_model(values: dict, spec: InputSpec) -> keras.Model:
    """Builds and compiles one candidate: raw input -> normalization -> family -> head.

    Args:
        values: The trial's hyperparameter values (``family`` among them).
        spec: The input's shape, task and training statistics.

    Returns:
        A compiled Keras model that takes raw (unnormalized) inputs.
    """
    family = values["family"]
    body = FAMILIES.lookup(family)
    name = "image" if spec.kind == "image" else "features"
    inputs = keras.Input(shape=spec.shape, name=name)
    x = keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(inputs)
    x = body(x, values, spec)
    model = keras.Model(inputs, head(x, spec), name=f"{family}_candidate")
    compile_model(model, values, spec)
    return model


__all__ = ["FAMILIES", "InputSpec", "build_model", "default_objective", "register"]
