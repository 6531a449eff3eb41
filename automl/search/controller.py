"""The search controller: a KerasTuner `Tuner` whose trials are our builders and fits.

KerasTuner's oracle proposes values and keeps the resumable state; this class
builds, trains and reports each candidate, and records failures without
stopping the search.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import keras
import keras_tuner as kt
from keras_tuner.src import config as kt_config
from keras_tuner.src.engine import tuner_utils

from automl import atomic
from automl.builders import InputSpec, build_model, build_optimizer
from automl.data import DataBundle
from automl.errors import AutoMLError, SearchError, TrackingError, first_line
from automl.faults import checkpoint
from automl.search.attempt import EpochLogger, Outcome, TrialContext, train_candidate
from automl.search.journal import ENDED, has_state, load_record, save_record
from automl.search.managed import Managed
from automl.search.progress import Progress
from automl.spec.schema import Train
from automl.tracking import Tracker, TrialRecord
from automl.training import FitResult

# KerasTuner prints the whole traceback of every failed trial to standard error
# (its config.DEBUG is on by default); the progress line already gives the reason in one line.
kt_config.DEBUG = False

FACTS = "facts.json"
WEIGHTS = "model.weights.h5"
ARTIFACTS = "artifacts"  # a trial's files for its run besides the summary and curve (sample grids)


def one_line(err: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    return first_line(err, typed=True)


class SearchController(kt.Tuner):
    """Runs trials for an oracle: build, fit with early stopping, save weights, report.

    Args:
        oracle: The controller that proposes values (KerasTuner oracle).
        data: The dataset (the test split is never used here).
        train: The space's train section.
        tracker: Where trials are recorded.
        progress: Where progress lines go.
        directory: Folder of search states; ``project_name`` is this search's.
        project_name: The experiment name.
        overwrite: Start over instead of resuming.
        seed: Base seed of weight initialization and shuffling.
        derived: Objectives measured on each trained model (parameter_count, latency_ms).
        precision: Keras's dtype policy for training (``mixed_float16`` with ``--mixed-precision``).
        scorer: A generation search's sample scorer (``.keras`` bytes), which every trial is scored with.
        median: Median stopping's grace epochs and minimum completed trials; None: off.

    Training stops at an epoch boundary past the oracle's deadline (``--time-budget``).
    """

    def __init__(self, oracle: kt.Oracle, *, data: DataBundle, train: Train, tracker: Tracker,
                 progress: Progress, directory: str, project_name: str, overwrite: bool,
                 seed: int, derived: tuple[str, ...] | list[str] = (), precision: str = "float32",
                 scorer: bytes | None = None, median: tuple[int, int] | None = None) -> None:
        if not isinstance(oracle, Managed):  # Durable before KerasTuner reloads it: the reload reconciles files
            raise TypeError(f"SearchController: expected an oracle built on automl.search.managed.Managed, "
                            f"received {type(oracle).__name__}")
        super().__init__(oracle=oracle, hypermodel=None, directory=directory,
                         project_name=project_name, overwrite=overwrite)
        if not overwrite and not os.path.exists(self._get_tuner_fname()) and has_state(self.project_dir):
            # KerasTuner reloads only when its tuner file exists, which is first saved when a
            # trial ends: a search killed before that has an oracle and trials to resume all the same.
            self.oracle.reload()
        self.data, self.train, self.tracker, self.progress = data, train, tracker, progress
        self.spec = InputSpec.from_bundle(data)
        self.seed = seed
        self.objective_pair = (oracle.objective.name, oracle.objective.direction)
        self.reasons: dict[str, str] = {}
        self.deadline: float | None = oracle.deadline  # with --time-budget: training stops at an epoch boundary
        self.derived: list[str] = list(derived)  # objectives measured on each trained model
        self.results: dict[str, tuple[FitResult, int, str, dict[str, float]]] = {}
        self.histories: dict[str, dict[str, list[tuple[int, float]]]] = {}  # each trial's epochs, failed ones too
        self.where: dict[str, dict[str, str]] = {}  # the worker that trained each trial, when not this process
        self.context = TrialContext(data, self.spec, train, self.objective_pair, tuple(self.derived), seed,
                                    precision, scorer, median)

    # --- one trial -------------------------------------------------------------

    def run_trial(self, trial: kt.engine.trial.Trial, *args: Any, **kwargs: Any) -> dict:
        """Builds and trains one candidate in this process; any error fails this trial only."""
        values = dict(trial.hyperparameters.values)
        logger = EpochLogger(self.epoch_ended, trial.trial_id)
        self.histories[trial.trial_id] = logger.history
        parent = values.get("tuner/trial_id")
        try:
            fitted = train_candidate(self.context, trial.trial_id, values, logger, self._file(trial.trial_id, WEIGHTS),
                                     self.deadline, self._file(parent, WEIGHTS) if parent else None, self.peers())
            checkpoint("trial.trained", trial.trial_id)
        except TrackingError as err:  # the store is gone: stop the search, this trial reruns on resume
            raise kt.errors.FatalError(str(err)) from err
        except Exception as err:  # noqa: BLE001 - a failed trial must never end the search
            self.reasons[trial.trial_id] = one_line(err)
            raise kt.errors.FailedTrialError(self.reasons[trial.trial_id]) from err
        finally:
            keras.backend.clear_session(free_memory=True)
        return self._accept(trial.trial_id, *fitted)

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        """An epoch of a trial: to the tracker, then to the progress bars."""
        self.tracker.log_epoch(trial_id, epoch, metrics)
        self.progress.epoch_ended(trial_id, epoch, metrics)

    def _accept(self, trial_id: str, result: FitResult, params: int, summary: str, derived: dict) -> dict:
        # A trained trial's facts kept (for its record) and saved (for export and resume); its metrics returned.
        self.results[trial_id] = (result, params, summary, derived)
        for name, content in result.artifacts.items():  # a generative trial's sample grids, beside its weights
            path = Path(self._file(trial_id, ARTIFACTS)) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_bytes(path, content)
        facts = {"params": params, "epochs_run": result.epochs_run,
                 "best_epoch": result.best_epoch, "train_seconds": round(result.seconds, 3), **derived}
        atomic.write_json(self._file(trial_id, FACTS), facts)
        return {**result.at_best(), **derived}

    def conclude(self, trial: kt.engine.trial.Trial, outcome: Outcome) -> Callable[[], None]:
        """Ends a trial trained in another process as `run_trial` and KerasTuner's loop end one trained here:
        its weights and facts saved, its metrics given to the oracle, then `commit`, whose second half
        (the tracker told) is returned for the caller to run."""
        self.histories[trial.trial_id] = outcome.history
        self.where[trial.trial_id] = {"worker": outcome.where, "worker_rss_mb": f"{outcome.rss_mb:.0f}"}
        reason = outcome.reason
        if outcome.result is not None:
            try:
                atomic.write_bytes(self._file(trial.trial_id, WEIGHTS), outcome.weights or b"")
                checkpoint("trial.trained", trial.trial_id)
                metrics = self._accept(trial.trial_id, outcome.result, outcome.params, outcome.summary,
                                       outcome.derived)
                objective = self.oracle.objective
                self.oracle.update_trial(trial.trial_id, tuner_utils.convert_to_metrics_dict(metrics, objective),
                                         step=tuner_utils.get_best_step(metrics, objective))
                trial.status = kt.engine.trial.TrialStatus.COMPLETED
            except Exception as err:  # noqa: BLE001 - as in this process: the trial fails, the search goes on
                reason = one_line(err)
        if trial.status != kt.engine.trial.TrialStatus.COMPLETED:
            self.reasons[trial.trial_id] = reason
            trial.status, trial.message = kt.engine.trial.TrialStatus.FAILED, reason
        return self.commit(trial)

    def search(self, *args: Any, **kwargs: Any) -> None:
        """Runs trials until the oracle is done; our own fatal errors come out as themselves.

        First the tracker is told the record of every trial that ended before, so a kill
        after a trial ended but before its run showed it is mended on resume.
        """
        self.tracker.recover_trials(self.ended_records())
        try:
            with frozen_heap():
                super().search(*args, **kwargs)
        except kt.errors.FatalError as err:
            if isinstance(err.__cause__, AutoMLError):
                raise err.__cause__ from None
            raise

    def _file(self, trial_id: str, name: str) -> str:
        return os.path.join(self.oracle._get_trial_dir(trial_id), name)

    def save(self) -> None:
        """Saves the oracle and this tuner's (empty) state, each file atomically."""
        self.oracle.save()
        atomic.write_json(self._get_tuner_fname(), self.get_state())

    def peers(self) -> list | None:
        """With median stopping on, the completed trials' objective curves (from their saved records, so a
        resumed search has them too); else None."""
        if self.context.median is None:
            return None
        name = self.objective_pair[0]
        return [r.history[name] for r in self.ended_records() if r.status != "failed" and r.history.get(name)]

    def ended_records(self) -> list[TrialRecord]:
        """The saved records of the trials that ended (in an earlier run of this search)."""
        ended = [t for t in self.oracle.trials.values() if t.status in ENDED]
        records = (load_record(self.oracle._get_trial_dir(t.trial_id)) for t in ended)
        return [r for r in records if r is not None]

    # --- reporting around each trial --------------------------------------------

    def on_trial_begin(self, trial: kt.engine.trial.Trial) -> None:
        """Opens the trial's run and prints its configuration."""
        values = trial.hyperparameters.values
        self.tracker.start_trial(trial.trial_id, values)
        checkpoint("trial.run_started", trial.trial_id)
        shown = ", ".join(f"{k}={_fmt(values[k])}" for k in searched_keys(trial.hyperparameters, values))
        self.progress.trial_started(int(trial.trial_id) + 1, trial.trial_id, shown or "the space's fixed values")

    def on_trial_end(self, trial: kt.engine.trial.Trial) -> None:
        """Saves the trial's record, commits it (the oracle saves it as ended), then tells the tracker;
        stops after too many failures in a row.

        In this order a kill at any instant either leaves the trial uncommitted (it runs again)
        or committed with its record on disk (the tracker is told on resume): never run twice, never lost.
        """
        self.commit(trial)()

    def commit(self, trial: kt.engine.trial.Trial) -> Callable[[], None]:
        """The first half of `on_trial_end`: the record saved and the trial committed. Returns the second
        half (the tracker and the progress line told, the failure limit enforced), which the driver of
        workers calls once the freed worker has its next trial."""
        record = self._record(trial)
        save_record(self.oracle._get_trial_dir(trial.trial_id), record)
        stop = None
        try:
            super().on_trial_end(trial)
        except RuntimeError as err:
            if "consecutive failures" not in str(err):
                raise
            limit = self.oracle.max_consecutive_failed_trials
            stop = SearchError(f"search stopped: {limit} trials in a row failed "
                               f"(limit max_consecutive_failures={limit}); last reason: {record.reason}")
        checkpoint("trial.committed", trial.trial_id)

        def report() -> None:
            self.tracker.end_trial(record)
            checkpoint("trial.run_ended", trial.trial_id)
            self.progress.trial_ended(int(trial.trial_id) + 1, _outcome(record, self.objective_pair[0]),
                                      self.best_so_far())
            if stop is not None:
                raise stop
        report.stop = stop  # the failure limit is reached: the caller starts nothing more
        return report

    def _record(self, trial: kt.engine.trial.Trial) -> TrialRecord:
        values = dict(trial.hyperparameters.values)
        history = self.histories.pop(trial.trial_id, {})
        # Host, process and Ray node of a trial trained in a worker, and the worker's memory after it.
        worker = self.where.pop(trial.trial_id, {})
        if trial.status != kt.engine.trial.TrialStatus.COMPLETED:
            reason = self.reasons.get(trial.trial_id) or (trial.message or "unknown error").strip().splitlines()[-1]
            return TrialRecord(trial.trial_id, "failed", reason=reason,
                               tags={"family": values.get("family", ""), "ended_at": f"{time.time():.3f}", **worker},
                               history=history, params=values)
        result, params, summary, derived = self.results[trial.trial_id]
        return TrialRecord(
            trial.trial_id, "stopped_early" if result.stopped_early else "completed",
            metrics={**result.at_best(), **derived},
            tags={"family": values.get("family", ""), "parameter_count": params,
                  "epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
                  "stopped_early": str(result.stopped_early).lower(), "train_seconds": f"{result.seconds:.2f}",
                  "objective": f"{result.at_best()[self.objective_pair[0]]:.6f}",
                  "ended_at": f"{time.time():.3f}", **worker,  # wall clock, for the report's time axis
                  **({"stop_reason": result.stop_reason} if result.stop_reason else {})},
            texts={"model_summary.txt": summary}, history=history, params=values,
            files={name: str(Path(self._file(trial.trial_id, ARTIFACTS)) / name) for name in result.artifacts})

    # --- results ---------------------------------------------------------------

    def best_so_far(self) -> str:
        """The best objective so far and its trial, as text."""
        best = [t for t in self.oracle.get_best_trials(1) if t.score is not None
                and t.status == kt.engine.trial.TrialStatus.COMPLETED]
        if not best:
            return "none yet"
        return f"{self.objective_pair[0]}={best[0].score:.4f} (trial {best[0].trial_id})"

    def facts(self, trial_id: str) -> dict:
        """Parameter count, epochs and train seconds saved for a completed trial."""
        path = Path(self._file(trial_id, FACTS))
        return json.loads(path.read_text()) if path.exists() else {}

    def parameter_count(self, values: dict) -> int:
        """The size of the model ``values`` describe, built but not trained."""
        try:
            return build_model(dict(values), self.spec, self.train.epochs).count_params()
        except Exception:  # noqa: BLE001 - an unbuildable model fails as a trial, with its reason
            return 0
        finally:
            keras.backend.clear_session(free_memory=True)

    def load_model(self, trial: kt.engine.trial.Trial, name: str | None = None) -> keras.Model:
        """Rebuilds a completed trial's model (named ``name``, for an ensemble's members) and loads its
        best-epoch weights."""
        model = build_model(dict(trial.hyperparameters.values), self.spec, self.train.epochs, name=name)
        # The weights file holds the optimizer's slots too; build them so they load.
        build_optimizer(model)
        model.load_weights(self._file(trial.trial_id, WEIGHTS))
        return model


