"""The search use case: open its state and parent run, run the trials, export and log the best model.

Its inputs and settings come from `automl.app.inputs`, what it produced is
assembled in `automl.app.results`, and its folder and lock are `automl.app.state`.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from automl.app.inputs import (
    SearchOptions,
    Settings,
    absolute,
    experiment_name,
    load_inputs,
    objective_of,
    objectives_of,
    resolve,
)
from automl.app.results import (
    SearchResult,
    ensemble_row,
    leaderboard,
    model_card,
    pareto_rows,
    test_scores,
    versions,
)
from automl.app.state import open_state, save_state, search_lock
from automl.faults import checkpoint
from automl.spec import LoadedCard, LoadedSpace, flatten, searched
from automl.spec.names import inside

__all__ = ["SearchOptions", "SearchResult", "Settings", "experiment_name", "load_inputs", "make_controller",
           "objective_of", "objectives_of", "resolve", "run_search"]


def start_workers(opts: SearchOptions):
    """For ``--workers``/``--address``: Ray started or joined now, its workers importing TensorFlow while
    this process does the same; None when trials run in this process. `run_search` stops it."""
    workers = opts.worker_options()
    if not workers.remote:
        return None
    from automl.distributed.runtime import RayRuntime

    return RayRuntime(workers).start()


def run_search(opts: SearchOptions, progress_stream: Any = None, inputs: tuple | None = None,
               tracker: Any = None, runtime: Any = None) -> SearchResult:
    """Runs (or resumes) a search and exports its best model.

    Args:
        opts: The command's options.
        progress_stream: Where progress lines go (standard error by default).
        inputs: What `load_inputs` returned, when the caller loaded them already.
        tracker: A `Tracker` to use instead of the one ``opts`` names (benchmarks wrap one).
        runtime: What `start_workers` returned, when the caller started the workers already.

    Returns:
        The leaderboard, test score, export folder and tracking facts.

    Raises:
        AutoMLError: Bad input, a search that cannot go on, or a failed export.
    """
    with runtime or _workers(opts) as workers:  # a Ray runtime entered (and stopped at the end), or None
        return _run_search(opts, progress_stream, inputs, tracker, workers)


def _workers(opts: SearchOptions):
    workers = opts.worker_options()
    if not workers.remote:
        return contextlib.nullcontext()
    from automl.distributed.runtime import RayRuntime

    return RayRuntime(workers)


def _run_search(opts: SearchOptions, progress_stream: Any, inputs: tuple | None, tracker: Any,
                runtime: Any) -> SearchResult:
    card, space, data = inputs or load_inputs(opts)
    settings = resolve(space, opts)
    experiment = experiment_name(opts, card, space)
    folder = inside(Path(opts.state_dir), experiment, "--experiment")
    _check_export_dir(Path(opts.export_dir))
    progress = _progress(settings, space, data, progress_stream)
    try:
        return _locked_search(opts, card, space, data, settings, experiment, folder, progress, tracker, runtime)
    finally:
        progress.close()  # live bars stop before the summary prints, or an error's one line


def _locked_search(opts: SearchOptions, card: LoadedCard, space: LoadedSpace, data, settings: Settings,
                   experiment: str, folder: Path, progress, tracker: Any, runtime: Any) -> SearchResult:
    with search_lock(Path(opts.state_dir), experiment):
        state = open_state(folder, card.card.name, space.name, opts.fresh)
        state.inputs = {"dataset": absolute(opts.dataset), "data": absolute(opts.data), "target": opts.target,
                        "space": absolute(opts.space), "settings": list(opts.settings),
                        "fingerprint": data.fingerprint()}
        save_state(folder, state)  # its token is on disk before the parent run that carries it exists
        tracker = tracker or _tracker(opts, progress)
        from automl.training import configure_devices  # TensorFlow loads from here on

        device = configure_devices(opts.device)
        with _closing(tracker):  # whatever fails from here, no run is left RUNNING
            state.parent_run_id = tracker.start_search(
                experiment, _run_params(card, space, settings, data, device, opts), _texts(card, space, data),
                resume_run_id=state.parent_run_id, token=state.token)
            save_state(folder, state)
            checkpoint("search.started")
            return _search(tracker, card, space, data, settings, experiment, folder, progress, device, opts,
                           runtime)


def _search(tracker, card: LoadedCard, space: LoadedSpace, data, settings: Settings, experiment: str, folder: Path,
            progress, device: str, opts: SearchOptions, runtime: Any = None) -> SearchResult:
    """The search proper, once its state and parent run are open: trials, then the best model out."""
    tracker.log_dataset(_dataset_record(card, data))
    controller = make_controller(space, settings, data, tracker, progress, folder,
                                 "mixed_float16" if opts.mixed_precision else "float32")
    progress.say(f"search {experiment!r}: {settings.controller} controller, {settings.max_trials} trials, "
                 f"{data.name} ({len(data.y_train)} train / {len(data.y_val)} validation), device {device}")
    done = sum(1 for t in controller.oracle.trials.values() if t.status in ("COMPLETED", "FAILED"))
    if done:
        progress.say(f"resuming: {done} of {settings.max_trials} trials already done ({folder})")
        progress.resumed(done)
    _run_trials(controller, runtime, progress)
    progress.close()  # the bars end with the trials; what follows prints plain lines
    tracker.trials_done()
    checkpoint("search.trials_done")
    if _out_of_time(controller):
        progress.say(f"time budget of {settings.time_budget:.0f} s reached: no more trials start")
    return _finish(controller, tracker, data, card, space, settings, experiment, opts)


def _run_trials(controller, runtime, progress) -> None:
    """The trials: in this process one after another, or with ``--workers``/``--address`` on Ray."""
    if runtime is None:
        controller.search()
        return
    from automl.distributed.driver import ParallelSearch

    progress.say(f"trials run in worker processes: {runtime.describe()}")
    ParallelSearch(controller, runtime).run()


def _out_of_time(controller) -> bool:
    import time

    return controller.deadline is not None and time.monotonic() >= controller.deadline


def _tracker(opts: SearchOptions, progress):
    from automl.tracking import MlflowTracker, NullTracker
    from automl.tracking.uri import chosen

    if not opts.tracking:
        return NullTracker()
    uri = chosen(opts.tracking_uri)
    if uri.startswith(("http://", "https://")):
        progress.say(f"connecting to the MLflow tracking server at {uri} ...")
    return MlflowTracker(uri)


def _progress(settings: Settings, space: LoadedSpace, data, stream: Any):
    from automl.search.progress import progress_for

    return progress_for(settings.max_trials, objective_of(space, data.task)[0], stream, settings.time_budget,
                        settings.epochs)


def make_controller(space: LoadedSpace, settings: Settings, data, tracker, progress, folder: Path,
                    precision: str = "float32"):
    """The KerasTuner-driven controller of a search, resumed from ``folder`` (`open_state` empties it for
    ``--fresh``, after checking it is the toolkit's own; KerasTuner's overwrite would delete any folder)."""
    import keras_tuner as kt

    from automl.search import OracleSettings, SearchController, make_oracle
    from automl.space import build_hyperparameters
    from automl.plugins.tasks import DERIVED

    objectives = objectives_of(space, data.task)
    name, direction = objectives[0]
    controller = None  # the candidates' size is measured by the controller built below
    scorer = None
    if data.task == "generation":  # one feature space for every trial, kept with the search
        from automl.search.samples import cached_scorer

        scorer = cached_scorer(folder, data, settings.seed, progress.say)

    def size_of(values: dict) -> int:
        return controller.parameter_count(values)

    def rejected(values: dict, size: int) -> None:
        progress.say(f"rejected a candidate before training: {size:,} parameters > max_params "
                     f"{settings.max_params:,} ({controller.oracle.rejected} rejected so far)")

    # --time-budget (from now) and --max-params on whichever controller runs; the total is what this
    # command asks for, also when a resumed search had another.
    oracle_settings = OracleSettings(kt.Objective(name, direction), settings.max_trials, settings.seed,
                                     settings.max_consecutive_failures, settings.epochs,
                                     tuple(space.initial_points), tuple(objectives) if len(objectives) > 1 else (),
                                     budget_seconds=settings.time_budget, max_params=settings.max_params,
                                     size_of=size_of, on_reject=rejected)
    oracle = make_oracle(settings.controller, build_hyperparameters(space), oracle_settings)
    train = space.spec.train.model_copy(update={"epochs": settings.epochs})
    with contextlib.redirect_stdout(io.StringIO()):  # KerasTuner prints "Reloading Tuner from ..."
        controller = SearchController(oracle, data=data, train=train, tracker=tracker, progress=progress,
                                      directory=str(folder.parent), project_name=folder.name,
                                      overwrite=False, seed=settings.seed,
                                      derived=[n for n, _ in objectives if n in DERIVED], precision=precision,
                                      scorer=scorer, median=_median(space))
    return controller


def _median(space: LoadedSpace) -> tuple[int, int] | None:
    """The space's median stopping rule as (grace epochs, minimum completed trials), or None when off."""
    rule = space.spec.search.median_stopping
    return None if rule is None else (rule.grace_epochs, rule.min_trials)


