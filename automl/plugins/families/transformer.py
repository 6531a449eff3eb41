"""The transformer family: encoder blocks over sequences, text tokens, image patches or features."""

from __future__ import annotations

from typing import Any, ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed


class TransformerModel(FamilyModel):
    """Encoder blocks over a sequence, text tokens, image patches (ViT-style) or features (one token each)."""

    depth: ClassVar[str] = "blocks"
    blocks: P(int, ge=1, le=12) = Fixed(2)
    heads: P(int, ge=1, le=32) = Fixed(4)
    key_dim: P(int, ge=2, le=512) = Fixed(16)
    ff_dim: P(int, ge=2, le=8192) = Fixed(128)
    embed_dim: P(int, ge=2, le=2048) = Fixed(64)
    patch_size: P(int, ge=1, le=64) = Fixed(2)  # images only
    vocab_size: P(int, ge=100, le=200000) = Fixed(20000)  # text only
    sequence_length: P(int, ge=4, le=4096) = Fixed(128)  # text only


def build(x: Any, v: dict, spec: Any) -> Any:
    """Embeds the input as a sequence of vectors, adds positions, runs ``blocks`` encoder blocks."""
    import keras

    from automl.builders.blocks import PositionEmbedding

    x = PositionEmbedding()(_embed(x, v, spec))
    for _ in range(v["blocks"]):
        x = _encoder_block(x, v)
    return keras.layers.GlobalAveragePooling1D()(x)


def _embed(x: Any, v: dict, spec: Any) -> Any:
    import keras

    from automl.builders.blocks import text_tokens, vocabulary_size, weights

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
    import keras

    from automl.builders.blocks import weights

    attended = keras.layers.MultiHeadAttention(v["heads"], v["key_dim"], dropout=v["dropout"])(x, x)
    x = keras.layers.LayerNormalization()(x + attended)
    hidden = keras.layers.Dense(v["ff_dim"], activation=v["activation"], **weights(v))(x)
    hidden = keras.layers.Dense(x.shape[-1], **weights(v))(keras.layers.Dropout(v["dropout"])(hidden))
    return keras.layers.LayerNormalization()(x + hidden)


PLUGIN = FamilyPlugin(name="transformer", summary=TransformerModel.__doc__.splitlines()[0], schema=TransformerModel,
                      inputs=("sequence", "text", "image", "tabular", "audio"), build=build, order=40)
