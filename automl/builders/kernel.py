"""Radial-basis features: a row's similarity to each of a fixed set of centres (a kernel machine's layer)."""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package="automl")
class RBFFeatures(keras.layers.Layer):
    """``exp(-gamma * |x - c|^2)`` for every centre ``c``: the Gaussian kernel between the input rows and
    the centres, which a dense head on top turns into a kernel machine (kernel logistic or ridge regression).

    The centres are weights, not trained (the fit that chooses them is scikit-learn's, `automl.search.linear`),
    so they are saved with the model and every export format carries them as constants.

    Args:
        centres: How many centres (the rows the kernel model was fitted on).
        gamma: The kernel's inverse width, in the input's squared units.
    """

    def __init__(self, centres: int, gamma: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.centres, self.gamma = int(centres), float(gamma)

    def build(self, input_shape: tuple) -> None:
        self.kernel_centres = self.add_weight(name="centres", shape=(self.centres, int(input_shape[-1])),
                                              initializer="zeros", trainable=False)

    def call(self, x: Any) -> Any:
        c = keras.ops.cast(self.kernel_centres, x.dtype)
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, one matrix product instead of a (rows, centres, features) tensor;
        # rounding can leave it a hair under zero, hence the floor.
        cross = keras.ops.matmul(x, keras.ops.transpose(c))
        squared = (keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True) - 2.0 * cross
                   + keras.ops.sum(keras.ops.square(c), axis=-1)[None, :])
        return keras.ops.exp(-self.gamma * keras.ops.maximum(squared, 0.0))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape[:-1], self.centres)

    def get_config(self) -> dict:
        return {**super().get_config(), "centres": self.centres, "gamma": self.gamma}
