"""Data sources, registered by name: each turns a dataset card into raw arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from automl.errors import DataError
from automl.registry import Registry
from automl.spec import LoadedCard


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


Source = Callable[[LoadedCard], RawData]
SOURCES: Registry[Source] = Registry("source", DataError)
register = SOURCES.register
get = SOURCES.lookup


def source_path(loaded: LoadedCard, path: str) -> Path:
    """A path from a card's options: relative to the card's folder unless absolute."""
    given = Path(path).expanduser()
    return given if given.is_absolute() else loaded.path.parent / given


@register("sklearn")
def sklearn_source(loaded: LoadedCard) -> RawData:
    """scikit-learn's bundled datasets (shipped with the package, no download)."""
    from sklearn import datasets

    name = loaded.options.dataset
    bunch = getattr(datasets, f"load_{name}")()
    if name == "diabetes":
        return RawData(bunch.data.astype("float32"), bunch.target.astype("float32"),
                       "regression", "tabular", [])
    classes = [str(c) for c in bunch.target_names]
    task = "binary" if len(classes) == 2 else "multiclass"
    if name == "digits":
        # Keep the 8x8 grid and the raw 0-16 grey levels: the model normalizes inside.
        x = bunch.images.astype("float32")[..., np.newaxis]
        return RawData(x, bunch.target.astype("int32"), task, "image", classes)
    return RawData(bunch.data.astype("float32"), bunch.target.astype("int32"), task, "tabular", classes)
