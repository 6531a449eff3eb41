"""What every family builder receives (the families themselves are in `automl.plugins.families`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from automl.data import DataBundle


@dataclass(frozen=True)
class ColumnSpec:
    """One named input column: numeric (with training statistics) or categorical (with its vocabulary)."""

    name: str
    kind: str
    mean: float = 0.0
    variance: float = 1.0
    vocabulary: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        """Values this column becomes once encoded (one-hot has a slot for unseen values)."""
        return 1 if self.kind == "numeric" else len(self.vocabulary) + 1

    @classmethod
    def from_values(cls, name: str, values: np.ndarray) -> "ColumnSpec":
        """Statistics or vocabulary of one training column."""
        if values.dtype == object:
            return cls(name, "categorical", vocabulary=tuple(sorted({str(v) for v in values.ravel()})))
        values = values.astype("float64")
        return cls(name, "numeric", float(values.mean()), float(max(values.var(), 1e-12)))


@dataclass(frozen=True)
class InputSpec:
    """What a builder needs to know about the data (statistics, not the arrays).

    Attributes:
        shape: Shape of one example (``()`` for a raw string).
        kind: A name in the input kinds catalog (``tabular``, ``image``, ``graph``...).
        task: ``multiclass``, ``binary``, ``multilabel``, ``regression`` or ``reconstruction``.
        num_outputs: Classes (multiclass), labels (multilabel), targets (regression), else 1.
        mean, variance: Per-channel or per-feature statistics of the training split,
            baked into the model's Normalization layer so it takes raw inputs.
        n_train: Training examples, for schedules counted in epochs.
        texts: Training strings (text input), for the vocabulary.
        columns: Named input columns (a table with categorical columns), in input order.
    """

    shape: tuple[int, ...]
    kind: str
    task: str
    num_outputs: int
    mean: np.ndarray | None = None
    variance: np.ndarray | None = None
    n_train: int = 1000
    texts: np.ndarray | None = None
    columns: tuple[ColumnSpec, ...] = ()
    sampling_rate: int = 16000  # audio only
    num_mel_bins: int = 40  # audio only
    image_shape: tuple[int, ...] = ()  # audio only: the log-mel image the families see
    graph_level: str = ""  # graph only: "node" (predict nodes of one graph) or "graph" (predict whole graphs)
    value_range: tuple[float, float] = (0.0, 1.0)  # generation only: the training images' (min, max)
    target_mean: np.ndarray | None = None  # regression only: each target's training mean and standard deviation,
    target_std: np.ndarray | None = None  # which the head undoes, so the network learns standardized targets

    def for_body(self) -> "InputSpec":
        """What the family sees: audio arrives as a one-channel log-mel image."""
        return replace(self, kind="image", shape=self.image_shape) if self.kind == "audio" else self

    @classmethod
    def from_bundle(cls, data: DataBundle) -> "InputSpec":
        """Computes the statistics on the training split only, as the data's input kind says."""
        outputs = data.num_classes if data.task in ("multiclass", "multilabel", "generation") else 1
        if data.task == "regression" and data.y_train.ndim == 2:
            outputs = data.y_train.shape[1]
        from automl.plugins.inputs import INPUT_KINDS

        # A table with named (maybe categorical) columns is tabular whatever else it says.
        spec = INPUT_KINDS.get("tabular" if data.columns is not None else data.input_kind).spec(data, outputs)
        if data.task == "generation":  # samples come out in the training images' range
            spec = replace(spec, value_range=(float(np.min(data.x_train)), float(np.max(data.x_train))))
        if data.task == "regression":
            y = np.asarray(data.y_train, "float64").reshape(len(data.y_train), -1)
            spec = replace(spec, target_mean=y.mean(axis=0).astype("float32"),
                           target_std=np.maximum(y.std(axis=0), 1e-6).astype("float32"))
        return spec


def layer_value(v: dict, key: str, i: int, default: Any = None) -> Any:
    """Layer ``i``'s (0-based) value of a layer-wise key: ``key_<i+1>`` when given per layer.

    Args:
        v: The trial's values.
        key: The key (``units``).
        i: Layer index.
        default: Used when the key is not per layer; ``None`` means ``v[key]``.
    """
    per_layer = f"{key}_{i + 1}"
    if per_layer in v:
        return v[per_layer]
    return v[key] if default is None else default
