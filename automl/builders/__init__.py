"""Model builders: raw input (the input kinds catalog) -> family body (the families catalog) -> head, compiled."""

from __future__ import annotations

import keras

from automl.builders.augment import augmenter
from automl.builders.base import InputSpec
from automl.builders.compile import compile_model, default_objective, head, prepare_targets, schedule_callbacks
from automl.builders.ensemble import WeightedAverage  # noqa: F401 - registered: a saved ensemble loads wherever
from automl.builders.kernel import RBFFeatures  # noqa: F401 - registered: a saved kernel model loads wherever
from automl.plugins.families import FAMILIES
from automl.plugins.inputs import INPUT_KINDS


def family_values(values: dict) -> dict:
    """The trial's values for its family: ``cnn.filters`` -> ``filters`` (training and augment keys kept)."""
    prefix = f"{values['family']}."
    own = {k: v for k, v in values.items() if "." not in k or k.startswith("augment.")}
    own.update({k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)})
    return own


def build_model(values: dict, spec: InputSpec, epochs: int = 20, name: str | None = None) -> keras.Model:
    """Builds and compiles one candidate: raw input -> preprocessing -> family -> head.

    Args:
        values: The trial's hyperparameter values (``family`` among them).
        spec: The input's shape, task and training statistics.
        epochs: Planned epochs (cosine schedules span them).
        name: The model's name (default ``<family>_candidate``); an ensemble's members need distinct ones.

    Returns:
        A compiled Keras model that takes raw (unnormalized) inputs.
    """
    v = family_values(values)
    family = FAMILIES.get(v["family"])
    if spec.task not in family.tasks:
        serving = [f.name for f in FAMILIES if spec.task in f.tasks]
        raise ValueError(f"family: expected a family for a {spec.task} task ({', '.join(serving)}), "
                         f"received family {family.name!r}, which serves {', '.join(family.tasks)}")
    if family.whole:  # a generative model: its own networks and train step
        return family.body()(v, spec, epochs)
    inputs, x = INPUT_KINDS.get(spec.kind).inputs(spec)
    body = family.body()(x, v, spec.for_body())
    model = keras.Model(inputs, head(body, spec, inputs), name=name or f"{v['family']}_candidate")
    compile_model(model, v, spec, epochs)
    return model


def build_optimizer(model: keras.Model) -> None:
    """Makes the optimizer's slots (the ones training would make), so a weights file that holds them loads."""
    if hasattr(model, "build_optimizers"):  # a generative model: each optimizer over its own network
        model.build_optimizers()
    else:
        model.optimizer.build(model.trainable_variables)


__all__ = ["InputSpec", "augmenter", "build_model", "build_optimizer", "default_objective", "family_values",
           "prepare_targets", "schedule_callbacks"]
