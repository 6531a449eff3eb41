"""TensorFlow Datasets by name (``mnist``, ``imdb_reviews``...), read into arrays.

Tests serve fake examples with ``tensorflow_datasets.testing.mock_data``, so no
download happens there; a real run downloads into ``data_dir`` once.
"""

from __future__ import annotations

import numpy as np

from automl.data.sources import RawData, source_path
from automl.errors import DataError
from automl.spec import LoadedCard


def tfds_source(loaded: LoadedCard) -> RawData:
    """The set's supervised (input, label) pairs; its own test split when it has one."""
    import tensorflow_datasets as tfds

    opts = loaded.options
    splits = [opts.train_split] + ([opts.test_split] if opts.test_split else [])
    data_dir = str(source_path(loaded, opts.data_dir)) if opts.data_dir else None
    try:
        parts, info = tfds.load(opts.name, split=splits, as_supervised=True, with_info=True, data_dir=data_dir)
    except Exception as err:  # unknown names, missing splits, no network for a download
        raise DataError(f"{loaded.path}: options.name: expected a TensorFlow Datasets set that can be loaded, "
                        f"received {opts.name!r} ({str(err).splitlines()[0][:200]})") from None
    arrays = [_arrays(part, opts.max_examples) for part in parts]
    label = info.features[info.supervised_keys[1]]
    classes = [str(n) for n in getattr(label, "names", [])]
    x, y = arrays[0]
    task = "binary" if len(classes) == 2 else "multiclass" if classes else "regression"
    raw = RawData(x, y, task, _kind(x), classes)
    if len(arrays) > 1:
        raw.x_test, raw.y_test = arrays[1]
    return raw


def _arrays(dataset, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds

    xs, ys = [], []
    for x, y in tfds.as_numpy(dataset.take(limit) if limit else dataset):
        xs.append(x.decode("utf-8", "replace") if isinstance(x, bytes) else x)
        ys.append(y)
    x = np.array(xs, dtype=object) if isinstance(xs[0], str) else np.stack(xs).astype("float32")
    y = np.array(ys)
    return x, y.astype("int32") if y.dtype.kind in "iub" else y.astype("float32")


def _kind(x: np.ndarray) -> str:
    if x.dtype == object:
        return "text"
    return {2: "tabular", 3: "sequence", 4: "image"}.get(x.ndim, "tabular")
