"""The mlp family: a stack of dense layers (images are flattened first)."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec, register
from automl.builders.blocks import dense_unit


@register("mlp")
def mlp_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Builds ``layers`` dense units of width ``units``."""
    if len(spec.shape) > 1:
        x = keras.layers.Flatten()(x)
    for _ in range(v["layers"]):
        x = dense_unit(x, v["units"], v["activation"], v["batchnorm"], v["dropout"])
    return x
