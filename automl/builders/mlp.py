"""The mlp family: a stack of dense layers (images and sequences are flattened first)."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec, layer_value, register
from automl.builders.blocks import dense_unit


@register("mlp")
def mlp_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Builds ``layers`` dense units; ``units`` may be given per layer."""
    if len(spec.shape) > 1:
        x = keras.layers.Flatten()(x)
    for i in range(v["layers"]):
        x = dense_unit(x, layer_value(v, "units", i), v)
    return x
