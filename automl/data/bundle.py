"""DataBundle: the arrays of a dataset split three ways, and what kind of problem it is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np

from automl.data.graphs import GraphExamples
from automl.errors import DataError


@dataclass
class DataBundle:
    """A dataset ready for search: train / validation / test arrays and their meaning.

    Attributes:
        name: Dataset name (from the card).
        task: ``multiclass``, ``binary`` or ``regression``.
        input_kind: A name in the input kinds catalog (``tabular``, ``image``, ``graph``...).
        x_train, y_train, x_val, y_val, x_test, y_test: The splits; the test
            split is never seen by the search. Graph inputs are `GraphExamples`.
        class_names: Label names for classification, index = class id.
    """

    name: str
    task: str
    input_kind: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str] = field(default_factory=list)
    extras: dict = field(default_factory=dict)
    balance: bool = False

    def class_weights(self) -> dict[int, float] | None:
        """Per-class loss weights inversely proportional to class frequency, when the card asks."""
        if not self.balance or self.task not in ("binary", "multiclass"):
            return None
        counts = np.bincount(self.y_train, minlength=max(self.num_classes, 2))
        present = counts > 0
        weights = np.where(present, len(self.y_train) / (present.sum() * np.maximum(counts, 1)), 0.0)
        return {i: float(w) for i, w in enumerate(weights)}

    @property
    def columns(self) -> list[str] | None:
        """Column names when the inputs are a table of named columns, else None."""
        return list(self.x_train) if isinstance(self.x_train, dict) else None

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example, without the batch axis (columns: their count)."""
        if isinstance(self.x_train, dict):
            return (len(self.x_train),)
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return len(self.class_names)

    def as_reconstruction(self) -> "DataBundle":
        """The same inputs with themselves as targets (for autoencoders).

        Raises:
            DataError: The inputs are named columns or strings, which cannot be reconstructed.
        """
        if self.columns is not None or self.input_kind in ("text", "graph"):
            received = "named columns" if self.columns else self.input_kind
            raise DataError(f"dataset {self.name!r}: expected numeric array inputs for an autoencoder, "
                            f"received {received}")
        return replace(self, task="reconstruction", y_train=self.x_train, y_val=self.x_val, y_test=self.x_test)

    def as_generation(self) -> "DataBundle":
        """The same images, to generate more of; class labels kept (for conditional models) when there are any.

        Raises:
            DataError: The inputs are not images.
        """
        if self.input_kind != "image" or self.columns is not None:
            raise DataError(f"dataset {self.name!r}: expected image inputs for a generative family (gan, diffusion), "
                            f"received {self.input_kind} inputs")
        if self.task == "multiclass":
            return replace(self, task="generation")
        zeros = [np.zeros(len(y), dtype="int32") for y in (self.y_train, self.y_val, self.y_test)]
        return replace(self, task="generation", y_train=zeros[0], y_val=zeros[1], y_test=zeros[2], class_names=[])

    def fingerprint(self) -> str:
        """A short hash of all the data and labels, to tell datasets apart in MLflow.

        Computed once per bundle: kept in the instance's ``__dict__``, not in a field, so a
        bundle made with `dataclasses.replace` (other arrays) computes its own.
        """
        if "_fingerprint" not in self.__dict__:
            self.__dict__["_fingerprint"] = self._digest()
        return self.__dict__["_fingerprint"]

    def _digest(self) -> str:
        digest = hashlib.sha256()
        for part in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test):
            if isinstance(part, GraphExamples):
                digest.update(part.digest())
                continue
            for name, array in (sorted(part.items()) if isinstance(part, dict) else [("", part)]):
                digest.update(name.encode())
                digest.update(array.astype(str).tobytes() if array.dtype == object
                              else np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    def with_validation_in_train(self) -> "DataBundle":
        """The train and validation splits as one train split (to retrain a chosen configuration)."""
        def join(a, b):
            if isinstance(a, GraphExamples):
                return replace(a, rows=np.concatenate([a.rows, b.rows]))
            if isinstance(a, dict):
                return {k: np.concatenate([a[k], b[k]]) for k in a}
            return np.concatenate([a, b])

        return replace(self, x_train=join(self.x_train, self.x_val), y_train=join(self.y_train, self.y_val))

    def summary(self) -> dict:
        """Sizes and kinds, for logs, MLflow and the model card; a graph dataset's adds how its files
        were read (``graph``: level, node features, a node table's columns), which `automl predict` reuses."""
        summary = {
            "dataset": self.name, "task": self.task, "input_kind": self.input_kind,
            "input_shape": list(self.input_shape), "num_classes": self.num_classes, "columns": self.columns,
            "train_size": len(self.y_train), "validation_size": len(self.y_val),
            "test_size": len(self.y_test), "fingerprint": self.fingerprint(),
        }
        if isinstance(self.extras.get("graph"), dict):
            summary["graph"] = self.extras["graph"]
        return summary
