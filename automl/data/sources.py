"""What every data source returns, and the paths it reads.

The sources themselves are plug-ins, one module each in `automl.plugins.sources`;
their loaders live beside this module (`automl.data.tables`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from automl.errors import DataError
from automl.spec import LoadedCard
from automl.spec.datapaths import problem, resolve


@dataclass
class RawData:
    """What a source returns: inputs, targets, and what it knows about them."""

    x: np.ndarray | dict[str, np.ndarray]
    y: np.ndarray
    task: str
    input_kind: str
    class_names: list[str]
    x_test: np.ndarray | None = None  # the source's own test split, when it has one
    y_test: np.ndarray | None = None
    ordered: bool = False  # examples follow time: split in order, never at random
    extras: dict = field(default_factory=dict)  # what the model must know (e.g. an audio sampling rate)


def source_path(loaded: LoadedCard, path: str) -> Path:
    """A path from a card's options: relative to the card's folder unless absolute."""
    return resolve(loaded.path, path)


def data_path(loaded: LoadedCard) -> Path:
    """The card's ``options.path``, once checked to be what its source may read (see `automl.spec.datapaths`).

    Checked again here, not only by `automl validate`: the card may come from
    ``--data``, or the file may have changed since.

    Raises:
        DataError: Missing, not a regular file (or folder) of the source's kind.
    """
    path = source_path(loaded, loaded.options.path)
    wrong = problem(loaded.card.source, path)
    if wrong:
        raise DataError(f"{path}: {wrong}")
    return path
