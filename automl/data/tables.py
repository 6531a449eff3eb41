"""CSV and Parquet files through pandas: named columns in, or one free-text column.

Numeric columns stay numbers and text-valued ones are categorical; both are
encoded inside the model (normalization, vocabulary lookup), so an exported
model takes the raw columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from automl.data.sources import RawData, data_path
from automl.data.targets import encode_target
from automl.errors import DataError, first_line
from automl.spec import LoadedCard
from automl.spec.filekind import describe


def read_table(path: Path, kind: str) -> pd.DataFrame:
    """Reads a CSV or Parquet file; unreadable or empty files are one-line errors."""
    try:
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{path}: expected an existing {kind} file, received a missing path") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError, OSError) as err:
        raise DataError(f"{path}: expected a readable {kind} file, received an error "
                        f"({str(err).splitlines()[0]})") from None
    if frame.empty:
        raise DataError(f"{path}: expected at least one row of data, received an empty table")
    return frame


def csv_source(loaded: LoadedCard) -> RawData:
    """A CSV file (see `table_source`)."""
    return table_source(loaded, "csv")


def parquet_source(loaded: LoadedCard) -> RawData:
    """A Parquet file (see `table_source`)."""
    return table_source(loaded, "parquet")


def table_source(loaded: LoadedCard, kind: str) -> RawData:
    """Targets and inputs from a table; rows with missing values are refused or dropped."""
    opts = loaded.options
    path = data_path(loaded)
    frame = read_table(path, kind)
    targets = [opts.target] if isinstance(opts.target, str) else list(opts.target)
    wanted = targets + ([opts.text] if opts.text else []) + list(opts.drop)
    for column in wanted:
        if column not in frame.columns:
            raise DataError(f"{path}: column {column!r}: expected a column of the file "
                            f"({', '.join(map(str, frame.columns))}), received a missing column")
    frame = frame.drop(columns=list(opts.drop))
    check_finite(frame, path)  # before dropping rows with gaps, so the row number is the file's
    frame = _missing(frame, opts.missing, path)
    y, task, classes = encode_target(frame[targets], f"{path}: column {', '.join(targets)}")
    if opts.text:
        texts = frame[opts.text].astype(str).to_numpy(dtype=object)
        return RawData(texts, y, task, "text", classes)
    return RawData(_columns(frame.drop(columns=targets), path), y, task, "tabular", classes)


def _missing(frame: pd.DataFrame, policy: str, path: Path) -> pd.DataFrame:
    counts = frame.isna().sum()
    if not counts.any():
        return frame
    if policy == "drop":
        return frame.dropna().reset_index(drop=True)
    column = counts[counts > 0].index[0]
    raise DataError(f"{path}: column {column!r}: expected no missing values (or options.missing: drop), "
                    f"received {int(counts[column])} missing")


def check_finite(frame: pd.DataFrame, path: Path) -> None:
    """Refuses ``inf`` and ``-inf`` in numeric columns: every trial would end on a NaN loss.

    Raises:
        DataError: Names the first such column and its first such row (1 is the
            first row after the header).
    """
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        try:
            infinite = np.isinf(column.to_numpy(dtype="float64", na_value=np.nan))
        except (TypeError, ValueError):  # complex numbers and the like: other checks refuse them
            continue
        if infinite.any():
            row = int(np.argmax(infinite))
            raise DataError(f"{path}: column {name!r}: expected finite numbers, received "
                            f"{column.iloc[row]} in row {row + 1}")


def _columns(frame: pd.DataFrame, path: Path) -> dict[str, np.ndarray]:
    if frame.shape[1] == 0:
        raise DataError(f"{path}: expected at least one input column besides the target, received none")
    columns = {}
    for name in frame.columns:
        key = safe_name(str(name))
        if pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name]):
            columns[key] = frame[name].to_numpy(dtype="float32").reshape(-1, 1)
        else:
            columns[key] = frame[name].astype(str).to_numpy(dtype=object).reshape(-1, 1)
    return columns


def safe_name(column: str) -> str:
    """A column name usable as a model input name (letters, digits, underscores)."""
    name = re.sub(r"\W+", "_", column.strip()).strip("_") or "column"
    return f"c_{name}" if name[0].isdigit() else name


def write_csv(frame: pd.DataFrame, path: str, flag: str) -> Path:
    """Writes ``frame`` to ``path`` whole or not at all (a temporary file renamed into place).

    Args:
        frame: The table.
        path: Where it goes.
        flag: The command-line flag that named ``path``, for the error.

    Raises:
        DataError: The folder does not exist or cannot be written.
    """
    import os

    target = Path(path)
    folder = describe(target.parent)
    if folder != "a folder":  # pandas would only say "Cannot save file into a non-existent directory"
        why = "does not exist" if folder == "a missing path" else f"is {folder}, not a folder"
        raise DataError(f"{flag}: expected a file in an existing folder, received {path!r} "
                        f"(the folder {str(target.parent)!r} {why})")
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        frame.to_csv(temporary, index=False)
        os.replace(temporary, target)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise DataError(f"{flag}: cannot write {path!r}: {err.strerror or first_line(err)}") from None
    return target
