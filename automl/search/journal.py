"""The search's own record on disk, consistent at every instant the process may die.

KerasTuner keeps a search in two kinds of files: each trial's ``trial.json``
and the oracle's ``oracle.json`` (which trials run, in what order, which
values were tried). It writes them in place, one after the other, so a kill
between the two writes left them disagreeing: a trial whose own file said
COMPLETED was run again, and a trial whose file was written before the
oracle's was lost. `Durable` writes every file atomically and, on reload,
makes the oracle agree with the trial files, which are always written first:

- a trial whose file says it ended (COMPLETED or FAILED) has ended: it is
  never run again;
- a trial whose file says RUNNING was interrupted: it runs again, from no
  metrics.

A trial is committed when its file says it ended; everything the tracker
shows of it is written after that, from the trial's `TrialRecord`
(``record.json``, written just before the commit), so a resume can finish
what a kill interrupted.
"""

from __future__ import annotations

import glob
import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

import keras_tuner as kt
from keras_tuner.src.engine.metrics_tracking import MetricsTracker

from automl import atomic
from automl.faults import checkpoint
from automl.tracking import TrialRecord

ENDED = (kt.engine.trial.TrialStatus.COMPLETED, kt.engine.trial.TrialStatus.FAILED,
         kt.engine.trial.TrialStatus.INVALID)
RECORD = "record.json"
# The bookkeeping step each thread is in (several workers may share one oracle): the `checkpoint`
# names of its saves, and whether the consecutive-failure check waits for the save.
_step = threading.local()


class Durable:
    """Oracle mixin: atomic state files, reconciled on reload; the failure limit checked after saving."""

    def create_trial(self, tuner_id: str) -> kt.engine.trial.Trial:
        _step.phase = "created"
        return super().create_trial(tuner_id)

    def update_trial(self, trial_id: str, metrics: dict, step: int = 0) -> kt.engine.trial.Trial:
        _step.phase = "metrics"
        return super().update_trial(trial_id, metrics, step)

    def end_trial(self, *args, **kwargs) -> None:
        """Ends the trial as KerasTuner does (in any of its call forms), but checks the consecutive-failure
        limit only once the ended trial is saved (KerasTuner raises before saving: the last failure was lost)."""
        _step.phase, _step.deferred = "ended", True
        try:
            super().end_trial(*args, **kwargs)
        finally:
            _step.deferred = False
        self._check_consecutive_failures()

    def _check_consecutive_failures(self) -> None:
        if not getattr(_step, "deferred", False):
            super()._check_consecutive_failures()

    def save(self) -> None:
        atomic.write_json(self._get_oracle_fname(), self.get_state())
        checkpoint(f"{getattr(_step, 'phase', 'created')}.oracle_saved")

    def _save_trial(self, trial: kt.engine.trial.Trial) -> None:
        atomic.write_json(os.path.join(self._get_trial_dir(trial.trial_id), "trial.json"), trial.get_state())
        checkpoint(f"{getattr(_step, 'phase', 'created')}.trial_saved", trial.trial_id)

    def reload(self) -> None:
        if os.path.exists(self._get_oracle_fname()):
            super().reload()
        else:  # killed before the oracle's first save: the trials' own files are all there is
            for path in glob.glob(os.path.join(self._project_dir, "trial_*", "trial.json")):
                trial = kt.engine.trial.Trial.load(path)
                self.trials[trial.trial_id] = trial
        reconcile(self)


def has_state(folder: str | os.PathLike) -> bool:
    """Whether a search folder holds an oracle's state or any trial's file (something to resume)."""
    return (Path(folder) / "oracle.json").exists() or any(Path(folder).glob("trial_*/trial.json"))


def reconcile(oracle: kt.Oracle) -> None:
    """Makes the oracle's lists agree with its trials' own files (see the module's docstring)."""
    for trial_id in sorted(oracle.trials):
        trial = oracle.trials[trial_id]
        if trial_id not in oracle.start_order:
            oracle.start_order.append(trial_id)
        if trial.status in ENDED:
            if trial_id in oracle._retry_queue:
                oracle._retry_queue.remove(trial_id)
            if trial_id not in oracle.end_order:
                oracle.end_order.append(trial_id)
        elif trial_id not in oracle._retry_queue:
            oracle._retry_queue.append(trial_id)
        oracle._record_values(trial)  # its values count as tried
    for trial_id in oracle._retry_queue:
        # Metrics an interrupted attempt reported would mix with the re-run's.
        oracle.trials[trial_id].metrics = MetricsTracker()


def save_record(folder: str | os.PathLike, record: TrialRecord) -> None:
    """Writes a trial's record (what the tracker is told of it) into its folder, atomically."""
    atomic.write_json(Path(folder) / RECORD, asdict(record))
    checkpoint("trial.record_saved", record.trial_id)


def load_record(folder: str | os.PathLike) -> TrialRecord | None:
    """A trial's saved record, or None when it has none (it never ended, or predates records)."""
    path = Path(folder) / RECORD
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    saved["history"] = {k: [tuple(p) for p in v] for k, v in saved.get("history", {}).items()}
    return TrialRecord(**saved)
