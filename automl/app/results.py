"""What a search produced, and the summary printed from it.

Its result, leaderboard, Pareto front, test score and model card facts; the
tables of ``automl leaderboard``.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from automl.tracking.uri import DEFAULT_URI

if TYPE_CHECKING:
    from automl.app.inputs import Settings
    from automl.spec import LoadedSpace
    from automl.tracking.query import TrialTable


@dataclass
class SearchResult:
    """What a search produced, for the CLI's summary."""

    experiment: str
    objective: str
    leaderboard: list[dict[str, Any]]
    test_metrics: dict[str, float]
    export_path: Path
    tracking_uri: str
    completed: int
    failed: int
    parent_run_id: str | None
    model_uri: str | None = None
    rejected: int = 0
    out_of_time: bool = False
    objectives: list[tuple[str, str]] | None = None  # a multi-objective search's objectives
    pareto: list[dict[str, Any]] | None = None  # its Pareto front: trial and objective values
    exported: str = ""  # what was exported: "trial 3", "ensemble of 3 models (...)", with "refit on ..."
    best_trial_test_metrics: dict[str, float] | None = None  # the best trial's, when another model was exported
    report_path: Path | None = None  # the search report's page; None when it could not be written


def leaderboard(controller, names: list[str], k: int) -> list[dict[str, Any]]:
    """The best ``k`` completed trials: objective, searched values, size and time.

    Ranked by `automl.ranking.best_first`, the rule ``automl leaderboard`` uses on the store.
    """
    from automl.ranking import best_first

    completed = [t for t in controller.oracle.trials.values() if t.status == "COMPLETED"]
    objective = controller.oracle.objective
    rows = []
    for i in best_first([t.score for t in completed], objective.direction)[:k]:
        trial = completed[i]
        facts = controller.facts(trial.trial_id)
        row = {"trial": trial.trial_id, controller.oracle.objective.name: trial.score}
        values = trial.hyperparameters.values
        row.update({n: values[n] for n in names if n in values})  # inactive ones are absent
        row.update({"params": facts.get("params"), "epochs": facts.get("epochs_run"),
                    "seconds": facts.get("train_seconds")})
        rows.append(row)
    return rows


def ensemble_row(final, objective: str) -> dict[str, Any]:
    """The leaderboard row of an exported ensemble: its validation objective, members and size."""
    members = " ".join(f"{t}x{w:.2f}" for t, w in final.members)
    return {"trial": "ensemble", objective: final.facts.get(f"ensemble_{objective}"),
            "members": members, "params": final.model.count_params(), "epochs": None, "seconds": None}


