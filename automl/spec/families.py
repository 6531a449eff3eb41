"""The `model:` section of each architecture family (schema only, no TensorFlow).

A family is a schema here plus a builder module registered under the same name
in `automl.builders`. Keys marked layer-wise accept ``{per_layer: value}``.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict

from automl.spec.params import Domain, Fixed, parse_param

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "selu", "swish")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal")
NORMS = ("none", "batch", "layer")
INPUT_KINDS = ("tabular", "image", "sequence", "text", "audio")


def P(kind: type, per_layer: bool = False, **bounds: Any) -> Any:  # noqa: N802 - a type in field lists
    """Field type for a searchable value whose single values lie in a domain."""
    check = partial(parse_param, domain=Domain(kind, **bounds), per_layer=per_layer)
    return Annotated[Any, AfterValidator(check)]


class Strict(BaseModel):
    """A section of a YAML file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class FamilyModel(Strict):
    """Knobs every family has: activation, dropout, normalization, initializer, L1/L2."""

    depth: ClassVar[str] = "layers"  # the key that counts layers, for per-layer values
    inputs: ClassVar[tuple[str, ...]] = ()

    activation: P(str, allowed=ACTIVATIONS) = Fixed("relu")
    dropout: P(float, ge=0.0, le=0.95) = Fixed(0.0)
    norm: P(str, allowed=NORMS) = Fixed("none")
    initializer: P(str, allowed=INITIALIZERS) = Fixed("glorot_uniform")
    l1: P(float, ge=0.0, le=1.0) = Fixed(0.0)
    l2: P(float, ge=0.0, le=1.0) = Fixed(0.0)


class MlpModel(FamilyModel):
    """Feed-forward: dense layers (images and sequences are flattened first)."""

    inputs: ClassVar[tuple[str, ...]] = ("tabular", "image", "sequence", "audio")
    layers: P(int, ge=1, le=16) = Fixed(2)
    units: P(int, per_layer=True, ge=1, le=8192) = Fixed(128)


class CnnModel(FamilyModel):
    """Conv blocks (filters double per block unless given per layer), then a dense head."""

    depth: ClassVar[str] = "blocks"
    inputs: ClassVar[tuple[str, ...]] = ("image", "audio")
    blocks: P(int, ge=1, le=8) = Fixed(2)
    filters: P(int, per_layer=True, ge=1, le=1024) = Fixed(32)
    kernel_size: P(int, per_layer=True, ge=1, le=11) = Fixed(3)
    separable: P(bool) = Fixed(False)
    residual: P(bool) = Fixed(False)
    pooling: P(str, allowed=("max", "avg")) = Fixed("max")
    head: P(str, allowed=("global_avg", "flatten")) = Fixed("flatten")
    dense_units: P(int, ge=0, le=8192) = Fixed(64)


class RnnModel(FamilyModel):
    """Recurrent: stacked SimpleRNN / LSTM / GRU layers, optionally bidirectional."""

    inputs: ClassVar[tuple[str, ...]] = ("sequence", "text")
    cell: P(str, allowed=("simple", "lstm", "gru")) = Fixed("lstm")
    layers: P(int, ge=1, le=6) = Fixed(1)
    units: P(int, per_layer=True, ge=1, le=2048) = Fixed(64)
    bidirectional: P(bool) = Fixed(False)
    recurrent_dropout: P(float, ge=0.0, le=0.9) = Fixed(0.0)
    embed_dim: P(int, ge=2, le=1024) = Fixed(64)  # text only: token embedding width
    vocab_size: P(int, ge=100, le=200000) = Fixed(20000)  # text only
    sequence_length: P(int, ge=4, le=4096) = Fixed(128)  # text only: tokens kept per example


class TransformerModel(FamilyModel):
    """Encoder blocks over a sequence, text tokens, image patches (ViT-style) or features (one token each)."""

    depth: ClassVar[str] = "blocks"
    inputs: ClassVar[tuple[str, ...]] = ("sequence", "text", "image", "tabular", "audio")
    blocks: P(int, ge=1, le=12) = Fixed(2)
    heads: P(int, ge=1, le=32) = Fixed(4)
    key_dim: P(int, ge=2, le=512) = Fixed(16)
    ff_dim: P(int, ge=2, le=8192) = Fixed(128)
    embed_dim: P(int, ge=2, le=2048) = Fixed(64)
    patch_size: P(int, ge=1, le=64) = Fixed(2)  # images only
    vocab_size: P(int, ge=100, le=200000) = Fixed(20000)  # text only
    sequence_length: P(int, ge=4, le=4096) = Fixed(128)  # text only


class AutoencoderModel(FamilyModel):
    """Dense or convolutional encoder and mirrored decoder around a bottleneck."""

    inputs: ClassVar[tuple[str, ...]] = ("tabular", "image")
    kind: P(str, allowed=("dense", "conv")) = Fixed("dense")
    layers: P(int, ge=1, le=6) = Fixed(2)
    units: P(int, per_layer=True, ge=1, le=4096) = Fixed(64)  # dense kind
    filters: P(int, per_layer=True, ge=1, le=512) = Fixed(16)  # conv kind
    bottleneck: P(int, ge=1, le=1024) = Fixed(8)


# Family name -> schema of its `model:` section.
FAMILY_MODELS: dict[str, type[FamilyModel]] = {
    "mlp": MlpModel, "cnn": CnnModel, "rnn": RnnModel,
    "transformer": TransformerModel, "autoencoder": AutoencoderModel,
}


def family_inputs(family: str) -> tuple[str, ...]:
    """The input kinds a family can take."""
    return FAMILY_MODELS[family].inputs