@contextlib.contextmanager
def frozen_heap():
    """Leaves the objects alive at the search's start out of garbage collection while inside.

    Each trial ends with ``clear_session(free_memory=True)``, whose full collection
    walked the half million objects of TensorFlow, MLflow and pandas every time
    (about 250 ms a trial on two CPU cores); frozen, it walks only what trials made.

    Only the young generations are collected before freezing: a full collection
    here cost the search 0.36 s before its first trial. Garbage already in the
    oldest generation is kept until the search ends and is collected after.
    """
    gc.collect(1)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def searched_keys(hp: kt.HyperParameters, values: dict) -> list[str]:
    """The keys of ``values`` that the space searches: its constants (a `Fixed`, a one-value choice) left out,
    so a trial's line shows what changed from trial to trial. Keys outside the space (a controller's own,
    such as ASHA's epochs) stay. The family is in the other keys' prefixes."""
    constant = {p.name for p in hp.space
                if type(p).__name__ == "Fixed" or (type(p).__name__ == "Choice" and len(p.values) == 1)}
    return [k for k in values if k != "family" and k not in constant]


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _outcome(record: TrialRecord, objective: str) -> str:
    if record.status == "failed":
        return f"FAILED ({record.reason})"
    stopped = " (median stopping)" if record.tags.get("stop_reason") else ""
    return f"done: {objective}={record.metrics[objective]:.4f}, {record.tags['epochs_run']} epochs{stopped}, " \
           f"{float(record.tags['train_seconds']):.1f}s"
