"""Reading a store back: the trials of a search as a pandas table (``mlflow.search_runs``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from automl.errors import AutoMLError, TrackingError, first_line
from automl.ranking import best_first
from automl.tracking.mlflow_tracker import KIND_TAG, TRIAL_TAG, run_name
from automl.tracking.uri import using

HIDDEN = ("tuner/",)  # KerasTuner's bookkeeping values (Hyperband rounds), not choices


@dataclass
class TrialTable:
    """The trials of one search, best first.

    Attributes:
        experiment: The experiment's name.
        objective: The metric the search optimized; ``direction`` is ``max`` or ``min``.
        frame: One row per trial: ``trial``, the objective, ``status``, ``params``, ``epochs``,
            ``seconds``, ``family``, then one column per hyperparameter.
        varying: The hyperparameter columns whose values differ between trials.
        others: A multi-objective search's other objectives, ``(name, direction)``; then
            ``frame`` has a column for each and a boolean ``pareto`` column.
    """

    experiment: str
    objective: str
    direction: str
    frame: pd.DataFrame
    varying: list[str]
    others: list[tuple[str, str]] = field(default_factory=list)


def trial_table(uri: str, experiment: str | None = None) -> TrialTable:
    """The trials of the latest search in ``experiment`` (default: the latest search anywhere).

    Raises:
        TrackingError: No store, no such experiment, or no search in it.
    """
    try:
        return _trial_table(uri, experiment)
    except AutoMLError:
        raise
    except Exception as err:  # noqa: BLE001 - a server that is down, a store that is not MLflow's
        raise TrackingError(f"--tracking-uri: cannot read MLflow store {uri!r}: {first_line(err)}") from None


def _trial_table(uri: str, experiment: str | None) -> TrialTable:
    import mlflow

    client = _client(uri)
    parent = _latest_search(client, experiment)
    name = client.get_experiment(parent.info.experiment_id).name
    objective = parent.data.params.get("objective", "")
    direction = parent.data.params.get("objective_direction", "max")
    listed = [item.rsplit(":", 1) for item in parent.data.params.get("objectives", "").split(",") if ":" in item]
    others = [(n, d) for n, d in listed if n != objective]
    with using(uri):  # search_runs reads MLflow's process-wide URI
        runs = mlflow.search_runs([parent.info.experiment_id], max_results=100_000,
                                  filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}' "
                                                f"and tags.`{KIND_TAG}` = 'trial'")
    frame = _tidy(runs, objective)
    hyper = list(frame.columns[len(FIXED):])
    if others:
        frame = _with_front(frame, runs, [(objective, direction), *others])
    # In the order the trials ran, then best first: ties keep trial order, as in the search's own summary.
    frame = frame.assign(_order=pd.to_numeric(frame["trial"], errors="coerce"))
    frame = frame.sort_values("_order", na_position="last", kind="stable").drop(columns="_order")
    frame = frame.iloc[best_first(frame[objective].tolist(), direction)]
    varying = [c for c in hyper if frame[c].astype(str).nunique() > 1]
    return TrialTable(name, objective, direction, frame.reset_index(drop=True), varying, others)


def _with_front(frame: pd.DataFrame, runs: pd.DataFrame, objectives: list[tuple[str, str]]) -> pd.DataFrame:
    """The other objectives' columns and ``pareto`` (on the front or not), after the fixed columns."""
    from automl.pareto import pareto_front

    for k, (name, _) in enumerate(objectives[1:]):
        column = runs[f"metrics.final_{name}"] if f"metrics.final_{name}" in runs else [None] * len(frame)
        frame.insert(len(FIXED) + k, name, pd.to_numeric(pd.Series(column, index=frame.index), errors="coerce"))
    finished = frame[frame["status"].isin(["completed", "stopped_early"])]
    points = {i: [float(row[n]) for n, _ in objectives] for i, row in finished.iterrows()}
    front = set(pareto_front(points, [d for _, d in objectives]))
    frame.insert(len(FIXED) + len(objectives) - 1, "pareto", [i in front for i in frame.index])
    return frame


