"""The rnn family: stacked SimpleRNN / LSTM / GRU layers, optionally bidirectional."""

from __future__ import annotations

from typing import Any, ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed


class RnnModel(FamilyModel):
    """Recurrent: stacked SimpleRNN / LSTM / GRU layers, optionally bidirectional."""

    depth: ClassVar[str] = "layers"
    cell: P(str, allowed=("simple", "lstm", "gru")) = Fixed("lstm")
    layers: P(int, ge=1, le=6) = Fixed(1)
    units: P(int, per_layer=True, ge=1, le=2048) = Fixed(64)
    bidirectional: P(bool) = Fixed(False)
    recurrent_dropout: P(float, ge=0.0, le=0.9) = Fixed(0.0)
    embed_dim: P(int, ge=2, le=1024) = Fixed(64)  # text only: token embedding width
    vocab_size: P(int, ge=100, le=200000) = Fixed(20000)  # text only
    sequence_length: P(int, ge=4, le=4096) = Fixed(128)  # text only: tokens kept per example


def build(x: Any, v: dict, spec: Any) -> Any:
    """Embeds text tokens (text input), then runs ``layers`` recurrent layers."""
    import keras

    from automl.builders.base import layer_value
    from automl.builders.blocks import dropout, normalize, regularizer, text_tokens, vocabulary_size

    cells = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
    if spec.kind == "text":
        x = text_tokens(x, v, spec)
        x = keras.layers.Embedding(vocabulary_size(v, spec), v["embed_dim"], mask_zero=True)(x)
    for i in range(v["layers"]):
        last = i == v["layers"] - 1
        cell = cells[v["cell"]](layer_value(v, "units", i), activation=_cell_activation(v),
                                return_sequences=not last, recurrent_dropout=v["recurrent_dropout"],
                                kernel_initializer=v["initializer"], kernel_regularizer=regularizer(v))
        x = keras.layers.Bidirectional(cell)(x) if v["bidirectional"] else cell(x)
        x = dropout(normalize(x, v), v["dropout"])
    return x


def _cell_activation(v: dict) -> str:
    # Recurrent cells are stable with bounded activations; unbounded ones fall back to tanh.
    return v["activation"] if v["activation"] in ("tanh", "sigmoid") else "tanh"


PLUGIN = FamilyPlugin(name="rnn", summary=RnnModel.__doc__.splitlines()[0], schema=RnnModel,
                      inputs=("sequence", "text"), build=build, order=30)
