"""scikit-learn's bundled datasets: the offline defaults (digits, iris, wine, breast_cancer, diabetes)."""

from __future__ import annotations

import numpy as np

from automl.data.sources import RawData
from automl.spec import LoadedCard


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
