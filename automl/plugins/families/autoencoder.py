"""The autoencoder family: dense or conv encoder, a bottleneck, a mirrored decoder.

The model reconstructs its raw input (the decoder's output is de-normalized),
and `reconstruction_error` scores examples for anomaly detection.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed, values_of


class AutoencoderModel(FamilyModel):
    """Dense or convolutional encoder and mirrored decoder around a bottleneck."""

    kind: P(str, allowed=("dense", "conv")) = Fixed("dense")
    layers: P(int, ge=1, le=6) = Fixed(2)
    units: P(int, per_layer=True, ge=1, le=4096) = Fixed(64)  # dense kind
    filters: P(int, per_layer=True, ge=1, le=512) = Fixed(16)  # conv kind
    bottleneck: P(int, ge=1, le=1024) = Fixed(8)


def build(x: Any, v: dict, spec: Any) -> Any:
    """Encodes to ``bottleneck`` values and decodes to the input's (normalized) shape."""
    if v["kind"] == "conv":
        if spec.kind != "image":
            raise ValueError(f"autoencoder kind 'conv' needs image input, received {spec.kind} input")
        return _conv(x, v, spec)
    return _dense(x, v, spec)


def fits(model: AutoencoderModel, input_kind: str) -> tuple[str, str] | None:
    """A conv autoencoder needs images: every trial on other input would fail."""
    if input_kind != "image" and "conv" in (values_of(model.kind) or ()):
        return "kind", (f"expected a kind for {input_kind} input (the conv autoencoder takes image input), "
                        f"received 'conv'")
    return None


def _dense(x: Any, v: dict, spec: Any) -> Any:
    import keras

    from automl.builders.base import layer_value
    from automl.builders.blocks import dense_unit, weights

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


def _conv(x: Any, v: dict, spec: Any) -> Any:
    import keras

    from automl.builders.base import layer_value
    from automl.builders.blocks import activation, weights

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


def reconstruction_error(model: Any, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Mean squared reconstruction error per example: higher means more anomalous."""
    rebuilt = model.predict(x, batch_size=batch_size, verbose=0)
    return ((rebuilt - x) ** 2).reshape(len(x), -1).mean(axis=1)


PLUGIN = FamilyPlugin(name="autoencoder", summary=AutoencoderModel.__doc__.splitlines()[0], schema=AutoencoderModel,
                      inputs=("tabular", "image"), tasks=("reconstruction",), build=build, fits=fits, order=50)
