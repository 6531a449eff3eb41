"""Small layer groups shared by the families."""

from __future__ import annotations

from typing import Any

import keras


def activation(x: Any, name: str) -> Any:
    """Applies a named activation (``leaky_relu``, ``swish``...)."""
    return keras.layers.Activation(name)(x)


def dense_unit(x: Any, units: int, act: str, batchnorm: bool, dropout: float) -> Any:
    """Dense -> (batch norm) -> activation -> (dropout)."""
    x = keras.layers.Dense(units, use_bias=not batchnorm)(x)
    if batchnorm:
        x = keras.layers.BatchNormalization()(x)
    x = activation(x, act)
    return keras.layers.Dropout(dropout)(x) if dropout > 0 else x
