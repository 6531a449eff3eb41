"""Datasets: sources, splits and the DataBundle the search trains on."""

from __future__ import annotations

from automl.data.bundle import DataBundle
from automl.data.sources import RawData
from automl.data.splits import split_in_order, split_three, split_two, take
from automl.errors import DataError
from automl.plugins.sources import SOURCES
from automl.spec import LoadedCard


def load_dataset(loaded: LoadedCard) -> DataBundle:
    """Loads the data a card describes and splits it; what the card declares must match the data.

    Raises:
        DataError: The data cannot be read, or does not match what the card says.
    """
    card = loaded.card
    raw = SOURCES.get(card.source).loader()(loaded)
    task = card.task or raw.task
    input_kind = card.input or raw.input_kind
    if task != raw.task:
        raise DataError(f"{loaded.path}: task: expected {raw.task!r} for this data, received {task!r}")
    if input_kind != raw.input_kind:
        raise DataError(f"{loaded.path}: input: expected {raw.input_kind!r} for this data, received {input_kind!r}")
    classify = task != "regression"
    if raw.ordered:
        parts = tuple(p for rows in split_in_order(len(raw.y), card.splits) for p in (take(raw.x, rows), raw.y[rows]))
    elif raw.x_test is None:
        parts = split_three(raw.x, raw.y, card.splits, classify)
    else:  # the source's own test split; validation comes out of the rest
        train, val = split_two(raw.y, card.splits, classify)
        parts = (take(raw.x, train), raw.y[train], take(raw.x, val), raw.y[val], raw.x_test, raw.y_test)
    return DataBundle(card.name, task, input_kind, *parts, class_names=raw.class_names, extras=raw.extras,
                      balance=card.class_weight == "balanced")


__all__ = ["DataBundle", "RawData", "load_dataset"]
