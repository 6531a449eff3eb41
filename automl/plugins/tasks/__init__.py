"""The tasks catalog: what a model learns to output, its metrics, losses, default objective and head.

A task is one module here defining ``PLUGIN = TaskPlugin(...)``. Everything that
depends on the task reads this table: the schema (which tasks a card may name,
which losses fit), the compiler (which Keras metrics a model reports, which
head it ends with) and the objective checks (which names a space may optimize
or early-stop on, and in which direction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from automl.catalog import Catalog, Plugin

# Objectives measured on each trained model rather than read from its training history: smaller is better.
DERIVED = ("parameter_count", "latency_ms")
# Keras metrics where lower is better, for names no task compiles (what KerasTuner's inference knows).
LOWER_IS_BETTER = ("mae", "mse", "rmse", "mape", "msle", "logcosh", "hinge", "squared_hinge", "huber",
                   "kl_divergence", "poisson", "crossentropy", "loss", "error")


@dataclass(frozen=True)
class TaskPlugin(Plugin):
    """One task.

    Attributes:
        metrics: The Keras metrics compiled for the task, by the name Keras logs them
            under, each with its direction (``max``: higher is better). The loss is
            always logged too, as ``loss`` and ``val_loss`` (lower is better).
        losses: The losses a space may pick; ``auto`` picks the first.
        objective: The objective a search optimizes when the space names none.
        head: ``"module:function"`` building the output layer, called as
            ``head(x, spec, task)`` (Keras, so named rather than imported).
        output: The name of the output layer the head makes.
        activation: The output layer's activation (``None``: linear).
        serving: ``"module:function"`` naming an export's outputs, called as
            ``serving(model_output, class_names, task)`` (TensorFlow, so named).
        serving_output: The key of the model's own output in an export's outputs.
        labels: Whether an export also gives ``class_id`` and ``label`` (class names).
        ensemble_loss: The loss (a name in `automl.search.selection.LOSSES`) on which an ensemble of the
            top trials is selected from their validation predictions; empty: the task is not ensembled.
        order: Where the task sits in listings.
    """

    metrics: dict[str, str] = field(default_factory=dict)
    losses: tuple[str, ...] = ()
    objective: str = "val_loss"
    head: str = "automl.builders.compile:dense_head"
    output: str = "prediction"
    activation: str | None = None
    serving: str = "automl.export.serving:plain_outputs"
    serving_output: str = "prediction"
    labels: bool = False
    ensemble_loss: str = ""
    order: int = 100

    def directions(self) -> dict[str, str]:
        """Every objective a search on this task may name, with its direction.

        The loss and each metric, on the training (``mae``) and the validation
        split (``val_mae``), and the derived objectives.
        """
        found = {"loss": "min", "val_loss": "min"}
        for name, direction in self.metrics.items():
            found[name] = found[f"val_{name}"] = direction
        return {**found, **{name: "min" for name in DERIVED}}


TASKS: Catalog[TaskPlugin] = Catalog("task", "automl.plugins.tasks", TaskPlugin)


def known_directions(task: str | None = None) -> dict[str, str]:
    """The objectives of ``task`` with their directions; with no task, those of every task."""
    if task is not None:
        return TASKS.get(task).directions()
    found: dict[str, str] = {}
    for entry in TASKS:
        for name, direction in entry.directions().items():
            found.setdefault(name, direction)
    return {**{n: d for n, d in found.items() if n not in DERIVED}, **{n: "min" for n in DERIVED}}


def direction_of(objective: str, task: str | None = None) -> str:
    """Whether ``objective`` is maximized or minimized, from the metric it names (as KerasTuner infers it).

    The loss and derived objectives (size, latency) are minimized; a metric takes
    the direction its task declares (``val_mae``: min, ``val_accuracy``: max).
    A name no task knows (the space checks refuse those) falls back to Keras's
    names: ``min`` for errors, losses and crossentropies, ``max`` otherwise.
    """
    known = known_directions(task) if task in TASKS else known_directions()
    if objective in known:
        return known[objective]
    return "min" if objective.removeprefix("val_").endswith(LOWER_IS_BETTER) else "max"
