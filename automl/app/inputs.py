"""A search's inputs and settings, all settled before TensorFlow loads.

The CLI's flags over the space's defaults, the card, space and data loaded and
checked against each other, the experiment's name, and the objectives with
their directions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from automl.spec import (
    LoadedCard,
    LoadedSpace,
    card_for_path,
    check_against_card,
    check_fits,
    check_metrics,
    check_task,
    effective_task,
    load_card,
    load_space,
)
from automl.plugins.formats import default_formats, require_extras
from automl.spec.names import check_name, tidy


@dataclass
class SearchOptions:
    """What ``automl search`` was asked to do; ``None`` means "the space's default"."""

    dataset: str | None
    space: str = "auto"
    controller: str | None = None
    max_trials: int | None = None
    epochs: int | None = None
    seed: int | None = None
    max_consecutive_failures: int | None = None
    time_budget: float | None = None
    max_params: int | None = None
    experiment: str | None = None
    tracking_uri: str | None = None
    export_dir: str = "exports"
    state_dir: str = "mlruns/searches"
    device: str = "auto"
    fresh: bool = False
    tracking: bool = True
    settings: tuple[str, ...] = ()
    data: str | None = None
    target: str | None = None
    register: str | None = None
    workers: int = 1
    address: str | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float | None = None
    mixed_precision: bool = False
    # What the export writes (`--format`): the SavedModel and .keras unless asked for more.
    formats: tuple[str, ...] = field(default_factory=default_formats)

    def worker_options(self):
        """The flags for trials in worker processes (`automl.distributed.runtime.WorkerOptions`)."""
        from automl.distributed.runtime import WorkerOptions

        gpus = 0.0 if self.device == "cpu" and self.gpus_per_trial is None else self.gpus_per_trial
        return WorkerOptions(self.workers, self.address, self.cpus_per_trial, gpus, self.mixed_precision)


@dataclass(frozen=True)
class Settings:
    """The search settings after CLI flags override the space's defaults."""

    controller: str
    max_trials: int
    epochs: int
    seed: int
    max_consecutive_failures: int
    max_params: int | None = None
    time_budget: float | None = None


def resolve(space: LoadedSpace, opts: SearchOptions) -> Settings:
    """Applies the CLI's overrides to the space's ``search`` and ``train`` sections."""
    from automl.plugins.controllers import CONTROLLERS

    s, t = space.spec.search, space.spec.train
    pick = lambda flag, default: default if flag is None else flag  # noqa: E731
    settings = Settings(pick(opts.controller, s.controller), pick(opts.max_trials, s.max_trials),
                        pick(opts.epochs, t.epochs), pick(opts.seed, s.seed),
                        pick(opts.max_consecutive_failures, s.max_consecutive_failures),
                        pick(opts.max_params, s.max_params), opts.time_budget)
    CONTROLLERS.get(settings.controller).require()  # before TensorFlow loads
    workers = opts.worker_options()
    if workers.remote:
        from automl.distributed import require

        require("--address" if workers.joined_address else "--workers")
    return settings


def load_inputs(opts: SearchOptions) -> tuple:
    """Loads the card, the space and the data, and checks they fit, all before TensorFlow loads.

    ``--space auto`` picks the ``auto_<input kind>`` space for the data.

    Returns:
        ``(card, space, data)``.
    """
    from automl.data import load_dataset

    require_extras(opts.formats)  # not after the trials
    card = load_card(opts.dataset) if opts.data is None else card_for_path(opts.data, opts.target)
    space = None if opts.space == "auto" else load_space(opts.space, opts.settings)
    if space is not None:
        check_against_card(space, card.card)  # fail before a slow load (or a TFDS download)
    data = load_dataset(card)
    space = space or load_space(f"auto_{data.input_kind}", opts.settings)
    check_fits(space, data.input_kind)
    check_task(space, data.task)
    if effective_task(space, data.task) == "reconstruction":
        data = data.as_reconstruction()
    if effective_task(space, data.task) == "generation":
        data = data.as_generation()
    return card, space, data


def experiment_name(opts: SearchOptions, card: LoadedCard, space: LoadedSpace) -> str:
    """``--experiment``, checked to be a name and not a path; by default ``<dataset>-<space>``.

    Raises:
        SpecError: ``--experiment`` is empty or could act as a path.
    """
    if opts.experiment is not None:
        return check_name(opts.experiment, "--experiment")
    return tidy(f"{card.card.name}-{space.name}")


def absolute(name: str | None) -> str | None:
    """A path made absolute (so `automl export` finds it from anywhere); a name unchanged."""
    return str(Path(name).resolve()) if name and Path(name).exists() else name


def objective_of(space: LoadedSpace, task: str) -> tuple[str, str]:
    """The metric the search optimizes (the first of several) and whether higher is better."""
    return objectives_of(space, task)[0]


def objectives_of(space: LoadedSpace, task: str) -> list[tuple[str, str]]:
    """Every objective with its direction; more than one makes a multi-objective search."""
    from automl.plugins.tasks import TASKS
    from automl.spec.schema import direction_of

    named = space.objective_directions
    if not named:
        default = TASKS.get(effective_task(space, task)).objective
        return [(default, direction_of(default, effective_task(space, task)))]
    check_metrics(space, effective_task(space, task))  # a task known only once the data loaded
    return [(name, given or direction_of(name, effective_task(space, task))) for name, given in named]
