"""The cnn family: conv blocks (plain, separable, residual), then a dense head."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec, layer_value, register
from automl.builders.blocks import activation, dense_unit, dropout, normalize, weights


@register("cnn")
def cnn_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Builds ``blocks`` conv blocks, then a flatten or global-average head."""
    for i in range(v["blocks"]):
        filters = layer_value(v, "filters", i, None if "filters_1" in v else v["filters"] * 2**i)
        x = _conv_block(x, filters, layer_value(v, "kernel_size", i), v)
    pool = keras.layers.GlobalAveragePooling2D if v["head"] == "global_avg" else keras.layers.Flatten
    x = pool()(x)
    return dense_unit(x, v["dense_units"], v) if v["dense_units"] > 0 else x


def _conv_block(x: Any, filters: int, kernel: int, v: dict) -> Any:
    conv = keras.layers.SeparableConv2D if v["separable"] else keras.layers.Conv2D
    extra = {} if v["separable"] else weights(v)
    y = conv(filters, kernel, padding="same", use_bias=v["norm"] == "none", **extra)(x)
    y = activation(normalize(y, v), v["activation"])
    if v["residual"]:
        shortcut = x if x.shape[-1] == filters else keras.layers.Conv2D(filters, 1, **weights(v))(x)
        y = keras.layers.Add()([y, shortcut])
    # Small images run out of pixels: pool only while both sides can halve.
    if min(y.shape[1], y.shape[2]) >= 2:
        pool = keras.layers.MaxPooling2D if v["pooling"] == "max" else keras.layers.AveragePooling2D
        y = pool(2)(y)
    return dropout(y, v["dropout"])
