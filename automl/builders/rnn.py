"""The rnn family: stacked SimpleRNN / LSTM / GRU layers, optionally bidirectional."""

from __future__ import annotations

from typing import Any

import keras

from automl.builders.base import InputSpec, layer_value, register
from automl.builders.blocks import dropout, normalize, regularizer, text_tokens, vocabulary_size

CELLS = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


@register("rnn")
def rnn_body(x: Any, v: dict, spec: InputSpec) -> Any:
    """Embeds text tokens (text input), then runs ``layers`` recurrent layers."""
    if spec.kind == "text":
        x = text_tokens(x, v, spec)
        x = keras.layers.Embedding(vocabulary_size(v, spec), v["embed_dim"], mask_zero=True)(x)
    for i in range(v["layers"]):
        last = i == v["layers"] - 1
        cell = CELLS[v["cell"]](layer_value(v, "units", i), activation=_cell_activation(v),
                                return_sequences=not last, recurrent_dropout=v["recurrent_dropout"],
                                kernel_initializer=v["initializer"], kernel_regularizer=regularizer(v))
        x = keras.layers.Bidirectional(cell)(x) if v["bidirectional"] else cell(x)
        x = dropout(normalize(x, v), v["dropout"])
    return x


def _cell_activation(v: dict) -> str:
    # Recurrent cells are stable with bounded activations; unbounded ones fall back to tanh.
    return v["activation"] if v["activation"] in ("tanh", "sigmoid") else "tanh"
