"""`automl export`: a finished search's best (or chosen) trial out again, in any formats.

The search's state folder (``mlruns/searches/<experiment>/``) holds the
trials' weights and how the search loaded its data and space; the model is
rebuilt from those, optionally retrained on train + validation, scored on the
test split and exported.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automl.errors import ExportError, SpecError
from automl.app.inputs import SearchOptions, load_inputs, resolve
from automl.app.results import model_card, test_scores
from automl.app.search import make_controller
from automl.plugins.formats import default_formats
from automl.spec.names import inside
from automl.app.state import read_state
from automl.tracking.uri import DEFAULT_URI


@dataclass
class ExportOptions:
    """What ``automl export`` was asked to do."""

    experiment: str | None = None
    run_id: str | None = None
    formats: tuple[str, ...] = field(default_factory=default_formats)  # the formats catalog's defaults
    out: str = "exports"
    retrain: bool = False
    state_dir: str = "mlruns/searches"
    tracking_uri: str = DEFAULT_URI
    device: str = "auto"


@dataclass
class ExportResult:
    """Where the export went and what it holds."""

    experiment: str
    trial_id: str
    path: Path
    files: list[str]
    test_metrics: dict[str, float]
    retrained_epochs: int | None


@dataclass
class ExportPlan:
    """The search to export from, with its data and space loaded (TensorFlow not yet)."""

    experiment: str
    trial_id: str | None
    folder: Path
    state: Any
    search: SearchOptions
    space: Any
    data: Any


def plan_export(opts: ExportOptions) -> ExportPlan:
    """Finds the search and loads its data and space; a wrong name fails here, before TensorFlow loads.

    Raises:
        AutoMLError: No such search or run, or data that changed since the search.
    """
    experiment, trial_id = _locate(opts)
    folder = inside(Path(opts.state_dir), experiment, "--experiment")
    state = read_state(folder)
    search = _search_options(state.inputs, experiment, opts.state_dir)
    _, space, data = load_inputs(search)
    if state.inputs.get("fingerprint") not in (None, data.fingerprint()):
        raise SpecError(f"--experiment: the data of {experiment!r} changed since its search "
                        f"(fingerprint {state.inputs['fingerprint']}, now {data.fingerprint()}); search again")
    return ExportPlan(experiment, trial_id, folder, state, search, space, data)


def export_best(opts: ExportOptions, progress: Any = None, plan: ExportPlan | None = None) -> ExportResult:
    """Rebuilds the chosen trial's model and exports it.

    Raises:
        AutoMLError: No such search or trial, changed data, or a failed export.
    """
    say = lambda text: print(text, file=progress or sys.stderr, flush=True)  # noqa: E731
    plan = plan or plan_export(opts)
    experiment, state, search, space, data = plan.experiment, plan.state, plan.search, plan.space, plan.data
    from automl.search import Progress
    from automl.tracking import NullTracker
    from automl.training import configure_devices

    configure_devices(opts.device)
    settings = resolve(space, search)
    controller = make_controller(space, settings, data, NullTracker(), Progress(1, "", progress), plan.folder)
    trial = _trial(controller, experiment, plan.trial_id)
    model, spec, epochs = _model(controller, trial, data, opts.retrain, say)
    scores = test_scores(model, dict(trial.hyperparameters.values), spec, data, controller.context.scorer)
    facts = model_card(experiment, data, space, settings, trial, controller.oracle.objective.name, scores,
                       state.parent_run_id, opts.tracking_uri)
    facts["retrained"] = {"epochs": epochs, "on": "train + validation"} if opts.retrain else False
    from automl.export import export_model

    say(f"exporting trial {trial.trial_id} of {experiment!r}: {', '.join(opts.formats)}")
    path = export_model(model, Path(opts.out), experiment, facts, formats=opts.formats,
                        task=spec.task, class_names=data.class_names)
    return ExportResult(experiment, trial.trial_id, path, sorted(p.name for p in path.iterdir()), scores,
                        epochs if opts.retrain else None)


def _locate(opts: ExportOptions) -> tuple[str, str | None]:
    """The experiment to export from, and a trial id when ``--run-id`` names a trial run."""
    if opts.run_id:
        from automl.tracking.query import locate_run

        return locate_run(opts.tracking_uri, opts.run_id)
    root = Path(opts.state_dir)
    known = sorted((p for p in root.glob("*/search.json")), key=lambda p: p.stat().st_mtime)
    if opts.experiment is not None:
        if not (inside(root, opts.experiment, "--experiment") / "search.json").exists():
            names = ", ".join(p.parent.name for p in known) or "none"
            raise SpecError(f"--experiment: no search {opts.experiment!r} in {root}; searches: {names}")
        return opts.experiment, None
    if not known:
        raise SpecError(f"--experiment: no searches in {root}; run `automl search` first")
    return known[-1].parent.name, None


def _search_options(inputs: dict, experiment: str, state_dir: str) -> SearchOptions:
    if not inputs:
        raise SpecError(f"--experiment: the search {experiment!r} predates `automl export`; run it again with "
                        f"--fresh to export from it")
    return SearchOptions(dataset=inputs["dataset"], data=inputs["data"], target=inputs["target"],
                         space=inputs["space"], settings=tuple(inputs["settings"]), experiment=experiment,
                         state_dir=state_dir)


def _trial(controller, experiment: str, trial_id: str | None):
    if trial_id is None:
        done = [t for t in controller.oracle.get_best_trials(1) if t.status == "COMPLETED"]
        if not done:
            raise ExportError(f"--experiment: search {experiment!r} has no completed trial to export")
        return done[0]
    trial = controller.oracle.trials.get(trial_id)
    if trial is None or trial.status != "COMPLETED":
        status = "missing" if trial is None else trial.status.lower()
        raise ExportError(f"--run-id: trial {trial_id} of {experiment!r} is {status}; only completed trials export")
    return trial


def _model(controller, trial, data, retrain: bool, say) -> tuple[Any, Any, int | None]:
    """The trial's model (its saved best weights, or retrained on train + validation) and its InputSpec."""
    if not retrain:
        return controller.load_model(trial), controller.spec, None
    from automl.builders import InputSpec
    from automl.search.final import best_epochs, retrained

    epochs = best_epochs(controller, trial)
    merged = data.with_validation_in_train()
    spec = InputSpec.from_bundle(merged)  # statistics of the data it now learns from
    say(f"retraining trial {trial.trial_id} on train + validation ({len(merged.y_train)} examples) "
        f"for {epochs} epochs, the best epoch count its search found")
    return retrained(controller, trial, merged, spec, seed=controller.seed), spec, epochs