FIXED = ("trial", "run", "objective", "status", "family", "params", "epochs", "seconds")


def _tidy(runs: pd.DataFrame, objective: str) -> pd.DataFrame:
    """search_runs' columns (``params.x``, ``tags.y``) as a readable table."""
    if runs.empty:
        return pd.DataFrame(columns=[*FIXED[:2], objective, *FIXED[3:]])
    column = lambda name: runs[name] if name in runs else pd.Series([None] * len(runs))  # noqa: E731
    frame = pd.DataFrame({
        "trial": column(f"tags.{TRIAL_TAG}").astype(str),
        "run": [run_name(t) for t in column(f"tags.{TRIAL_TAG}").astype(str)],
        objective: pd.to_numeric(column(f"metrics.final_{objective}"), errors="coerce"),
        "status": column("tags.status"),
        "family": column("tags.family"),
        "params": pd.to_numeric(column("tags.parameter_count"), errors="coerce").astype("Int64"),
        "epochs": pd.to_numeric(column("tags.epochs_run"), errors="coerce").astype("Int64"),
        "seconds": pd.to_numeric(column("tags.train_seconds"), errors="coerce"),
    })
    params = sorted(c for c in runs.columns if c.startswith("params.")
                    and not c.removeprefix("params.").startswith(HIDDEN) and c != "params.family")
    for name in params:
        frame[name.removeprefix("params.")] = runs[name].values
    return frame


def _client(uri: str):
    from automl.tracking.store import open_client

    if uri.startswith("sqlite:///"):
        from pathlib import Path

        path = Path(uri.removeprefix("sqlite:///"))
        if not path.exists():
            raise TrackingError(f"--tracking-uri: no MLflow store at {str(path)!r}; "
                                f"run `automl search` first, or pass the store with --tracking-uri")
    return open_client(uri)


def _latest_search(client, experiment: str | None):
    """The newest parent (search) run, in ``experiment`` when one is named."""
    if experiment is None:
        ids = [e.experiment_id for e in client.search_experiments()]
    else:
        found = client.get_experiment_by_name(experiment)
        if found is None:
            names = sorted(e.name for e in client.search_experiments() if e.name != "Default")
            raise TrackingError(f"--experiment: no experiment {experiment!r} in {client.tracking_uri}; "
                                f"it has: {', '.join(names) or 'none'}")
        ids = [found.experiment_id]
    runs = client.search_runs(ids, f"tags.`{KIND_TAG}` = 'search'", max_results=1,
                              order_by=["attributes.start_time DESC"]) if ids else []
    if not runs:
        where = f"experiment {experiment!r}" if experiment else client.tracking_uri
        raise TrackingError(f"no search runs in {where}; run `automl search` first")
    return runs[0]


def locate_run(uri: str, run_id: str) -> tuple[str, str | None]:
    """The experiment of an MLflow run of ours, and its trial id when it is a trial run.

    Raises:
        TrackingError: No such run, or not a search or trial run of this package.
    """
    client = _client(uri)
    try:
        run = client.get_run(run_id)
    except Exception:  # noqa: BLE001 - MLflow says "not found" in several ways
        raise TrackingError(f"--run-id: no run {run_id!r} in {uri}") from None
    experiment = client.get_experiment(run.info.experiment_id).name
    kind = run.data.tags.get(KIND_TAG)
    if kind == "trial":
        return experiment, run.data.tags[TRIAL_TAG]
    if kind == "search":
        return experiment, None
    raise TrackingError(f"--run-id: expected the id of a search or trial run, received {run_id!r} "
                        f"(run {run.info.run_name!r} was not made by automl)")


