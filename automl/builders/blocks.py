"""Layer groups shared by the families: dense and conv units, normalization, text tokens."""

from __future__ import annotations

import weakref
from typing import Any

import keras
import numpy as np

from automl.builders.base import InputSpec


def regularizer(v: dict) -> keras.regularizers.Regularizer | None:
    """L1/L2 weight penalty from the trial's ``l1`` and ``l2``, or None."""
    l1, l2 = float(v.get("l1", 0.0)), float(v.get("l2", 0.0))
    return keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None


def weights(v: dict) -> dict:
    """Initializer and regularizer keyword arguments for a weighted layer."""
    return {"kernel_initializer": v.get("initializer", "glorot_uniform"), "kernel_regularizer": regularizer(v)}


def normalize(x: Any, v: dict) -> Any:
    """Batch or layer normalization, as the trial's ``norm`` says."""
    if v.get("norm") == "batch":
        return keras.layers.BatchNormalization()(x)
    if v.get("norm") == "layer":
        return keras.layers.LayerNormalization()(x)
    return x


def activation(x: Any, name: str) -> Any:
    """Applies a named activation (``leaky_relu``, ``swish``...)."""
    return keras.layers.Activation(name)(x)


def dropout(x: Any, rate: float) -> Any:
    """Dropout when the rate is above zero."""
    return keras.layers.Dropout(rate)(x) if rate > 0 else x


def dense_unit(x: Any, units: int, v: dict) -> Any:
    """Dense -> (norm) -> activation -> (dropout)."""
    x = keras.layers.Dense(units, use_bias=v.get("norm", "none") == "none", **weights(v))(x)
    x = normalize(x, v)
    return dropout(activation(x, v["activation"]), v["dropout"])


# (id of the training texts, vocab_size) -> vocabulary. Fitting once per search and size
# saves re-reading the corpus every trial; entries leave when their texts are freed, so a
# later array that reuses the id never sees a stale vocabulary.
_VOCABULARIES: dict[tuple, list[str]] = {}


def _forget(texts_id: int) -> None:
    for key in [k for k in _VOCABULARIES if k[0] == texts_id]:
        del _VOCABULARIES[key]


def text_tokens(x: Any, v: dict, spec: InputSpec) -> Any:
    """Raw strings -> token ids, with a vocabulary fitted on the training split (cached)."""
    key = (id(spec.texts), v["vocab_size"])
    if key not in _VOCABULARIES:
        fitter = keras.layers.TextVectorization(max_tokens=v["vocab_size"])
        fitter.adapt(np.asarray(spec.texts))
        if not any(k[0] == key[0] for k in _VOCABULARIES):
            weakref.finalize(spec.texts, _forget, key[0])
        _VOCABULARIES[key] = fitter.get_vocabulary()
    layer = keras.layers.TextVectorization(output_sequence_length=v["sequence_length"],
                                           vocabulary=_VOCABULARIES[key])
    return layer(x)


def vocabulary_size(v: dict, spec: InputSpec) -> int:
    """Size of the fitted vocabulary (for the embedding's input dimension)."""
    return len(_VOCABULARIES[(id(spec.texts), v["vocab_size"])])


@keras.saving.register_keras_serializable(package="automl")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned embedding of each position to a sequence of vectors."""

    def build(self, input_shape: tuple) -> None:
        self.positions = self.add_weight(name="positions", shape=tuple(input_shape[1:]),
                                         initializer="glorot_uniform")

    def call(self, x: Any) -> Any:
        return x + self.positions
