"""MlflowTracker: a parent run per search, a nested run per trial.

MLflow is imported in this package (`automl.tracking`) and nowhere else.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

from automl.errors import AutoMLError, TrackingError, first_line
from automl.tracking.base import DatasetRecord, Tracker, TrialRecord
from automl.tracking.writer import BackgroundWriter

DEFAULT_URI = "sqlite:///mlruns/mlflow.db"
STATUS = {"completed": "FINISHED", "stopped_early": "FINISHED", "failed": "FAILED", "killed": "KILLED"}
TRIAL_TAG = "automl.trial_id"
KIND_TAG = "automl.kind"
FLUSH_SECONDS = 5.0  # longest wait before a trial's epoch metrics reach the store


def run_name(trial_id: str) -> str:
    """A trial's run name: ``trial-0007``."""
    return f"trial-{int(trial_id):04d}"


def _store_errors(method: Callable) -> Callable:
    """Turns any failure of the store (a server gone, a locked file) into one TrackingError line."""
    @functools.wraps(method)
    def guarded(self: "MlflowTracker", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except AutoMLError:
            raise
        except Exception as err:  # noqa: BLE001 - MLflow raises many kinds; all mean "store unusable"
            raise TrackingError(f"MLflow store {self.uri!r} failed ({method.__name__}): {first_line(err)}; "
                                f"the search state is saved, run the same command again to resume") from None
    return guarded


class MlflowTracker(Tracker):
    """Logs to an MLflow store through `MlflowClient` (no global active run).

    Args:
        uri: Tracking URI; a ``sqlite:///`` path has its folder created.
    """

    def __init__(self, uri: str = DEFAULT_URI) -> None:
        from mlflow.tracking import MlflowClient

        # MLflow's INFO lines about creating tables, and the "View run" line it prints for each run
        # it closes on a server, would interleave with the progress lines.
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
        if uri.startswith("sqlite:///"):
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.uri = uri
        try:
            self.client = MlflowClient(tracking_uri=uri)
        except Exception:  # an unknown scheme or a malformed URI
            raise TrackingError(f"--tracking-uri: expected a URI MLflow can store runs in "
                                f"(sqlite:///..., http://...), received {uri!r}") from None
        self.experiment_id: str | None = None
        self.parent_id: str | None = None
        self.trial_runs: dict[str, str] = {}
        self.histories: dict[str, dict[str, list[tuple[int, float]]]] = {}
        self.pending: dict[str, list] = {}  # epoch metrics not yet sent, by trial
        self.flushed: dict[str, float] = {}  # when each trial's metrics were last sent (time.monotonic)
        self.resumed = False  # a resumed search may hold runs of trials that were killed
        self.writer = BackgroundWriter()  # trial artifacts, written while the next trial trains

    def describe(self) -> str:
        """The tracking URI."""
        return self.uri

    def start_search(self, experiment: str, params: dict, texts: dict[str, str],
                     resume_run_id: str | None = None) -> str:
        """Opens the parent run, or reopens ``resume_run_id`` and closes its stale trial runs."""
        from automl.tracking.mlflow_model import warm_requirements_check

        self.writer.hold("preparing to log the model", warm_requirements_check)
        try:
            self.experiment_id = self._experiment(experiment)
            if resume_run_id and self._exists(resume_run_id):
                self.parent_id = resume_run_id
                self.client.update_run(resume_run_id, status="RUNNING")
                self._close_stale_trials()
                self.resumed = True
                return resume_run_id
            run = self.client.create_run(self.experiment_id, run_name=f"search-{experiment}",
                                         tags={KIND_TAG: "search"})
        except Exception as err:  # any store failure is the user's URI or server
            raise TrackingError(f"--tracking-uri: cannot use MLflow store {self.uri!r}: "
                                f"{str(err).splitlines()[0]}") from None
        self.parent_id = run.info.run_id
        self._log_params(self.parent_id, params)
        for name, text in texts.items():
            self.client.log_text(self.parent_id, text, name)
        return self.parent_id

    @_store_errors
    def log_dataset(self, dataset: DatasetRecord) -> None:
        """``log_inputs`` on the parent run: the dataset's name, digest, source and schema."""
        from automl.tracking.mlflow_model import dataset_input

        self.client.log_inputs(self.parent_id, datasets=[dataset_input(dataset)])

    @_store_errors
    def start_trial(self, trial_id: str, params: dict) -> None:
        """Opens ``trial-0007``; a leftover run of the same trial (killed earlier) is replaced."""
        self.writer.check()
        for old in self._trial_runs(f"tags.`{TRIAL_TAG}` = '{trial_id}'") if self.resumed else []:
            self.client.delete_run(old.info.run_id)
        run = self.client.create_run(
            self.experiment_id, run_name=run_name(trial_id),
            tags={"mlflow.parentRunId": self.parent_id, TRIAL_TAG: trial_id,
                  KIND_TAG: "trial", "status": "running"})
        self.trial_runs[trial_id] = run.info.run_id
        self.histories[trial_id] = defaultdict(list)
        self._log_params(run.info.run_id, params)

    @_store_errors
    def log_epoch(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        """Keeps the epoch's metrics; sends them in one batch with the first epoch and then
        at most every ``FLUSH_SECONDS`` (the rest go with the trial's end).

        One store call per epoch becomes one per ``FLUSH_SECONDS`` (208 calls for 10 trials
        of digits took 0.06 s batched); the UI's charts lag the training by at most
        ``FLUSH_SECONDS``. Synchronous on purpose:
        MLflow's background logging (``synchronous=False``) made the wait at the end of
        each trial longer than the calls it saved (benchmarks/tracking_share.py).
        """
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        for name, value in metrics.items():
            self.histories[trial_id][name].append((epoch, float(value)))
        self.pending.setdefault(trial_id, []).extend(Metric(k, float(v), now, epoch) for k, v in metrics.items())
        if time.monotonic() - self.flushed.get(trial_id, -math.inf) >= FLUSH_SECONDS:
            self._flush(trial_id)
        self.writer.release()  # training is under way: the last trial's artifacts go now

    def _flush(self, trial_id: str, finals: list | None = None, tags: list | None = None) -> None:
        batch = self.pending.pop(trial_id, []) + (finals or [])
        self.flushed[trial_id] = time.monotonic()
        for start in range(0, max(len(batch), 1), 1000):  # MLflow takes at most 1000 metrics a call
            self.client.log_batch(self.trial_runs[trial_id], metrics=batch[start:start + 1000],
                                  tags=(tags or []) if start == 0 else [])

    @_store_errors
    def end_trial(self, record: TrialRecord) -> None:
        """Final metrics, tags and the terminal status; the artifacts (summary, learning curve)
        are queued for the background writer and reach the store while the next trial trains."""
        from mlflow.entities import Metric, RunTag

        self.writer.check()
        now = int(time.time() * 1000)
        tags = {**record.tags, "status": record.status}
        if record.reason:
            tags["failure_reason"] = record.reason[:5000]
        # The epoch metrics not yet sent, the final ones and the tags go in one call.
        self._flush(record.trial_id, [Metric(f"final_{k}", float(v), now, 0) for k, v in record.metrics.items()],
                    [RunTag(k, str(v)) for k, v in tags.items()])
        self.flushed.pop(record.trial_id, None)
        run_id = self.trial_runs.pop(record.trial_id)
        history = self.histories.pop(record.trial_id, {})
        self.client.set_terminated(run_id, STATUS[record.status])
        # Held until the next trial is training (its first epoch), or until the trials are done.
        self.writer.hold(f"artifacts of {run_name(record.trial_id)}", self._artifacts, run_id,
                         run_name(record.trial_id), record.texts, history)

    def _artifacts(self, run_id: str, title: str, texts: dict[str, str],
                   history: dict[str, list[tuple[int, float]]]) -> None:
        # On the writer's thread: the trial's texts and its learning curve (drawn here too).
        from automl.tracking.curves import learning_curve

        for name, text in texts.items():
            self.client.log_text(run_id, text, name)
        if any(len(points) > 0 for points in history.values()):
            self.client.log_figure(run_id, learning_curve(history, title), "learning_curve.png")

    def trials_done(self) -> None:
        """Lets the last trial's artifacts go: they are written while the best model is scored and exported."""
        self.writer.release()

    @_store_errors
    def log_model(self, model: Any, example: Any, register: str | None = None) -> str:
        """Logs the best model on the parent run with the Keras/TensorFlow flavour."""
        from automl.tracking.mlflow_model import log_keras_model

        self.writer.release()  # held artifacts, if `trials_done` was not called; end_search waits for them
        self.writer.check()
        uri = log_keras_model(self.uri, self.parent_id, model, example, register)
        self.client.set_tag(self.parent_id, "model_uri", uri)
        return uri

    @_store_errors
    def log_pareto(self, objectives: list[tuple[str, str]], front: list[dict[str, Any]]) -> None:
        """Tags every trial run ``pareto`` true or false; the front goes on the parent as JSON and a size."""
        self.writer.drain()
        on_front = {row["trial"] for row in front}
        for run in self._trial_runs(f"tags.`{KIND_TAG}` = 'trial'"):
            self.client.set_tag(run.info.run_id, "pareto", str(run.data.tags.get(TRIAL_TAG) in on_front).lower())
        document = {"objectives": [{"name": n, "direction": d} for n, d in objectives],
                    "front": [{**row, "run": run_name(row["trial"])} for row in front]}
        self.client.log_text(self.parent_id, json.dumps(document, indent=2), "pareto_front.json")
        self.client.log_metric(self.parent_id, "pareto_front_size", len(front))

    @_store_errors
    def end_search(self, metrics: dict[str, float], tags: dict[str, str], status: str) -> None:
        """Waits for the queued artifacts, logs the search's results on the parent run and closes it."""
        from mlflow.entities import Metric, RunTag

        self.writer.drain()
        now = int(time.time() * 1000)
        self.client.log_batch(self.parent_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()],
                              tags=[RunTag(k, str(v)) for k, v in tags.items()])
        self.client.set_terminated(self.parent_id, STATUS[status])

    def _experiment(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is None:
            return self.client.create_experiment(name)
        if found.lifecycle_stage == "deleted":
            self.client.restore_experiment(found.experiment_id)
        return found.experiment_id

    def _exists(self, run_id: str) -> bool:
        try:
            return self.client.get_run(run_id).info.lifecycle_stage == "active"
        except Exception:
            return False

    def _trial_runs(self, extra: str = "") -> list:
        query = f"tags.`mlflow.parentRunId` = '{self.parent_id}'" + (f" and {extra}" if extra else "")
        return self.client.search_runs([self.experiment_id], query, max_results=5000)

    def _close_stale_trials(self) -> None:
        # A search killed mid-trial leaves that trial's run RUNNING; it will be re-run.
        for run in self._trial_runs("attributes.status = 'RUNNING'"):
            self.client.set_tag(run.info.run_id, "status", "killed")
            self.client.set_terminated(run.info.run_id, "KILLED")

    def _log_params(self, run_id: str, params: dict) -> None:
        from mlflow.entities import Param

        items = [Param(str(k), str(v)[:6000]) for k, v in params.items()]
        for start in range(0, len(items), 100):
            self.client.log_batch(run_id, params=items[start:start + 100])
