"""MlflowTracker: a parent run per search, a nested run per trial.

MLflow is imported in this package (`automl.tracking`) and nowhere else.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
import time
from typing import Any, Callable

from automl.errors import AutoMLError, TrackingError, first_line
from automl.faults import checkpoint
from automl.tracking.base import DatasetRecord, Tracker, TrialRecord
from automl.tracking.store import open_client, refused
from automl.tracking.uri import DEFAULT_URI
from automl.tracking.writer import BackgroundWriter

STATUS = {"completed": "FINISHED", "stopped_early": "FINISHED", "failed": "FAILED", "killed": "KILLED"}
TRIAL_TAG = "automl.trial_id"
KIND_TAG = "automl.kind"
TOKEN_TAG = "automl.search_token"  # the search state's token: finds a parent run whose id was never saved
INPUTS_TAG = "automl.inputs"  # "complete" once the parent run has its params and input files
ARTIFACTS_TAG = "automl.artifacts"  # "complete" once a trial run has its summary and learning curve
FLUSH_SECONDS = 5.0  # longest wait before a trial's epoch metrics reach the store


def run_name(trial_id: str) -> str:
    """A trial's run name: ``trial-0007``."""
    return f"trial-{int(trial_id):04d}"


def _store_errors(method: Callable) -> Callable:
    """Turns any failure of the store into one TrackingError line, which says whether a rerun can help:
    a server gone or a locked or full disk, yes; the store refusing a value, no."""
    @functools.wraps(method)
    def guarded(self: "MlflowTracker", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except AutoMLError:
            raise
        except Exception as err:  # noqa: BLE001 - MLflow raises many kinds
            if refused(err):
                raise TrackingError(f"MLflow store {self.uri!r} refused a value ({method.__name__}): "
                                    f"{first_line(err)}; running the search again would fail the same way") from None
            raise TrackingError(f"MLflow store {self.uri!r} failed ({method.__name__}): {first_line(err)}; "
                                f"the search state is saved, run the same command again to resume") from None
    return guarded


class MlflowTracker(Tracker):
    """Logs to an MLflow store through `MlflowClient` (no global active run).

    Args:
        uri: Tracking URI; a ``sqlite:///`` path has its folder created, a server is asked
            for its health first (`automl.tracking.store.open_client`).
    """

    def __init__(self, uri: str = DEFAULT_URI) -> None:
        self.uri = uri
        self.client = open_client(uri)
        self.experiment_id: str | None = None
        self.parent_id: str | None = None
        self.trial_runs: dict[str, str] = {}  # the open trial runs, by trial
        self.pending: dict[str, list] = {}  # epoch metrics not yet sent, by trial
        self.flushed: dict[str, float] = {}  # when each trial's metrics were last sent (time.monotonic)
        self.resumed = False  # a resumed search may hold runs of trials that were killed
        self.writer = BackgroundWriter()  # trial artifacts, written while the next trial trains

    def describe(self) -> str:
        """The tracking URI."""
        return self.uri

    def start_search(self, experiment: str, params: dict, texts: dict[str, str],
                     resume_run_id: str | None = None, token: str | None = None) -> str:
        """Opens the parent run, or reopens the search's earlier one and closes its stale trial runs.

        The earlier run is ``resume_run_id``, or else the run tagged with ``token`` (created by a
        process killed before it could save the run's id).
        """
        from automl.tracking.mlflow_model import warm_requirements_check

        self.writer.hold("preparing to log the model", warm_requirements_check)
        try:
            self.experiment_id = self._experiment(experiment)
            earlier = self._earlier_run(resume_run_id, token)
            if earlier is not None:
                self.parent_id = earlier.info.run_id
                self.client.update_run(self.parent_id, status="RUNNING")
                self._close_stale_trials()
                self.resumed = True
            else:
                tags = {KIND_TAG: "search", **({TOKEN_TAG: token} if token else {})}
                self.parent_id = self.client.create_run(self.experiment_id, run_name=f"search-{experiment}",
                                                        tags=tags).info.run_id
                checkpoint("search.run_created")
        except Exception as err:  # any store failure is the user's URI or server
            raise TrackingError(f"--tracking-uri: cannot use MLflow store {self.uri!r}: "
                                f"{first_line(err)}") from None
        if earlier is None or earlier.data.tags.get(INPUTS_TAG) != "complete":
            self._log_inputs(params, texts, earlier.data.params if earlier is not None else {})
        return self.parent_id

    @_store_errors
    def _log_inputs(self, params: dict, texts: dict[str, str], logged: dict[str, str]) -> None:
        """The parent run's params (those not logged before a kill) and input files, then a tag saying so."""
        self.log_params(self.parent_id, {k: v for k, v in params.items() if str(k) not in logged})
        for name, text in texts.items():
            self.client.log_text(self.parent_id, text, name)
        self.client.set_tag(self.parent_id, INPUTS_TAG, "complete")

    def _earlier_run(self, run_id: str | None, token: str | None):
        """The search's earlier parent run, still active, or None."""
        if run_id:
            try:
                run = self.client.get_run(run_id)
                if run.info.lifecycle_stage == "active":
                    return run
            except Exception:  # noqa: BLE001 - deleted for good, or never there: start a new one
                pass
        if token:
            found = self.client.search_runs([self.experiment_id], f"tags.`{TOKEN_TAG}` = '{token}'", max_results=1)
            return found[0] if found else None
        return None

    @_store_errors
    def log_dataset(self, dataset: DatasetRecord) -> None:
        """``log_inputs`` on the parent run: the dataset's name, digest, source and schema."""
        from automl.tracking.mlflow_model import dataset_input

        self.client.log_inputs(self.parent_id, datasets=[dataset_input(dataset)])

    @_store_errors
    def start_trial(self, trial_id: str, params: dict) -> None:
        """Opens ``trial-0007``; a leftover run of the same trial (killed earlier) is replaced."""
        self.writer.check()
        for old in self.runs_of_trials(f"tags.`{TRIAL_TAG}` = '{trial_id}'") if self.resumed else []:
            self.client.delete_run(old.info.run_id)
        # Noted as open before its params go: a store failing now still has the run closed by end_search.
        self.trial_runs[trial_id] = self.new_trial_run(trial_id)
        self.log_params(self.trial_runs[trial_id], params)

    @_store_errors
    def restart_trial(self, trial_id: str, params: dict, reason: str) -> None:
        """Closes the lost attempt's run as KILLED (its epochs sent first) and deletes it, as a resume does
        with a killed trial's run, then opens the next attempt's."""
        from mlflow.entities import RunTag

        old = self.trial_runs.get(trial_id)
        if old is not None:
            self._flush(trial_id, tags=[RunTag("status", "killed"), RunTag("failure_reason", reason[:5000])])
            self.client.set_terminated(old, "KILLED")
            self.client.delete_run(old)
        self.flushed.pop(trial_id, None)
        self.trial_runs[trial_id] = self.new_trial_run(trial_id)
        self.log_params(self.trial_runs[trial_id], params)

    def new_trial_run(self, trial_id: str) -> str:
        """Creates ``trial-0007`` under the parent run; returns its id."""
        return self.client.create_run(
            self.experiment_id, run_name=run_name(trial_id),
            tags={"mlflow.parentRunId": self.parent_id, TRIAL_TAG: trial_id,
                  KIND_TAG: "trial", "status": "running"}).info.run_id

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
        self.pending.setdefault(trial_id, []).extend(Metric(k, float(v), now, epoch) for k, v in metrics.items())
        if time.monotonic() - self.flushed.get(trial_id, -math.inf) >= FLUSH_SECONDS:
            self._flush(trial_id)
        self.writer.release()  # training is under way: the last trial's artifacts go now

    def _flush(self, trial_id: str, finals: list | None = None, tags: list | None = None) -> None:
        self.flushed[trial_id] = time.monotonic()
        self.send(self.trial_runs[trial_id], self.pending.pop(trial_id, []) + (finals or []), tags or [])

    def send(self, run_id: str, metrics: list, tags: list) -> None:
        """Metrics and tags in as few calls as MLflow takes (at most 1000 metrics a call)."""
        for start in range(0, max(len(metrics), 1), 1000):
            self.client.log_batch(run_id, metrics=metrics[start:start + 1000], tags=tags if start == 0 else [])

    @_store_errors
    def end_trial(self, record: TrialRecord) -> None:
        """Final metrics, tags and the terminal status; the artifacts (summary, learning curve)
        are queued for the background writer and reach the store while the next trial trains."""
        self.writer.check()
        # The epoch metrics not yet sent, the final ones and the tags go in one call.
        self._flush(record.trial_id, *finals_and_tags(record))
        self.flushed.pop(record.trial_id, None)
        run_id = self.trial_runs.pop(record.trial_id)
        self.client.set_terminated(run_id, STATUS[record.status])
        # Held until the next trial is training (its first epoch), or until the trials are done.
        self.writer.hold(f"artifacts of {run_name(record.trial_id)}", self.write_artifacts, run_id, record)

    def write_artifacts(self, run_id: str, record: TrialRecord) -> None:
        # On the writer's thread: the trial's texts and its learning curve (drawn here too), then the tag
        # that says they are all there (a resume writes them again for a run without it).
        from automl.tracking.curves import learning_curve

        for name, text in record.texts.items():
            self.client.log_text(run_id, text, name)
        for name, local in record.files.items():
            if os.path.exists(local):  # a resume of a search whose folder was tidied: nothing to send
                folder = os.path.dirname(name)
                self.client.log_artifact(run_id, local, folder or None)
        if any(len(points) > 0 for points in record.history.values()):
            self.client.log_figure(run_id, learning_curve(record.history, run_name(record.trial_id)),
                                   "learning_curve.png")
        checkpoint("trial.artifacts_written", record.trial_id)
        self.client.set_tag(run_id, ARTIFACTS_TAG, "complete")

    @_store_errors
    def recover_trials(self, records: list[TrialRecord]) -> None:
        """On resume: each ended trial's run gets what a kill kept from it (see `automl.tracking.recovery`)."""
        from automl.tracking.recovery import recover

        if self.resumed and records:
            recover(self, records)

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
    def log_bytes(self, name: str, content: bytes) -> None:
        """A file on the parent run, under ``name`` (its folder part becomes the artifact folder)."""
        self.writer.drain()
        with tempfile.TemporaryDirectory(prefix="automl-artifact-") as tmp:
            local = os.path.join(tmp, os.path.basename(name))
            with open(local, "wb") as out:
                out.write(content)
            self.client.log_artifact(self.parent_id, local, os.path.dirname(name) or None)

    @_store_errors
    def log_pareto(self, objectives: list[tuple[str, str]], front: list[dict[str, Any]]) -> None:
        """Tags every trial run ``pareto`` true or false; the front goes on the parent as JSON and a size."""
        self.writer.drain()
        on_front = {row["trial"] for row in front}
        for run in self.runs_of_trials(f"tags.`{KIND_TAG}` = 'trial'"):
            self.client.set_tag(run.info.run_id, "pareto", str(run.data.tags.get(TRIAL_TAG) in on_front).lower())
        document = {"objectives": [{"name": n, "direction": d} for n, d in objectives],
                    "front": [{**row, "run": run_name(row["trial"])} for row in front]}
        self.client.log_text(self.parent_id, json.dumps(document, indent=2), "pareto_front.json")
        self.client.log_metric(self.parent_id, "pareto_front_size", len(front))

    @_store_errors
    def end_search(self, metrics: dict[str, float], tags: dict[str, str], status: str) -> None:
        """Waits for the queued artifacts, logs the search's results on the parent run and closes it."""
        from mlflow.entities import Metric, RunTag

        self.writer.wait()
        if self.parent_id is None:  # the store failed before the parent run existed
            return
        for run_id in self.trial_runs.values():  # a trial the search stopped in: it reruns on resume
            self.client.set_tag(run_id, "status", "killed")
            self.client.set_terminated(run_id, "KILLED")
        self.trial_runs.clear()
        now = int(time.time() * 1000)
        self.client.log_batch(self.parent_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()],
                              tags=[RunTag(k, str(v)) for k, v in tags.items()])
        self.client.set_terminated(self.parent_id, STATUS[status])
        self.writer.check()  # a failed background write still fails the search, once its runs are closed

    def _experiment(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is None:
            return self.client.create_experiment(name)
        if found.lifecycle_stage == "deleted":
            self.client.restore_experiment(found.experiment_id)
        return found.experiment_id

    def runs_of_trials(self, extra: str = "") -> list:
        """Every trial run of this search matching ``extra``, page by page."""
        query = f"tags.`mlflow.parentRunId` = '{self.parent_id}'" + (f" and {extra}" if extra else "")
        runs, token = [], None
        while True:
            page = self.client.search_runs([self.experiment_id], query, max_results=1000, page_token=token)
            runs.extend(page)
            token = page.token
            if not token:
                return runs

    def _close_stale_trials(self) -> None:
        # A search killed mid-trial leaves that trial's run RUNNING; it will be re-run.
        for run in self.runs_of_trials("attributes.status = 'RUNNING'"):
            self.client.set_tag(run.info.run_id, "status", "killed")
            self.client.set_terminated(run.info.run_id, "KILLED")

    def log_params(self, run_id: str, params: dict) -> None:
        """Params in batches of 100 (MLflow's limit), values cut to MLflow's 6000 characters."""
        from mlflow.entities import Param

        items = [Param(str(k), str(v)[:6000]) for k, v in params.items()]
        for start in range(0, len(items), 100):
            self.client.log_batch(run_id, params=items[start:start + 100])


def finals_and_tags(record: TrialRecord) -> tuple[list, list]:
    """A trial record's ``final_*`` metrics and its tags (status and failure reason among them), as MLflow entities."""
    from mlflow.entities import Metric, RunTag

    now = int(time.time() * 1000)
    tags = {**record.tags, "status": record.status}
    if record.reason:
        tags["failure_reason"] = record.reason[:5000]
    return ([Metric(f"final_{k}", float(v), now, 0) for k, v in record.metrics.items()],
            [RunTag(k, str(v)) for k, v in tags.items()])
