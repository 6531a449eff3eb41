"""Spec parameters -> KerasTuner hyperparameters.

Every value of the space becomes a named hyperparameter (fixed ones as
``hp.Fixed``) so that each trial records its whole configuration.
"""

from __future__ import annotations

import keras_tuner as kt

from automl.spec import LoadedSpace
from automl.spec.params import Bool, Choice, Fixed, FloatRange, IntRange, Param
from automl.spec.schema import model_params

# Fields of the `train` section that are searchable values (the rest are plain settings).
TRAIN_PARAMS = ("optimizer", "learning_rate", "batch_size")


def space_params(space: LoadedSpace) -> dict[str, Param]:
    """All searchable values of a space by hyperparameter name, model first."""
    params: dict[str, Param] = {"family": Fixed(space.spec.family)}
    params.update(model_params(space.model))
    params.update({name: getattr(space.spec.train, name) for name in TRAIN_PARAMS})
    return params


def searched_names(space: LoadedSpace) -> list[str]:
    """Names of the values that are actually searched (not fixed)."""
    return [name for name, p in space_params(space).items() if not isinstance(p, Fixed)]


def build_hyperparameters(space: LoadedSpace) -> kt.HyperParameters:
    """Declares every value of the space on a fresh `HyperParameters`."""
    hp = kt.HyperParameters()
    for name, param in space_params(space).items():
        declare(hp, name, param)
    return hp


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
    else:  # pragma: no cover - the schema admits nothing else
        raise TypeError(f"unknown parameter {param!r}")