@contextlib.contextmanager
def _closing(tracker):
    """Closes the parent run as failed or killed when the search or export stops early."""
    from automl.errors import AutoMLError

    try:
        yield
    except AutoMLError:
        _end_quietly(tracker, "failed")
        raise
    except BaseException:
        _end_quietly(tracker, "killed")
        raise


def _end_quietly(tracker, status: str) -> None:
    """Closes the parent run; a store that fails now must not hide why the search stopped."""
    from automl.errors import AutoMLError

    try:
        tracker.end_search({}, {"status": status}, status)
    except AutoMLError:
        pass


def _check_export_dir(root: Path) -> None:
    """Fails before any training when the export folder cannot be made."""
    from automl.errors import ExportError

    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"--export-dir: expected a folder that can be created, received {str(root)!r} "
                          f"({err.strerror})") from None


def _finish(controller, tracker, data, card: LoadedCard, space: LoadedSpace, settings: Settings,
            experiment: str, opts: SearchOptions) -> SearchResult:
    import numpy as np

    from automl.data.graphs import model_inputs
    from automl.data.splits import take
    from automl.errors import SearchError
    from automl.export import export_model
    from automl.export.formats import carried
    from automl.search.final import PLAIN, final_model

    trials = list(controller.oracle.trials.values())
    completed = [t for t in trials if t.status == "COMPLETED"]
    if not completed:
        raise SearchError("search ended with no completed trial; see the failure reasons above")
    best = controller.oracle.get_best_trials(1)[0]
    objective = controller.oracle.objective.name
    # Cross-validation scores the two best trials, and more while the time budget lasts (a search that
    # ran out of trials before it).
    deadline = None if settings.time_budget is None else controller.oracle.started + settings.time_budget
    final = final_model(controller, data, space.spec.search, controller.progress.say, deadline)
    model = final.model
    # The card's trial: the one exported, or the best for an ensemble or a candidate that is no trial.
    exported = controller.oracle.trials.get(final.members[0][0], best) if not final.is_ensemble else best
    values = PLAIN if final.averages else dict(exported.hyperparameters.values)
    test_metrics = test_scores(model, values, final.spec, data, controller.context.scorer)
    single_metrics = None
    if final.averages or final.refit or exported.trial_id != best.trial_id:  # the summary shows the change
        single_metrics = test_scores(controller.load_model(best), dict(best.hyperparameters.values),
                                     controller.spec, data)
    board = leaderboard(controller, searched(flatten(space)), k=5)
    if final.is_ensemble:
        board.insert(0, ensemble_row(final, objective))
    card_facts = model_card(experiment, data, space, settings, exported, objective, test_metrics,
                            tracker_run_id(tracker), tracker.describe())
    card_facts["selection"] = {**final.facts, "members": dict(final.members),
                               **({"best_trial_test_metrics": single_metrics} if single_metrics else {})}
    formats, refused = carried(model, opts.formats)
    for line in refused:
        controller.progress.say(line)
    path = export_model(model, Path(opts.export_dir), experiment, card_facts, formats=formats,
                        task=controller.spec.task, class_names=data.class_names)
    if tracker_run_id(tracker):
        controller.progress.say("logging the best model to MLflow"
                                + (f" and registering it as {opts.register!r}" if opts.register else ""))
    if hasattr(model, "example_inputs"):  # a generative model: noise in
        example = model.example_inputs(5)
        from automl.search.samples import grid_png

        tracker.log_bytes("samples.png", grid_png(model))
    else:
        example = model_inputs(take(data.x_test, np.arange(min(5, len(data.y_test)))))
    model_uri = tracker.log_model(model, example, opts.register)
    checkpoint("search.model_logged")
    rejected = getattr(controller.oracle, "rejected", 0)
    objectives = objectives_of(space, data.task)
    front = pareto_rows(controller, objectives) if len(objectives) > 1 else None
    if front is not None:
        tracker.log_pareto(objectives, front)
    single = {f"best_trial_{k}": v for k, v in (single_metrics or {}).items()}
    tracker.end_search({f"best_{objective}": best.score, **test_metrics, **single, "rejected_candidates": rejected},
                       {"best_trial": best.trial_id, "export_path": str(path), "status": "completed",
                        "exported_model": describe(final)}, "completed")
    checkpoint("search.ended")
    from automl.app.report import report_after_search

    report = report_after_search(controller, tracker, {
        "experiment": experiment, "test_metrics": test_metrics, "exported": describe(final), "export_path": path,
        "source": f"this search's trial records ({tracker.describe()})"}, searched(flatten(space)), objectives,
        controller.progress.say)
    return SearchResult(experiment, objective, board, test_metrics, path, tracker.describe(),
                        len(completed), len(trials) - len(completed), tracker_run_id(tracker), model_uri,
                        rejected, _out_of_time(controller), objectives if front is not None else None, front,
                        describe(final), single_metrics, report)


