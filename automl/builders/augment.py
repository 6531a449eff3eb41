"""Training-time augmentation from the space's `augment` section, applied to training batches only.

It runs in the input pipeline, never inside the model: random layers in an
exported graph change its outputs (up to 0.27 measured for RandomFlip) and break
ONNX conversion.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np

from automl.builders.base import InputSpec


def augmenter(v: dict, spec: InputSpec) -> Callable[[Any], Any] | None:
    """A function from a batch of raw inputs to an augmented batch, or None when nothing is on."""
    if spec.kind == "image":
        layers = _image_layers(v)
        if not layers:
            return None
        pipeline = keras.Sequential(layers)
        return lambda x: pipeline(x, training=True)
    noise = float(v.get("augment.noise", 0.0))
    if noise > 0 and spec.kind in ("sequence", "tabular") and not spec.columns:
        scale = (noise * np.sqrt(spec.variance)).astype("float32")
        return lambda x: x + keras.random.normal(keras.ops.shape(x)) * scale
    return None


def _image_layers(v: dict) -> list:
    layers = []
    if v.get("augment.flip", "none") != "none":
        layers.append(keras.layers.RandomFlip(v["augment.flip"]))
    if v.get("augment.rotation", 0.0) > 0:
        layers.append(keras.layers.RandomRotation(v["augment.rotation"]))
    if v.get("augment.zoom", 0.0) > 0:
        layers.append(keras.layers.RandomZoom(v["augment.zoom"]))
    if v.get("augment.translation", 0.0) > 0:
        layers.append(keras.layers.RandomTranslation(v["augment.translation"], v["augment.translation"]))
    if v.get("augment.contrast", 0.0) > 0:
        layers.append(keras.layers.RandomContrast(v["augment.contrast"]))
    return layers
