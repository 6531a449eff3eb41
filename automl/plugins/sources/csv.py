"""A CSV file through pandas: named columns in (numeric or categorical), or one free-text column."""

from __future__ import annotations

from typing import Literal

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict

# pandas decompresses these.
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst", ".csv.zip")


class TableOptions(Strict):
    """Options of a CSV or Parquet file: which column(s) to predict, and from what.

    Paths are relative to the card's folder. Numeric and categorical (text-valued)
    columns are told apart from the data; ``text`` names one free-text column to
    learn from instead of the table.
    """

    path: str
    target: str | list[str]
    text: str | None = None
    missing: Literal["refuse", "drop"] = "refuse"
    drop: list[str] = []


def table(n: int = 60):
    """A small table: two numeric columns, one categorical, a binary target that depends on them."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"age": rng.integers(18, 80, n), "spend": rng.normal(50, 15, n).round(1),
                          "city": rng.choice(["paris", "lyon"], n)})
    frame["churn"] = np.where(frame.spend < 50, "yes", "no")
    return frame


def example(folder) -> dict:
    table().to_csv(folder / "table.csv", index=False)
    return {"name": "table", "source": "csv", "options": {"path": "table.csv", "target": "churn"},
            "task": "binary", "input": "tabular"}


def broken(folder) -> dict:
    (folder / "broken.csv").write_bytes(b"")
    return {"name": "broken", "source": "csv", "options": {"path": "broken.csv", "target": "churn"}}


def guess(path) -> bool:
    return path.suffix.lower() == ".csv"


PLUGIN = SourcePlugin("csv", "a CSV file: a table, or one free-text column", options=TableOptions,
                      load="automl.data.tables:csv_source", reads="file", suffixes=CSV_SUFFIXES,
                      noun="csv file", example=example, broken=broken, guess=guess,
                      order=20)