def pareto_rows(controller, objectives: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The completed trials no other beats on every objective, best first on the first objective."""
    from automl.pareto import pareto_front
    from automl.ranking import best_first

    names = [n for n, _ in objectives]
    points = {t.trial_id: [t.metrics.get_last_value(n) if t.metrics.exists(n) else None for n in names]
              for t in controller.oracle.trials.values() if t.status == "COMPLETED"}
    rows = [{"trial": t, **dict(zip(names, points[t]))} for t in pareto_front(points, [d for _, d in objectives])]
    return [rows[i] for i in best_first([r[names[0]] for r in rows], objectives[0][1])]


def test_scores(model, values: dict, spec, data, scorer: bytes | None = None) -> dict[str, float]:
    """The model's metrics on the held-out test split, as ``test_<metric>`` (a generative model's samples
    scored against the test images with the search's ``scorer``); ``values`` are the trial's (its loss
    decides the targets' form)."""
    if spec.task == "generation":
        from automl.search.samples import test_scores as sample_scores

        return sample_scores(model, scorer, data)
    from automl.builders import family_values, prepare_targets
    from automl.data.feed import to_dataset

    y_test = prepare_targets(family_values(values) if "family" in values else values, spec, data.y_test)
    scores = model.evaluate(to_dataset(data.x_test, y_test, 256), verbose=0, return_dict=True)
    return {f"test_{k}": float(v) for k, v in scores.items()}


def model_card(experiment: str, data, space: LoadedSpace, settings: Settings, trial, objective: str,
               test_metrics: dict[str, float], run_id: str | None, tracking_uri: str) -> dict[str, Any]:
    """The facts of the model card (the export adds its inputs, outputs and files)."""
    return {"experiment": experiment, "dataset": data.summary(), "class_names": data.class_names,
            "space": space.name, "best_trial": trial.trial_id, "hyperparameters": trial.hyperparameters.values,
            "metrics": {objective: trial.score, **test_metrics}, "search": asdict(settings),
            "versions": versions(), "mlflow_run_id": run_id, "tracking_uri": tracking_uri}


def versions() -> dict[str, str]:
    import keras
    import keras_tuner
    import tensorflow as tf

    import automl

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "keras_tuner": keras_tuner.__version__,
            "automl": automl.__version__}


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


def pareto_table(result: SearchResult) -> Table:
    """A multi-objective search's Pareto front: the trials no other beats on every objective."""
    table = Table(title=f"Pareto front: {len(result.pareto)} trials")
    table.add_column("trial", justify="right")
    for name, direction in result.objectives:
        table.add_column(f"{name} ({direction})", justify="right")
    for row in result.pareto:
        table.add_row(row["trial"], *(_cell(row[n]) for n, _ in result.objectives))
    return table


def ui_command(tracking_uri: str) -> str:
    """The command that opens the MLflow UI on this search's store."""
    if tracking_uri.startswith(("http://", "https://")):
        return f"open {tracking_uri} in a browser"
    if tracking_uri == DEFAULT_URI:
        return "automl ui"
    return f"automl ui --tracking-uri {tracking_uri}"


def print_summary(result: SearchResult, console: Console | None = None) -> None:
    """Prints the leaderboard and what the user does next."""
    # A pipe or a log file gets a wide table rather than rich's 80 columns.
    console = console or Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)
    console.print(leaderboard_table(result))
    if result.pareto:
        console.print(pareto_table(result))
    extra = f", {result.rejected} candidates rejected before training (max_params)" if result.rejected else ""
    budget = " (time budget reached)" if result.out_of_time else ""
    console.print(f"trials: {result.completed} completed, {result.failed} failed{extra}{budget}")
    tests = ", ".join(f"{k}={v:.4f}" for k, v in result.test_metrics.items())
    if result.exported:
        console.print(f"exported model: {result.exported}")
    console.print(f"best model on the held-out test split: {tests}")
    if result.best_trial_test_metrics:
        single = ", ".join(f"{k}={v:.4f}" for k, v in result.best_trial_test_metrics.items())
        console.print(f"best single trial as searched, on the held-out test split: {single}")
    console.print(f"exported to: {result.export_path}")
    if result.report_path is not None:
        console.print(f"report: {result.report_path}")
    if result.parent_run_id is None:
        console.print("MLflow: tracking off (--no-tracking)")
        return
    console.print(f"MLflow: {result.tracking_uri} (parent run {result.parent_run_id})")
    if result.model_uri:
        console.print(f"MLflow model: {result.model_uri}")
    console.print(f"compare trials: {ui_command(result.tracking_uri)}")


def trials_table(table: "TrialTable", top: int, pareto_only: bool = False) -> Table:
    """The stored trials of a search (``automl leaderboard``): best first, failures last.

    A multi-objective search also shows its other objectives and marks the Pareto
    front; ``pareto_only`` keeps only the front.
    """
    frame = table.frame[table.frame["pareto"]] if pareto_only and table.others else table.frame
    shown = frame.head(top)
    which = "Pareto front" if pareto_only and table.others else "trials"
    title = (f"Leaderboard: {table.experiment} ({len(shown)} of {len(table.frame)} {which}, "
             f"{table.objective} {'higher' if table.direction == 'max' else 'lower'} is better)")
    grid = Table(title=title)
    others = [n for n, _ in table.others]
    columns = ["rank", "run", table.objective, *(f"{n} ({d})" for n, d in table.others),
               *(["pareto"] if others else []), "status", "family", "params", "epochs", "seconds"]
    for column in columns:
        grid.add_column(column, justify="left" if column in ("run", "status", "family") else "right",
                        no_wrap=True)
    grid.add_column("hyperparameters", overflow="fold")
    for rank, row in enumerate(shown.to_dict("records"), 1):
        values = " ".join(f"{k}={_number(row[k])}" for k in table.varying if _present(row[k]))
        marks = ["*" if row["pareto"] else ""] if others else []
        grid.add_row(str(rank), row["run"], _cell(_plain(row[table.objective])),
                     *(_cell(_plain(row[n])) for n in others), *marks, _cell(row["status"]),
                     _cell(row["family"]), _cell(_plain(row["params"])), _cell(_plain(row["epochs"])),
                     _cell(_plain(row["seconds"])), values)
    return grid


def _number(text: Any) -> str:
    """A stored param (text) with long floats shortened: ``0.30000000000000004`` -> ``0.3``."""
    try:
        return f"{float(text):.4g}" if "." in str(text) or "e" in str(text) else str(text)
    except ValueError:
        return str(text)


def _present(value: Any) -> bool:
    return value is not None and str(value) not in ("nan", "None", "<NA>")


def _plain(value: Any) -> Any:
    """pandas' missing values as None, NumPy scalars as Python numbers."""
    if not _present(value):
        return None
    return value.item() if hasattr(value, "item") else value
