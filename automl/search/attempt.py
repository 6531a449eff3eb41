"""One attempt at a trial, wherever it runs: build, warm-start, fit, measure, save the weights.

The in-process search (`automl.search.controller`) and a Ray worker
(`automl.distributed.worker`) train a trial with the same function, so a
trial's model, seed and metrics do not depend on where it ran. What a search
shares with every trial (the data, the input's statistics, the train
section, the objective) is a `TrialContext`; what one trial needs besides is a
`TrialJob`; what comes back is an `Outcome`, plain data that crosses processes.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import keras

from automl.builders import (InputSpec, augmenter, build_model, build_optimizer, family_values, prepare_targets,
                             schedule_callbacks)
from automl.data import DataBundle
from automl.errors import first_line
from automl.search.derived import measure
from automl.search.graph_memory import released_graphs
from automl.search.limits import stop_at
from automl.search.median import MedianStop
from automl.spec.schema import Train
from automl.training import FitResult, fit

EpochSink = Callable[[str, int, dict], None]  # (trial id, epoch, metrics)


@dataclass
class TrialContext:
    """What every trial of a search trains with.

    Attributes:
        data: The dataset (the test split is never used by a trial).
        spec: The input's shape, task and statistics.
        train: The space's train section.
        objective: ``(metric, "max" | "min")``.
        derived: Objectives measured on each trained model (parameter_count, latency_ms).
        seed: The search's seed; a trial's seed derives from it and the trial id.
        precision: Keras's dtype policy for the trial (``mixed_float16`` with ``--mixed-precision``).
        scorer: A generation search's sample scorer (``.keras`` bytes, `automl.search.samples`); else None.
        median: Median stopping's grace epochs and minimum completed trials (`automl.search.median`).
    """

    data: DataBundle
    spec: InputSpec
    train: Train
    objective: tuple[str, str]
    derived: tuple[str, ...] = ()
    seed: int = 0
    precision: str = "float32"
    scorer: bytes | None = None
    median: tuple[int, int] | None = None  # median stopping's (grace epochs, minimum trials); None: off

    def trial_seed(self, trial_id: str) -> int:
        """The seed of a trial's initialization and shuffling: the same on every attempt and host."""
        return self.seed * 100_003 + int(trial_id)


@dataclass
class TrialJob:
    """One trial to train elsewhere.

    Attributes:
        trial_id: KerasTuner's trial id.
        values: The trial's hyperparameter values.
        deadline: Wall-clock time (``time.time()``) after which training stops at an epoch boundary.
        parent_weights: The weights a Hyperband or ASHA continuation starts from (a ``.weights.h5`` file's bytes).
        peers: The completed trials' objective curves, for median stopping.
    """

    trial_id: str
    values: dict
    deadline: float | None = None
    parent_weights: bytes | None = None
    peers: list | None = None


@dataclass
class Outcome:
    """What one attempt produced: the fit and the trained weights, or why it failed.

    Attributes:
        trial_id: The trial.
        result: The fit (None when the attempt failed).
        params: The model's parameter count.
        summary: The model's summary text.
        derived: The derived objectives measured on the model.
        reason: Why it failed, in one line ("" when it did not).
        history: Every epoch's metrics as ``(epoch, value)`` pairs, by name.
        weights: The best epoch's weights (a ``.weights.h5`` file's bytes).
        where: The host and process that trained it.
        rss_mb: That process's resident memory after the trial (0 when not measured).
    """

    trial_id: str
    result: FitResult | None = None
    params: int = 0
    summary: str = ""
    derived: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    history: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    weights: bytes | None = None
    where: str = ""
    rss_mb: float = 0.0


