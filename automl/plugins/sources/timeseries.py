"""A CSV of one or more series, cut into windows, for forecasting or classification."""

from __future__ import annotations

from pydantic import Field

from automl.plugins.sources import SourcePlugin
from automl.plugins.sources.csv import CSV_SUFFIXES
from automl.spec.families import Strict


class TimeSeriesOptions(Strict):
    """Options of a CSV of one or more series, cut into windows.

    Each example is ``input_length`` consecutive rows of the value columns. With
    ``label``, the example is classified by that column at the window's last row;
    otherwise ``target`` is forecast ``horizon`` rows after the window.
    """

    path: str
    columns: list[str] = []  # default: every numeric column but the time, target-only and label ones
    time_column: str | None = None
    target: str | None = None
    label: str | None = None
    input_length: int = Field(24, ge=2, le=10000)
    horizon: int = Field(1, ge=1, le=10000)
    stride: int = Field(1, ge=1)


def example(folder) -> dict:
    import numpy as np
    import pandas as pd

    t = np.arange(80)
    pd.DataFrame({"time": t, "load": np.sin(t / 5.0)}).to_csv(folder / "series.csv", index=False)
    return {"name": "series", "source": "timeseries",
            "options": {"path": "series.csv", "time_column": "time", "input_length": 8},
            "task": "regression", "input": "sequence"}


def broken(folder) -> dict:
    (folder / "broken.csv").write_bytes(b"")
    return {"name": "broken", "source": "timeseries", "options": {"path": "broken.csv"}}


PLUGIN = SourcePlugin("timeseries", "a CSV of series cut into windows", options=TimeSeriesOptions,
                      load="automl.data.timeseries:timeseries_source", reads="file", suffixes=CSV_SUFFIXES,
                      noun="csv file", example=example, broken=broken, order=70)
