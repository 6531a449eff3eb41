"""Flattened spec parameters -> KerasTuner hyperparameters, with conditional scopes.

Every value of the space becomes a named hyperparameter (fixed ones as
``hp.Fixed``) so that each trial records its whole configuration.
"""

from __future__ import annotations

import contextlib

import keras_tuner as kt

from automl.spec import Flat, LoadedSpace, flatten
from automl.spec.params import Bool, Choice, Fixed, FloatRange, IntRange, Param


def build_hyperparameters(space: LoadedSpace) -> kt.HyperParameters:
    """Declares every parameter of the space, each inside its conditions' scopes."""
    hp = kt.HyperParameters()
    for flat in flatten(space):
        declare_flat(hp, flat)
    return hp


def declare_flat(hp: kt.HyperParameters, flat: Flat) -> None:
    """Declares one flattened parameter under its (nested) conditional scopes."""
    with contextlib.ExitStack() as scopes:
        for parent, values in flat.conditions:
            scopes.enter_context(hp.conditional_scope(parent, list(values)))
        declare(hp, flat.name, flat.param)


def declare(hp: kt.HyperParameters, name: str, param: Param) -> None:
    """Declares one parameter on ``hp`` under ``name``."""
    if isinstance(param, Fixed):
        hp.Fixed(name, param.value)
    elif isinstance(param, Choice):
        hp.Choice(name, list(param.values))
    elif isinstance(param, IntRange):
        hp.Int(name, param.lo, param.hi, step=param.step)
    elif isinstance(param, FloatRange):
        hp.Float(name, param.lo, param.hi, step=param.step,
                 sampling="log" if param.log else "linear")
    elif isinstance(param, Bool):
        hp.Boolean(name, default=param.default)
    else:  # pragma: no cover - flatten() expands every other kind
        raise TypeError(f"unknown parameter {param!r}")


def active_values(hp: kt.HyperParameters, point: dict) -> dict:
    """A full configuration: ``point``'s values, defaults for the rest, inactive ones dropped.

    Used for initial points, which name only the values a user cares about.
    """
    trial_hp = hp.copy()
    trial_hp.values.update(point)
    # A value made active by the point (momentum, once the point picks sgd) has no value yet: its default.
    return {p.name: trial_hp.values.get(p.name, p.default) for p in trial_hp.space if trial_hp.is_active(p)}


def random_configurations(space: LoadedSpace, count: int, seed: int) -> list[dict]:
    """``count`` random configurations of a space (for tests and smoke checks)."""
    hp = build_hyperparameters(space)
    oracle = kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=count, hyperparameters=hp,
                                           seed=seed + 1)
    return [oracle._random_values() for _ in range(count)]
