"""NumPy `.npz` files: ``x`` and ``y``, and optionally the source's own ``x_test`` / ``y_test``."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd

from automl.data.sources import RawData, data_path
from automl.data.targets import encode_target
from automl.errors import DataError, first_line
from automl.spec import LoadedCard

KINDS = {2: "tabular", 3: "sequence", 4: "image"}


def npz_source(loaded: LoadedCard) -> RawData:
    """Arrays from an `.npz`; the input kind follows ``x``'s number of axes."""
    path = data_path(loaded)
    try:
        with np.load(path, allow_pickle=False) as arrays:
            found = {k: arrays[k] for k in arrays.files}
    except FileNotFoundError:
        raise DataError(f"{path}: expected an existing .npz file, received a missing path") from None
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise DataError(f"{path}: expected a readable .npz file, received an error ({err})") from None
    except MemoryError as err:  # an array's header may declare any shape, whatever the file's size
        raise DataError(f"{path}: expected arrays that fit in memory, received {first_line(err)}") from None
    for key in ("x", "y"):
        if key not in found:
            raise DataError(f"{path}: expected arrays named x and y, received {sorted(found) or 'no arrays'}")
    x = found["x"]
    if x.ndim not in KINDS or len(x) != len(found["y"]):
        raise DataError(f"{path}: x: expected 2 to 4 axes and one row per label, received shape {x.shape} "
                        f"for {len(found['y'])} labels")
    has_test = "x_test" in found and "y_test" in found
    y_all = np.concatenate([found["y"], found["y_test"]]) if has_test else found["y"]
    y, task, classes = encode_target(pd.DataFrame(y_all.reshape(len(y_all), -1)), f"{path}: y")
    raw = RawData(x.astype("float32"), y[:len(x)], task, KINDS[x.ndim], classes)
    if has_test:
        raw.x_test, raw.y_test = found["x_test"].astype("float32"), y[len(x):]
    return raw
