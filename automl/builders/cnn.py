"""The cnn family: conv blocks whose filters double per block, then a dense head."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec, register
from automl.builders.blocks import activation, dense_unit


@register("cnn")
def cnn_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Builds ``blocks`` conv blocks, then a flatten or global-average head."""
    for i in range(v["blocks"]):
        x = _conv_block(x, v["filters"] * 2**i, v)
    if v["head"] == "global_avg":
        x = keras.layers.GlobalAveragePooling2D()(x)
    else:
        x = keras.layers.Flatten()(x)
    if v["dense_units"] > 0:
        x = dense_unit(x, v["dense_units"], v["activation"], False, v["dropout"])
    return x


def _conv_block(x: Any, filters: int, v: dict) -> Any:
    x = keras.layers.Conv2D(filters, v["kernel_size"], padding="same", use_bias=not v["batchnorm"])(x)
    if v["batchnorm"]:
        x = keras.layers.BatchNormalization()(x)
    x = activation(x, v["activation"])
    # Small images run out of pixels: pool only while both sides can halve.
    if min(x.shape[1], x.shape[2]) >= 2:
        pool = keras.layers.MaxPooling2D if v["pooling"] == "max" else keras.layers.AveragePooling2D
        x = pool(2)(x)
    return keras.layers.Dropout(v["dropout"])(x) if v["dropout"] > 0 else x
