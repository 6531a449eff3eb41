"""The input kinds catalog: what a model's raw input is, and how the model takes it in.

An input kind is one module here defining ``PLUGIN = InputKindPlugin(...)``: the
name dataset cards give in ``input:``, the name of the model's input (what a
SavedModel's ``serving_default`` signature and ``automl predict`` call it), and
the function that makes the model's `keras.Input` and its preprocessing from an
`InputSpec` (Keras imported inside it, or named by a ``"module:function"``
string). Families declare which of these kinds they take.
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
        order: Where the kind sits in listings.
    """

    input_name: str = ""
    make: Callable[[Any], tuple] | str = ""
    order: int = 100

    def inputs(self, spec: Any) -> tuple:
        """The model's input(s) and the preprocessed tensor for ``spec``."""
        make = resolve(self.make) if isinstance(self.make, str) else self.make
        return make(spec)


INPUT_KINDS: Catalog[InputKindPlugin] = Catalog("input", "automl.plugins.inputs", InputKindPlugin)


def normalized(spec: Any, name: str) -> tuple:
    """A float input of the spec's shape, normalized with the training split's statistics inside the model."""
    import keras

    inputs = keras.Input(shape=spec.shape, name=name)
    return inputs, keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(inputs)
