"""Mending, on resume, the runs of trials that ended before the search was killed.

A trial ends (is committed to the search's state) before its run is told
(`automl.search.journal`), and its artifacts are written in the background
after that. A kill in between leaves a run RUNNING (closed as KILLED when the
search resumes) without its final metrics, or FINISHED without its learning
curve and summary. Here each ended trial's run is brought to what the
trial's saved record says: the epochs not yet sent, the final metrics, the
tags, the status and the artifacts; a trial whose run was never opened gets one.
"""

from __future__ import annotations

import time
from typing import Any

from automl.faults import checkpoint
from automl.tracking.base import TrialRecord
from automl.tracking.mlflow_tracker import ARTIFACTS_TAG, STATUS, TRIAL_TAG, MlflowTracker, finals_and_tags, run_name


def recover(tracker: MlflowTracker, records: list[TrialRecord]) -> None:
    """Makes the run of every ended trial in ``records`` show that record (artifacts in the background)."""
    runs: dict[str, list] = {}
    for run in tracker.runs_of_trials():
        runs.setdefault(run.data.tags.get(TRIAL_TAG), []).append(run)
    for record in records:
        run = _pick(runs.get(record.trial_id, []), record)
        if run is None:
            run_id, complete = tracker.new_trial_run(record.trial_id), False
            tracker.log_params(run_id, record.params)
            _finish(tracker, run_id, record, after=-1)
        else:
            run_id, complete = run.info.run_id, run.data.tags.get(ARTIFACTS_TAG) == "complete"
            if not _shows(run, record):
                _finish(tracker, run_id, record, after=_last_epoch(tracker, run_id, record))
        if not complete:
            label = f"artifacts of {run_name(record.trial_id)}"
            tracker.writer.submit(label, tracker.write_artifacts, run_id, record)
        checkpoint("trial.recovered", record.trial_id)


def _pick(runs: list, record: TrialRecord) -> Any:
    """The trial's run that shows its outcome already, else its latest run, else None."""
    shown = [r for r in runs if _shows(r, record)]
    return (shown or sorted(runs, key=lambda r: r.info.start_time or 0))[-1] if runs else None


def _shows(run: Any, record: TrialRecord) -> bool:
    # end_trial sends the tags (status among them) before it closes the run.
    return run.info.status == STATUS[record.status] and run.data.tags.get("status") == record.status


def _last_epoch(tracker: MlflowTracker, run_id: str, record: TrialRecord) -> int:
    """The last epoch the run already has (epochs go out every few seconds, so some may be missing)."""
    name = next(iter(record.history), None)
    if name is None:
        return -1
    return max((m.step for m in tracker.client.get_metric_history(run_id, name)), default=-1)


def _finish(tracker: MlflowTracker, run_id: str, record: TrialRecord, after: int) -> None:
    """Sends the record's epochs after ``after``, its final metrics and tags, and closes the run."""
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    epochs = [Metric(name, float(value), now, int(epoch)) for name, points in record.history.items()
              for epoch, value in points if epoch > after]
    finals, tags = finals_and_tags(record)
    tracker.send(run_id, epochs + finals, tags)
    tracker.client.set_terminated(run_id, STATUS[record.status])
