"""Controllers (KerasTuner oracles), registered by name for ``--controller``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras_tuner as kt

from automl.errors import SpecError
from automl.registry import Registry
from automl.space import active_values


@dataclass(frozen=True)
class OracleSettings:
    """What every controller is built from."""

    objective: kt.Objective
    max_trials: int
    seed: int
    max_consecutive_failures: int
    max_epochs: int
    initial_points: tuple[dict, ...] = ()


OracleFactory = Callable[[kt.HyperParameters, OracleSettings], kt.Oracle]
ORACLES: Registry[OracleFactory] = Registry("--controller")
register = ORACLES.register


def _common(hp: kt.HyperParameters, s: OracleSettings) -> dict:
    # KerasTuner reads seed 0 as "no seed" and draws a random one; shifting by one
    # keeps every user seed, 0 included, reproducible.
    return dict(objective=s.objective, hyperparameters=hp, seed=s.seed + 1,
                max_consecutive_failed_trials=s.max_consecutive_failures)


@register("random")
def random_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Uniform random sampling."""
    return kt.oracles.RandomSearchOracle(max_trials=s.max_trials, **_common(hp, s))


@register("grid")
def grid_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Every combination in order; float ranges need a ``step``."""
    for p in hp.space:
        if isinstance(p, kt.engine.hyperparameters.Float) and p.step is None:
            raise SpecError(f"--controller grid: expected every float range to have a step, "
                            f"received {p.name!r} without one")
    return kt.oracles.GridSearchOracle(max_trials=s.max_trials, **_common(hp, s))


@register("bayesian")
def bayesian_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Gaussian-process Bayesian optimization."""
    return kt.oracles.BayesianOptimizationOracle(max_trials=s.max_trials, **_common(hp, s))


@register("hyperband")
def hyperband_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Hyperband over epochs; capped at ``max_trials`` trials in all."""
    oracle = kt.oracles.HyperbandOracle(max_epochs=max(s.max_epochs, 2), factor=3, **_common(hp, s))
    # Hyperband has no trial count of its own; the base Oracle stops at max_trials.
    oracle.max_trials = s.max_trials
    return oracle


@register("evolution")
def evolution_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Regularized (aging) evolution: tournament selection, one-value mutations, oldest retired.

    The population is a third of the trials (4 to 50); tournaments draw a quarter of it.
    """
    from automl.search.evolution import EvolutionOracle

    population = min(50, max(4, s.max_trials // 3))
    return EvolutionOracle(population_size=population, tournament_size=max(2, population // 4),
                           max_trials=s.max_trials, **_common(hp, s))


@register("rl")
def rl_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """REINFORCE policy over the space's decisions with a moving-average baseline (NAS-style)."""
    from automl.search.reinforce import ReinforceOracle

    return ReinforceOracle(max_trials=s.max_trials, **_common(hp, s))


@register("asha")
def asha_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Asynchronous successive halving over epochs: rungs grow by 3, the top third goes on."""
    from automl.search.asha import AshaOracle

    return AshaOracle(max_epochs=max(s.max_epochs, 1), eta=3, max_trials=s.max_trials, **_common(hp, s))


class InitialPoints:
    """Oracle mixin: the first trials are the space's initial points, then the oracle's own.

    A point names only some values; the rest take their defaults and values
    of inactive conditional scopes are dropped.
    """

    initial_points: tuple[dict, ...] = ()

    def populate_space(self, trial_id: str) -> dict:
        started = len(self.trials)  # resumed searches count the trials already run
        if started < len(self.initial_points):
            return {"status": "RUNNING",
                    "values": active_values(self.hyperparameters, self.initial_points[started])}
        return super().populate_space(trial_id)


def make_oracle(name: str, hp: kt.HyperParameters, settings: OracleSettings) -> kt.Oracle:
    """Builds the controller registered under ``name``, starting from the initial points."""
    oracle = ORACLES.lookup(name)(hp, settings)
    if settings.initial_points:
        if name in ("grid", "hyperband", "asha"):
            raise SpecError(f"search.initial_points: expected the random, bayesian, evolution or rl controller, "
                            f"received --controller {name} (it orders its own trials)")
        # Put the mixin in front of this oracle's own class, whichever it is.
        oracle.__class__ = type(f"Initial{type(oracle).__name__}", (InitialPoints, type(oracle)), {})
        oracle.initial_points = tuple(settings.initial_points)
    return oracle
