"""The cnn family: conv blocks (plain, separable, residual), then a dense head."""

from __future__ import annotations

from typing import Any, ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed


class CnnModel(FamilyModel):
    """Conv blocks (filters double per block unless given per layer), then a dense head."""

    depth: ClassVar[str] = "blocks"
    blocks: P(int, ge=1, le=8) = Fixed(2)
    filters: P(int, per_layer=True, ge=1, le=1024) = Fixed(32)
    kernel_size: P(int, per_layer=True, ge=1, le=11) = Fixed(3)
    separable: P(bool) = Fixed(False)
    residual: P(bool) = Fixed(False)
    pooling: P(str, allowed=("max", "avg")) = Fixed("max")
    head: P(str, allowed=("global_avg", "flatten")) = Fixed("flatten")
    dense_units: P(int, ge=0, le=8192) = Fixed(64)


def build(x: Any, v: dict, spec: Any) -> Any:
    """Builds ``blocks`` conv blocks, then a flatten or global-average head."""
    import keras

    from automl.builders.base import layer_value
    from automl.builders.blocks import dense_unit

    for i in range(v["blocks"]):
        filters = layer_value(v, "filters", i, None if "filters_1" in v else v["filters"] * 2**i)
        x = _conv_block(x, filters, layer_value(v, "kernel_size", i), v)
    pool = keras.layers.GlobalAveragePooling2D if v["head"] == "global_avg" else keras.layers.Flatten
    x = pool()(x)
    return dense_unit(x, v["dense_units"], v) if v["dense_units"] > 0 else x


def _conv_block(x: Any, filters: int, kernel: int, v: dict) -> Any:
    import keras

    from automl.builders.blocks import activation, dropout, normalize, weights

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


PLUGIN = FamilyPlugin(name="cnn", summary=CnnModel.__doc__.splitlines()[0], schema=CnnModel,
                      inputs=("image", "audio"), build=build, order=20)