@dataclass
class StoredSearch:
    """A search read back from a store, for its report.

    Attributes:
        experiment: The experiment's name.
        objectives: ``(name, direction)`` pairs, the optimized one first.
        records: Every trial run as a `TrialRecord` (``tags["ended_at"]``: its end, seconds since the epoch;
            the objective's per-epoch ``history`` for the best ``curves`` trials).
        outcome: The parent run's test metrics (``test_metrics``), ``exported`` and ``export_path``.
        searched: The hyperparameter names logged on the trial runs.
    """

    experiment: str
    objectives: list[tuple[str, str]]
    records: list
    outcome: dict
    searched: list[str]


def stored_search(uri: str, experiment: str | None = None, run_id: str | None = None,
                  curves: int = 5) -> StoredSearch:
    """The latest search in ``experiment`` (or anywhere), or the search of ``run_id`` (its run or a trial's).

    Raises:
        TrackingError: No store, no such experiment or run, or no search in it.
    """
    try:
        return _stored_search(uri, experiment, run_id, curves)
    except AutoMLError:
        raise
    except Exception as err:  # noqa: BLE001 - a server that is down, a store that is not MLflow's
        raise TrackingError(f"--tracking-uri: cannot read MLflow store {uri!r}: {first_line(err)}") from None


def _stored_search(uri: str, experiment: str | None, run_id: str | None, curves: int) -> StoredSearch:
    client = _client(uri)
    if run_id is not None:
        _, trial = locate_run(uri, run_id)
        run = client.get_run(run_id)
        parent = client.get_run(run.data.tags["mlflow.parentRunId"]) if trial is not None else run
    else:
        parent = _latest_search(client, experiment)
    params, metrics, tags = parent.data.params, parent.data.metrics, parent.data.tags
    objective = params.get("objective", "")
    listed = [tuple(item.rsplit(":", 1)) for item in params.get("objectives", "").split(",") if ":" in item]
    objectives = listed or [(objective, params.get("objective_direction", "max"))]
    runs = client.search_runs([parent.info.experiment_id], max_results=50_000,
                              filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}' "
                                            f"and tags.`{KIND_TAG}` = 'trial'")
    records = [_record(run, objective) for run in runs if TRIAL_TAG in run.data.tags]
    direction = objectives[0][1]
    scored = [r for r in records if objective in r.metrics]
    for i in best_first([r.metrics[objective] for r in scored], direction)[:curves]:
        run = next(x for x in runs if x.data.tags.get(TRIAL_TAG) == scored[i].trial_id)
        scored[i].history = {objective: [(m.step, m.value) for m in sorted(
            client.get_metric_history(run.info.run_id, objective), key=lambda m: (m.step, m.timestamp))]}
    searched = sorted({k for r in records for k in r.params if not k.startswith(HIDDEN) and k != "family"})
    outcome = {"test_metrics": {k: v for k, v in metrics.items() if k.startswith("test_")},
               "exported": tags.get("exported_model", ""), "export_path": tags.get("export_path", ""),
               "source": f"MLflow store {uri}, run {parent.info.run_id}"}
    return StoredSearch(client.get_experiment(parent.info.experiment_id).name, objectives, records, outcome,
                        searched)


def _record(run, objective: str):
    """A trial run as the `TrialRecord` the search wrote (metrics ``final_*`` without the prefix)."""
    from automl.tracking.base import TrialRecord

    tags = dict(run.data.tags)
    if run.info.end_time and "ended_at" not in tags:  # runs logged before trials carried the tag
        tags["ended_at"] = str(run.info.end_time / 1000)
    metrics = {k.removeprefix("final_"): v for k, v in run.data.metrics.items() if k.startswith("final_")}
    status = tags.get("status") or ("failed" if objective not in metrics else "completed")
    return TrialRecord(tags[TRIAL_TAG], status, metrics, tags, tags.get("failure_reason", ""),
                       params={k: _parsed(v) for k, v in run.data.params.items()})


def _parsed(text: str):
    """A logged param's value: MLflow keeps every one as text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)
