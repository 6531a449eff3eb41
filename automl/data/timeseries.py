"""Time series: a CSV of one or more series cut into windows, for forecasting or classification."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.data.sources import RawData, data_path
from automl.data.tables import check_finite, read_table
from automl.data.targets import encode_target
from automl.errors import DataError
from automl.spec import LoadedCard


def timeseries_source(loaded: LoadedCard) -> RawData:
    """Windows of ``input_length`` rows of the value columns, in time order."""
    opts = loaded.options
    path = data_path(loaded)
    frame = read_table(path, "csv")
    named = [c for c in [opts.time_column, opts.target, opts.label, *opts.columns] if c]
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: column {missing[0]!r}: expected a column of the file "
                        f"({', '.join(map(str, frame.columns))}), received a missing column")
    used = dict.fromkeys(c for c in [opts.time_column, opts.target, *_chosen(frame, opts)] if c)
    check_finite(frame[list(used)], path)  # before sorting, so the row number is the file's
    if opts.time_column:
        frame = frame.sort_values(opts.time_column).reset_index(drop=True)
    values = _value_columns(frame, opts, path)
    starts = np.arange(0, len(frame) - opts.input_length - (0 if opts.label else opts.horizon) + 1, opts.stride)
    if len(starts) < 10:
        raise DataError(f"{path}: expected at least 10 windows of {opts.input_length} rows, received {len(starts)} "
                        f"from {len(frame)} rows")
    x = np.stack([values[s:s + opts.input_length] for s in starts]).astype("float32")
    if opts.label:
        ends = frame[opts.label].iloc[starts + opts.input_length - 1].reset_index(drop=True)
        y, task, classes = encode_target(ends.to_frame(), f"{path}: column {opts.label}")
        return RawData(x, y, task, "sequence", classes, ordered=True)
    target = opts.target or _default_target(frame, opts)
    y = frame[target].to_numpy(dtype="float32")[starts + opts.input_length + opts.horizon - 1]
    return RawData(x, y, "regression", "sequence", [], ordered=True)


def _chosen(frame: pd.DataFrame, opts) -> list:
    """The value columns: those the card names, else every numeric one but the time and label columns."""
    return opts.columns or [c for c in frame.columns if c not in (opts.time_column, opts.label)
                            and pd.api.types.is_numeric_dtype(frame[c])]


def _value_columns(frame: pd.DataFrame, opts, path) -> np.ndarray:
    chosen = _chosen(frame, opts)
    bad = [c for c in chosen if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad or not chosen:
        raise DataError(f"{path}: column {(bad or ['(none)'])[0]!r}: expected numeric series values, "
                        f"received {'text' if bad else 'no numeric column'}")
    if frame[chosen].isna().any().any():
        raise DataError(f"{path}: expected series without missing values, received gaps in "
                        f"{frame[chosen].columns[frame[chosen].isna().any()].tolist()}")
    return frame[chosen].to_numpy(dtype="float32")


def _default_target(frame: pd.DataFrame, opts) -> str:
    return opts.columns[0] if opts.columns else next(
        c for c in frame.columns if c != opts.time_column and pd.api.types.is_numeric_dtype(frame[c]))
