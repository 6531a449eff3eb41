"""The schema of search spaces and dataset cards (pydantic models).

This module is the truth about what a YAML file may say; `search_spaces/README.md`
documents it for users. It never imports TensorFlow or Keras.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from automl.plugins.controllers import CONTROLLERS as CONTROLLER_CATALOG
from automl.plugins.tasks import TASKS as TASK_CATALOG
from automl.plugins.tasks import direction_of as _direction_of
from automl.spec import names
from automl.plugins.families import FAMILIES, Names
from automl.plugins.inputs import INPUT_KINDS
from automl.spec.families import P, Strict
from automl.spec.params import Fixed, Param

OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "nadam")
SCHEDULES = ("constant", "exponential", "step", "cosine", "plateau")
LOSSES = ("auto", "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
          "hinge", "mse", "mae", "huber")
# The controllers catalog's names (automl/plugins/controllers/).
CONTROLLERS = CONTROLLER_CATALOG.names()
# The tasks and their losses, metrics and objectives are the tasks catalog's (automl/plugins/tasks/).
TASKS = TASK_CATALOG.names()
# Objectives measured on each trained model rather than read from its training history.

# Losses each task can train with ("auto" picks the first).
TASK_LOSSES = {task.name: task.losses for task in TASK_CATALOG}


class EarlyStopping(Strict):
    """Stop a trial when a validation metric stops improving.

    ``monitor: objective`` watches the search objective itself; the default,
    ``val_loss``, is smoother on small validation splits, and the trial's
    objective is then read at the epoch of the lowest validation loss.
    """

    monitor: str = "val_loss"
    patience: int = Field(5, ge=0)
    min_delta: float = Field(0.0, ge=0.0)
    restore_best_weights: bool = True


class Train(Strict):
    """How each candidate is trained; every key but epochs and early_stopping is searchable."""

    # key -> (parent key, parent values): the key exists only when the parent has one of them.
    when: ClassVar[dict[str, tuple[str, tuple]]] = {
        "momentum": ("optimizer", ("sgd", "rmsprop")),
        "nesterov": ("optimizer", ("sgd",)),
        "weight_decay": ("optimizer", ("adamw",)),
        "decay_rate": ("schedule", ("exponential", "step")),
        "decay_epochs": ("schedule", ("exponential", "step")),
        "warmup_epochs": ("schedule", ("cosine",)),
        "plateau_factor": ("schedule", ("plateau",)),
        "plateau_patience": ("schedule", ("plateau",)),
    }

    optimizer: P(str, allowed=OPTIMIZERS) = Fixed("adam")
    learning_rate: P(float, gt=0.0, le=10.0) = Fixed(1e-3)
    momentum: P(float, ge=0.0, lt=1.0) = Fixed(0.9)
    nesterov: P(bool) = Fixed(False)
    weight_decay: P(float, ge=0.0, le=1.0) = Fixed(0.004)
    clipnorm: P(float, ge=0.0, le=1000.0) = Fixed(0.0)
    schedule: P(str, allowed=SCHEDULES) = Fixed("constant")
    decay_rate: P(float, gt=0.0, le=1.0) = Fixed(0.5)
    decay_epochs: P(int, ge=1, le=1000) = Fixed(10)
    warmup_epochs: P(int, ge=0, le=1000) = Fixed(2)
    plateau_factor: P(float, gt=0.0, lt=1.0) = Fixed(0.5)
    plateau_patience: P(int, ge=1, le=100) = Fixed(3)
    batch_size: P(int, ge=1, le=65536) = Fixed(32)
    loss: P(str, allowed=LOSSES) = Fixed("auto")
    epochs: int = Field(20, ge=1)
    early_stopping: EarlyStopping = EarlyStopping()


class Augment(Strict):
    """Training-time augmentation; never part of the exported model.

    Image keys apply to image inputs; ``noise`` (Gaussian, in units of each
    feature's standard deviation) to sequences and numeric arrays.
    """

    flip: P(str, allowed=("none", "horizontal", "vertical", "horizontal_and_vertical")) = Fixed("none")
    rotation: P(float, ge=0.0, le=0.5) = Fixed(0.0)
    zoom: P(float, ge=0.0, le=0.5) = Fixed(0.0)
    translation: P(float, ge=0.0, le=0.5) = Fixed(0.0)
    contrast: P(float, ge=0.0, le=0.9) = Fixed(0.0)
    noise: P(float, ge=0.0, le=5.0) = Fixed(0.0)


class Objective(Strict):
    """An objective with its direction given: ``{name: val_mae, direction: min}`` (the direction wins)."""

    name: str
    direction: Literal["min", "max"] | None = None  # None: from the metric, as with a plain name


class Ensemble(Strict):
    """Greedy ensemble selection over the completed trials (classification and regression)."""

    size: int = Field(10, ge=0)  # selection steps (members drawn with replacement); 0: no ensemble
    candidates: int = Field(10, ge=2)  # the best trials it draws from


class CrossValidation(Strict):
    """k-fold cross-validation of the best trials on small data, before the ensemble and the refit."""

    folds: int = Field(5, ge=0)  # 0: off (candidates are chosen on the one validation split)
    candidates: int = Field(5, ge=2)  # the best trials of the search it cross-validates
    # It runs when the training split has fewer rows: measured to help at 308 rows (diabetes) and not at
    # 1,257 (digits, where it took a 60 s search to 150 s).
    max_rows: int = Field(1000, ge=1)
    # Export each chosen trial as the average of its fold models (bagging) rather than a refit (search.refit).
    bag: bool = True
    # On tables, also cross-validate a linear model (L2 logistic or ridge regression, fitted by scikit-learn
    # into a Keras head): on breast_cancer it is what a 30 s search of networks misses by a row or two.
    linear: bool = True
    # And a kernel model (kernel logistic or ridge regression on Gaussian-kernel features against the fitted
    # rows: the RBF support vector machine's smooth boundary). Off: measured twice in benchmarks/quality.py
    # (2026-12-04, and its whitened fit on fresh seeds 2026-12-05), it cost wine or diabetes more than it won.
    kernel: bool = False

    @field_validator("folds")
    @classmethod
    def _off_or_two(cls, value: int) -> int:
        if value == 1:
            raise ValueError("expected 0 (off) or at least 2 folds, received 1")
        return value


class MedianStopping(Strict):
    """Stop a trial whose best objective so far is worse than the completed trials' median at that epoch."""

    grace_epochs: int = Field(5, ge=1)  # always trained before the rule applies
    min_trials: int = Field(3, ge=1)  # completed trials with a value by that epoch needed


class Search(Strict):
    """How the search runs; every field but initial_points can be overridden from the CLI."""

    controller: Literal[CONTROLLERS] = "random"
    # One metric, or several for a multi-objective search: the first is the one early stopping,
    # the scalar controllers and the exported model follow; the others make up the Pareto front.
    # Each is a name (val_accuracy) or a mapping {name: val_mae, direction: min}.
    objective: str | Objective | list[str | Objective] | None = None
    max_trials: int = Field(10, ge=1)
    seed: int = Field(0, ge=0)
    max_consecutive_failures: int = Field(3, ge=1)
    max_params: int | None = Field(None, ge=1)  # candidates over it are rejected before training
    initial_points: list[dict[str, Any]] = []
    ensemble: Ensemble = Ensemble()
    cross_validation: CrossValidation = CrossValidation()
    # Retrain the exported model(s) on the training and validation rows, for the epochs the search chose:
    # auto does it when the training split is small (automl.search.refit.SMALL rows), where the validation
    # rows are a large share of what there is to learn from.
    refit: Literal["auto", "always", "never"] = "auto"
    median_stopping: MedianStopping | None = None  # off unless given ({} for the defaults)

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_mappings(cls, value: Any) -> Any:
        # One line for a wrong mapping, rather than one per member of the union.
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and (set(item) - {"name", "direction"} or not isinstance(item.get("name"), str)
                                           or item.get("direction") not in (None, "min", "max")):
                raise ValueError(f"expected a metric name or {{name: METRIC, direction: min or max}}, "
                                 f"received {item!r}")
        return value


class SearchSpace(Strict):
    """A search space file: what models to try and how to train them."""

    name: str | None = None
    description: str = ""
    extends: str | None = None
    family: P(str, allowed=Names(FAMILIES))  # read on first use: family modules import this one
    model: dict[str, Any] = {}
    augment: Augment = Augment()
    train: Train = Train()
    search: Search = Search()

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        # The name becomes part of the default experiment name, a folder: never a path.
        return value if value is None else _identifier(value)


class Splits(Strict):
    """How the data is split; fractions are of the whole dataset."""

    validation: float = Field(0.15, gt=0.0, lt=1.0)
    test: float = Field(0.15, gt=0.0, lt=1.0)
    stratify: bool = True
    seed: int = Field(0, ge=0)


class DatasetCard(Strict):
    """A dataset card: where the data comes from and what to learn from it."""

    name: str
    description: str = ""
    source: str  # a name in the sources catalog (automl.plugins.sources), checked below
    options: dict[str, Any] = {}
    task: Literal[TASKS] | None = None
    input: Literal[INPUT_KINDS.names()] | None = None
    splits: Splits = Splits()
    class_weight: Literal["none", "balanced"] = "none"  # balanced: rare classes weigh more in the loss

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return _identifier(value)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        from automl.plugins.sources import SOURCES  # its plug-ins import this module: read it on use

        if value not in SOURCES:
            raise ValueError(f"expected one of: {', '.join(SOURCES.names())}, received {value!r}")
        return value


def _identifier(value: str) -> str:
    wrong = names.problem(value)
    if wrong:
        raise ValueError(wrong)
    return value


def direction_of(objective: str, task: str | None = None) -> str:
    """``min`` or ``max``, from the metric ``objective`` names (``val_mae``: min), not from its spelling.

    The task's metric table decides (the tasks catalog); with no task, any task's.
    """
    return _direction_of(objective, task)


def model_params(model: Strict) -> dict[str, Param]:
    """Returns the searchable values of a parsed section by name."""
    return {name: getattr(model, name) for name in type(model).model_fields}
