"""A Parquet file through pandas: read like a CSV file."""

from __future__ import annotations

from automl.plugins.sources import SourcePlugin
from automl.plugins.sources.csv import TableOptions, table


def example(folder) -> dict:
    table().to_parquet(folder / "table.parquet")
    return {"name": "table", "source": "parquet", "options": {"path": "table.parquet", "target": "churn"},
            "task": "binary", "input": "tabular"}


def broken(folder) -> dict:
    (folder / "broken.parquet").write_bytes(b"PAR1 not really")
    return {"name": "broken", "source": "parquet", "options": {"path": "broken.parquet", "target": "churn"}}


def guess(path) -> bool:
    return path.suffix.lower() == ".parquet"


PLUGIN = SourcePlugin("parquet", "a Parquet file, read like a CSV file", options=TableOptions,
                      load="automl.data.tables:parquet_source", reads="file", suffixes=(".parquet",),
                      noun="parquet file", example=example, broken=broken, guess=guess,
                      order=30)
