"""Tabular input: a row of numeric features, or named numeric and categorical columns."""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin, array_statistics, normalized


def make(spec: Any) -> tuple:
    """One ``features`` input normalized inside the model, or one named input per column when the table has them."""
    return _columns(spec) if spec.columns else normalized(spec, "features")


def statistics(data: Any, outputs: int) -> Any:
    """Per-feature statistics, or each named column's statistics or vocabulary."""
    from automl.builders.base import ColumnSpec, InputSpec

    if data.columns is None:
        return array_statistics(data, outputs)
    columns = tuple(ColumnSpec.from_values(n, data.x_train[n]) for n in data.columns)
    return InputSpec((sum(c.width for c in columns),), "tabular", data.task, outputs, n_train=len(data.y_train),
                     columns=columns)


def _columns(spec: Any) -> tuple:
    """One named input per column, each encoded inside the model, then joined."""
    import keras

    inputs, encoded = {}, []
    for column in spec.columns:
        if column.kind == "numeric":
            inputs[column.name] = keras.Input(shape=(1,), name=column.name)
            layer = keras.layers.Normalization(mean=[column.mean], variance=[column.variance])
        else:
            inputs[column.name] = keras.Input(shape=(1,), dtype="string", name=column.name)
            layer = keras.layers.StringLookup(vocabulary=list(column.vocabulary), output_mode="one_hot")
        encoded.append(layer(inputs[column.name]))
    joined = keras.layers.Concatenate()(encoded) if len(encoded) > 1 else encoded[0]
    return inputs, joined


PLUGIN = InputKindPlugin(name="tabular", summary="A row of features (or named numeric and categorical columns)",
                         input_name="features", make=make, statistics=statistics, order=10)
