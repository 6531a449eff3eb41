"""What every family builder receives, and the family registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from automl.data import DataBundle
from automl.registry import Registry


@dataclass(frozen=True)
class InputSpec:
    """What a builder needs to know about the data (no arrays but the statistics).

    Attributes:
        shape: Shape of one example.
        kind: ``tabular`` or ``image``.
        task: ``multiclass``, ``binary`` or ``regression``.
        num_classes: Number of classes (0 for regression).
        mean, variance: Per-channel (image) or per-feature (tabular) statistics
            of the training split, baked into the model's Normalization layer
            so the model takes raw inputs.
    """

    shape: tuple[int, ...]
    kind: str
    task: str
    num_classes: int
    mean: np.ndarray
    variance: np.ndarray

    @classmethod
    def from_bundle(cls, data: DataBundle) -> "InputSpec":
        """Computes the statistics on the training split only."""
        x = data.x_train.reshape(-1, data.x_train.shape[-1]).astype("float64")
        variance = np.maximum(x.var(axis=0), 1e-12)
        return cls(data.input_shape, data.input_kind, data.task, data.num_classes,
                   x.mean(axis=0).astype("float32"), variance.astype("float32"))


# A family body takes the normalized input tensor and the trial's values, and
# returns the feature tensor that the task head is put on.
FamilyBody = Callable[[Any, dict, InputSpec], Any]
FAMILIES: Registry[FamilyBody] = Registry("family")
register = FAMILIES.register
