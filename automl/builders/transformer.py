"""The transformer family: encoder blocks over sequences, text tokens or image patches."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec, register
from automl.builders.blocks import PositionEmbedding, text_tokens, vocabulary_size, weights


@register("transformer")
def transformer_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Embeds the input as a sequence of vectors, adds positions, runs ``blocks`` encoder blocks."""
    x = PositionEmbedding()(_embed(x, v, spec))
    for _ in range(v["blocks"]):
        x = _encoder_block(x, v)
    return keras.layers.GlobalAveragePooling1D()(x)


def _embed(x: Any, v: dict, spec: InputSpec) -> Any:
    width = v["embed_dim"]
    if spec.kind == "text":
        return keras.layers.Embedding(vocabulary_size(v, spec), width)(text_tokens(x, v, spec))
    if spec.kind == "image":
        # ViT-style: non-overlapping patches, each projected to one vector.
        size = max(1, min(v["patch_size"], spec.shape[0], spec.shape[1]))
        x = keras.layers.Conv2D(width, size, strides=size, **weights(v))(x)
        return keras.layers.Reshape((x.shape[1] * x.shape[2], width))(x)
    if len(spec.shape) == 1:  # tabular features as a sequence of scalars
        x = keras.layers.Reshape((spec.shape[0], 1))(x)
    return keras.layers.Dense(width, **weights(v))(x)


def _encoder_block(x: Any, v: dict) -> Any:
    attended = keras.layers.MultiHeadAttention(v["heads"], v["key_dim"], dropout=v["dropout"])(x, x)
    x = keras.layers.LayerNormalization()(x + attended)
    hidden = keras.layers.Dense(v["ff_dim"], activation=v["activation"], **weights(v))(x)
    hidden = keras.layers.Dense(x.shape[-1], **weights(v))(keras.layers.Dropout(v["dropout"])(hidden))
    return keras.layers.LayerNormalization()(x + hidden)
