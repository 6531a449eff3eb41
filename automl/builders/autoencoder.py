"""The autoencoder family: dense or conv encoder, a bottleneck, a mirrored decoder.

The model reconstructs its raw input (the decoder's output is de-normalized),
and `reconstruction_error` scores examples for anomaly detection.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from automl.builders.base import InputSpec, layer_value, register
from automl.builders.blocks import activation, dense_unit, weights


@register("autoencoder")
def autoencoder_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Encodes to ``bottleneck`` values and decodes to the input's (normalized) shape."""
    if v["kind"] == "conv":
        if spec.kind != "image":
            raise ValueError(f"autoencoder kind 'conv' needs image input, received {spec.kind} input")
        return _conv(x, v, spec)
    return _dense(x, v, spec)


def _dense(x: Any, v: dict, spec: InputSpec) -> Any:
    size = int(np.prod(spec.shape))
    x = keras.layers.Flatten()(x) if len(spec.shape) > 1 else x
    widths = [layer_value(v, "units", i) for i in range(v["layers"])]
    for units in widths:
        x = dense_unit(x, units, v)
    x = keras.layers.Dense(v["bottleneck"], name="bottleneck", **weights(v))(x)
    for units in reversed(widths):
        x = dense_unit(x, units, v)
    x = keras.layers.Dense(size, **weights(v))(x)
    return keras.layers.Reshape(spec.shape)(x) if len(spec.shape) > 1 else x


def _conv(x: Any, v: dict, spec: InputSpec) -> Any:
    pooled = []
    for i in range(v["layers"]):
        x = keras.layers.Conv2D(layer_value(v, "filters", i), 3, padding="same", **weights(v))(x)
        x = activation(x, v["activation"])
        pooled.append(x.shape[1] % 2 == 0 and x.shape[2] % 2 == 0)
        x = keras.layers.MaxPooling2D(2)(x) if pooled[-1] else x
    shape = tuple(x.shape[1:])
    x = keras.layers.Dense(v["bottleneck"], name="bottleneck")(keras.layers.Flatten()(x))
    x = keras.layers.Reshape(shape)(keras.layers.Dense(int(np.prod(shape)))(x))
    for i in reversed(range(v["layers"])):
        x = keras.layers.UpSampling2D(2)(x) if pooled[i] else x
        x = activation(keras.layers.Conv2D(layer_value(v, "filters", i), 3, padding="same", **weights(v))(x),
                       v["activation"])
    return keras.layers.Conv2D(spec.shape[-1], 3, padding="same")(x)


def reconstruction_error(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Mean squared reconstruction error per example: higher means more anomalous."""
    rebuilt = model.predict(x, batch_size=batch_size, verbose=0)
    return ((rebuilt - x) ** 2).reshape(len(x), -1).mean(axis=1)