def describe(final) -> str:
    """The exported model in words: which trial(s), and whether it was refit."""
    from automl.search.linear import member_label

    if final.is_ensemble:
        what = f"ensemble of {len(final.members)} models (" + ", ".join(
            f"{member_label(t)} x{w:.2f}" for t, w in final.members) + ")"
    else:
        what = member_label(final.members[0][0])
    if final.bagged:
        return what + f", {'each ' if final.is_ensemble else ''}bagged over its {final.bagged} cross-validation folds"
    return what + (", refit on train + validation" if final.refit else "")


def tracker_run_id(tracker) -> str | None:
    """The parent run's id, when the tracker has one."""
    return getattr(tracker, "parent_id", None)


def _run_params(card: LoadedCard, space: LoadedSpace, settings: Settings, data, device: str,
                opts: SearchOptions) -> dict:
    objectives = objectives_of(space, data.task)
    objective, direction = objectives[0]
    several = {"objectives": ",".join(f"{n}:{d}" for n, d in objectives)} if len(objectives) > 1 else {}
    return {**several, "dataset": card.card.name, "dataset_fingerprint": data.fingerprint(), "space": space.name,
            "families": ",".join(space.families), **asdict(settings), "device": device,
            "workers": opts.workers, "cpus_per_trial": opts.cpus_per_trial, "mixed_precision": opts.mixed_precision,
            "objective": objective, "objective_direction": direction,
            "initial_points": len(space.initial_points),
            **{f"version_{k}": v for k, v in versions().items()}}


