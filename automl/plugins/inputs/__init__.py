"""The input kinds catalog: what a model's raw input is, and how the model takes it in.

An input kind is one module here defining ``PLUGIN = InputKindPlugin(...)``: the
name dataset cards give in ``input:``, the name of the model's input (what a
SavedModel's ``serving_default`` signature and ``automl predict`` call it), and
the function that makes the model's `keras.Input` and its preprocessing from an
`InputSpec`, and the one that computes that `InputSpec` (the training split's
statistics) from a `DataBundle` (heavy imports inside them, or named by a
``"module:function"`` string). Families declare which of these kinds they take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from automl.catalog import Catalog, Plugin, resolve


@dataclass(frozen=True)
class InputKindPlugin(Plugin):
    """One input kind.

    Attributes:
        input_name: The model input's name (a table with named columns has one input per column instead).
        make: ``make(spec) -> (inputs, x)``: the model's input(s) and the preprocessed
            tensor the family body receives. A function importing Keras inside
            itself, or a ``"module:function"`` string.
        statistics: ``statistics(data, outputs) -> InputSpec``: what the builders need to
            know of a `DataBundle` of this kind, from its training split only
            (default: per-channel mean and variance of an array).
        order: Where the kind sits in listings.
    """

    input_name: str = ""
    make: Callable[[Any], tuple] | str = ""
    statistics: Callable[[Any, int], Any] | str = "automl.plugins.inputs:array_statistics"
    order: int = 100

    def inputs(self, spec: Any) -> tuple:
        """The model's input(s) and the preprocessed tensor for ``spec``."""
        return resolve(self.make)(spec)

    def spec(self, data: Any, outputs: int) -> Any:
        """The `InputSpec` of a `DataBundle` of this kind, with ``outputs`` model outputs."""
        return resolve(self.statistics)(data, outputs)


INPUT_KINDS: Catalog[InputKindPlugin] = Catalog("input", "automl.plugins.inputs", InputKindPlugin)


def array_statistics(data: Any, outputs: int) -> Any:
    """Mean and variance per channel (the last axis) of the training examples."""
    import numpy as np

    from automl.builders.base import InputSpec

    x = data.x_train.reshape(-1, data.x_train.shape[-1]).astype("float64")
    variance = np.maximum(x.var(axis=0), 1e-12)
    return InputSpec(data.input_shape, data.input_kind, data.task, outputs, x.mean(axis=0).astype("float32"),
                     variance.astype("float32"), len(data.x_train))


def normalized(spec: Any, name: str) -> tuple:
    """A float input of the spec's shape, normalized with the training split's statistics inside the model."""
    import keras

    inputs = keras.Input(shape=spec.shape, name=name)
    return inputs, keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(inputs)
