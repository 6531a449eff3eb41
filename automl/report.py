"""The end-of-search summary: leaderboard, test score, export path, how to open MLflow."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from automl.pipeline import SearchResult


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def leaderboard_table(result: SearchResult) -> Table:
    """The top trials as a table: objective, size and time, then the searched values."""
    table = Table(title=f"Leaderboard: {result.experiment} (top {len(result.leaderboard)})")
    for column in ("rank", "trial", result.objective, "params", "epochs", "seconds"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("hyperparameters", overflow="fold")
    fixed = {"trial", result.objective, "params", "epochs", "seconds"}
    for rank, row in enumerate(result.leaderboard, 1):
        values = " ".join(f"{k}={_cell(v)}" for k, v in row.items() if k not in fixed)
        table.add_row(str(rank), row["trial"], _cell(row[result.objective]), _cell(row["params"]),
                      _cell(row["epochs"]), _cell(row["seconds"]), values)
    return table


def ui_command(tracking_uri: str) -> str:
    """The command that opens the MLflow UI on this search's store."""
    if tracking_uri.startswith(("http://", "https://")):
        return f"open {tracking_uri} in a browser"
    return f"mlflow ui --backend-store-uri {tracking_uri} --host 127.0.0.1 --port 5000"


def print_summary(result: SearchResult, console: Console | None = None) -> None:
    """Prints the leaderboard and what the user does next."""
    # A pipe or a log file gets a wide table rather than rich's 80 columns.
    console = console or Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)
    console.print(leaderboard_table(result))
    console.print(f"trials: {result.completed} completed, {result.failed} failed")
    tests = ", ".join(f"{k}={v:.4f}" for k, v in result.test_metrics.items())
    console.print(f"best model on the held-out test split: {tests}")
    console.print(f"exported to: {result.export_path}")
    if result.parent_run_id is None:
        console.print("MLflow: tracking off (--no-tracking)")
        return
    console.print(f"MLflow: {result.tracking_uri} (parent run {result.parent_run_id})")
    console.print(f"compare trials: {ui_command(result.tracking_uri)}")