def _dataset_record(card: LoadedCard, data):
    import numpy as np

    from automl.data.graphs import model_inputs
    from automl.data.splits import take
    from automl.tracking import DatasetRecord

    options = card.card.options
    return DatasetRecord(name=card.card.name, digest=data.fingerprint(), source=card.card.source,
                         location=str(options.get("path") or options.get("name") or options.get("dataset")
                                      or card.card.name),
                         example=model_inputs(take(data.x_train, np.arange(min(5, len(data.y_train))))),
                         sizes={"train": len(data.y_train), "validation": len(data.y_val), "test": len(data.y_test)})


def _texts(card: LoadedCard, space: LoadedSpace, data) -> dict[str, str]:
    # The resolved space (after extends and --set) is what the search used; the file is what the user wrote.
    resolved = [{"name": f.name, "values": repr(f.param), "when": f.conditions} for f in flatten(space)]
    return {"inputs/space.yaml": space.path.read_text(), "inputs/space_resolved.json": to_json(resolved),
            "inputs/dataset_card.json": card.card.model_dump_json(indent=2),
            "inputs/data_summary.json": to_json(data.summary())}


def to_json(value: Any) -> str:
    """Plain data as indented JSON (anything else as its text)."""
    return json.dumps(value, indent=2, default=str)
