"""Datasets: sources, splits and the DataBundle the search trains on."""

from __future__ import annotations

from automl.data.bundle import DataBundle
from automl.data.sources import RawData, get, register
from automl.data.splits import split_three
from automl.errors import DataError
from automl.spec import LoadedCard


def load_dataset(loaded: LoadedCard) -> DataBundle:
    """Loads the data a card describes and splits it; the card's task and input win.

    Raises:
        DataError: The data does not match what the card says.
    """
    card = loaded.card
    raw = get(card.source)(loaded)
    task = card.task or raw.task
    input_kind = card.input or raw.input_kind
    if task != raw.task:
        raise DataError(f"{loaded.path}: task: expected {raw.task!r} for this data, received {task!r}")
    if input_kind == "image" and raw.x.ndim != 4:
        raise DataError(f"{loaded.path}: input: expected tabular for data of shape {raw.x.shape[1:]}, "
                        f"received 'image'")
    parts = split_three(raw.x, raw.y, card.splits, classify=task != "regression")
    return DataBundle(card.name, task, input_kind, *parts, class_names=raw.class_names)


__all__ = ["DataBundle", "RawData", "load_dataset", "register"]