class EpochLogger(keras.callbacks.Callback):
    """Hands each epoch's metrics to ``sink`` (the tracker, or the relay to the driver) and keeps them
    (``history``: the trial's record, from which a resume can redraw its learning curve)."""

    def __init__(self, sink: EpochSink, trial_id: str) -> None:
        super().__init__()
        self.sink, self.trial_id = sink, trial_id
        self.history: dict[str, list[tuple[int, float]]] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        metrics = {k: float(v) for k, v in (logs or {}).items()}
        metrics["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        for name, value in metrics.items():
            self.history.setdefault(name, []).append((epoch, value))
        self.sink(self.trial_id, epoch, metrics)


def train_candidate(ctx: TrialContext, trial_id: str, values: dict, logger: EpochLogger, weights_path: str,
                    deadline: float | None = None, parent_path: str | None = None, peers: list | None = None
                    ) -> tuple[FitResult, int, str, dict[str, float]]:
    """Builds, fits and saves one candidate; any error is raised to the caller.

    Args:
        ctx: The search's shared context.
        trial_id: The trial (its seed derives from it).
        values: Its hyperparameter values.
        logger: Receives every epoch's metrics.
        weights_path: Where the best epoch's weights are saved (``.weights.h5``).
        deadline: A `time.monotonic` value: training stops at the first epoch boundary past it.
        parent_path: Weights a continuation starts from (``tuner/trial_id`` names its parent).
        peers: The completed trials' objective curves (with median stopping on).

    Returns:
        The fit, the parameter count, the model's summary and the derived objectives.
    """
    seed = ctx.trial_seed(trial_id)
    keras.utils.set_random_seed(seed)
    # Set for each trial: clear_session, which ends every trial, resets the global policy.
    keras.mixed_precision.set_global_policy(ctx.precision)
    with released_graphs():
        model = build_model(values, ctx.spec, ctx.train.epochs)
        initial = _warm_start(model, values, parent_path)
        own = family_values(values)
        measures = _sample_measures(ctx, values)
        median = None if ctx.median is None else MedianStop(*ctx.objective, peers or [], *ctx.median)
        result = fit(model, ctx.data, ctx.train, values["batch_size"], ctx.objective,
                     [logger, stop_at(deadline), *schedule_callbacks(own), *([median] if median else [])],
                     epochs=values.get("tuner/epochs"), initial_epoch=initial,
                     targets=lambda y: prepare_targets(own, ctx.spec, y),
                     seed=seed, augment=augmenter(own, ctx.spec), measures=measures)
        if median is not None and median.reason:
            result.stopped_early, result.stop_reason = True, median.reason
        if measures:
            _sampled(model, result, measures[0])
        model.save_weights(weights_path)
        return result, model.count_params(), model_summary(model), measure(list(ctx.derived), model,
                                                                           ctx.data.x_val)


def run_attempt(ctx: TrialContext, job: TrialJob, sink: EpochSink) -> Outcome:
    """Trains ``job`` in this process and returns its outcome; a failure is returned, never raised.

    The weights travel as bytes, so the driver gets them wherever the attempt ran.
    """
    where = f"{socket.gethostname()}:{os.getpid()}"
    logger = EpochLogger(sink, job.trial_id)
    deadline = None if job.deadline is None else time.monotonic() + (job.deadline - time.time())
    with tempfile.TemporaryDirectory(prefix="automl-trial-") as folder:
        parent = None
        if job.parent_weights is not None:
            parent = os.path.join(folder, "parent.weights.h5")
            Path(parent).write_bytes(job.parent_weights)
        weights = os.path.join(folder, "model.weights.h5")
        try:
            result, params, summary, derived = train_candidate(ctx, job.trial_id, job.values, logger, weights,
                                                               deadline, parent, job.peers)
            return Outcome(job.trial_id, result, params, summary, derived, history=logger.history,
                           weights=Path(weights).read_bytes(), where=where)
        except Exception as err:  # noqa: BLE001 - a failed trial is an outcome, not the worker's end
            return Outcome(job.trial_id, reason=first_line(err, typed=True), history=logger.history, where=where)
        finally:
            keras.backend.clear_session(free_memory=True)


def _sample_measures(ctx: TrialContext, values: dict) -> list:
    """A generative trial's per-epoch sample scores (none for other tasks)."""
    if ctx.spec.task != "generation" or ctx.scorer is None:
        return []
    from automl.search.samples import scorer_callback

    return [scorer_callback(ctx.scorer, ctx.data.x_val, ctx.data.y_val, values.get("tuner/epochs") or ctx.train.epochs)]


def _sampled(model: keras.Model, result: FitResult, measures: keras.callbacks.Callback) -> None:
    """A generative trial's grids (every few epochs, and the best epoch's) kept; a collapsed generator failed."""
    import json

    from automl.search.samples import check_collapse, grid_png

    check_collapse(result)
    result.artifacts.update(measures.images)
    result.artifacts["samples/best.png"] = grid_png(model)
    if measures.per_class:
        result.artifacts["class_accuracy.json"] = json.dumps(
            {"per_class_accuracy_last_epoch": measures.per_class}, indent=2).encode()


def _warm_start(model: keras.Model, values: dict, parent_path: str | None) -> int:
    # Hyperband and ASHA continue a trial from an earlier one's weights.
    if values.get("tuner/trial_id") and parent_path and os.path.exists(parent_path):
        build_optimizer(model)
        model.load_weights(parent_path)
        return int(values.get("tuner/initial_epoch", 0))
    return 0


def model_summary(model: keras.Model) -> str:
    """Keras's summary of ``model`` as text."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, **_: lines.append(line), line_length=110)
    return "\n".join(lines)
