"""Regularized (aging) evolution (Real et al., 2019) as a KerasTuner oracle.

Until the population is full, trials are random. Then each new trial copies
the best of a random tournament drawn from the population, with one
hyperparameter changed; values that the change makes active (a new family's
scope, say) are drawn at random, and values it makes inactive are dropped.
When the children drawn were all tried before, the trial is a random draw.
The population is the most recently completed trials, so the oldest member
retires as each new one finishes. Everything it needs (the end order, the
seed state, the trials) is in KerasTuner's saved oracle state, so a search
resumes where it stopped.
"""

from __future__ import annotations

import random
from typing import Any

import keras_tuner as kt
from keras_tuner.src.engine import hyperparameters as hp_module

from automl.search.ending import EndTrialForms
from automl.search.managed import Managed
from automl.search.untried import UntriedFallback


class Evolution(UntriedFallback, EndTrialForms, kt.Oracle):
    """Aging evolution over a KerasTuner search space.

    Args:
        population_size: Completed trials that make up the population.
        tournament_size: Members drawn for each tournament; the best is the parent.
        **kwargs: `kt.Oracle` arguments (objective, max_trials, hyperparameters, seed...).
    """

    def __init__(self, population_size: int = 10, tournament_size: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.population_size = max(2, population_size)
        self.tournament_size = max(1, min(tournament_size, self.population_size))

    def populate_space(self, trial_id: str) -> dict:
        """A random trial while the population fills, then a mutated tournament winner.

        When every child of the winner was tried, a random draw: untried
        configurations further away may remain.
        """
        population = self.population()
        values = None
        if len(population) >= self.sizes()[0]:
            values = self.mutate(self.tournament(population).hyperparameters.values)
        if values is None:
            values = self._random_values()
        if values is None:
            return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
        return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}

    def population(self) -> list[kt.engine.trial.Trial]:
        """The last ``population_size`` completed trials, oldest first."""
        done = [self.trials[i] for i in self.end_order
                if self.trials[i].status == kt.engine.trial.TrialStatus.COMPLETED and self.trials[i].score is not None]
        return done[-self.sizes()[0]:]

    def sizes(self) -> tuple[int, int]:
        """The population and tournament sizes now: the configured ones, or under a time budget that fits
        fewer trials, a third of the expected trials (at least 4) and a quarter of that (at least 2)."""
        expected = self.expected_trials() if hasattr(self, "expected_trials") else None
        if expected is None or expected // 3 >= self.population_size:
            return self.population_size, self.tournament_size
        population = max(4, expected // 3)
        return population, max(1, min(self.tournament_size, max(2, population // 4)))

    def tournament(self, population: list[kt.engine.trial.Trial]) -> kt.engine.trial.Trial:
        """The best of the tournament size's members drawn at random."""
        rng = self._rng()
        drawn = rng.sample(population, min(self.sizes()[1], len(population)))
        better = max if self.objective.direction == "max" else min
        return better(drawn, key=lambda t: t.score)

    def mutate(self, parent: dict[str, Any]) -> dict[str, Any] | None:
        """The parent's values with one hyperparameter changed; None when every child was tried."""
        for _ in range(self._max_collisions + 1):
            rng = self._rng()
            mutable = [p for p in self.hyperparameters.space if p.name in parent and _has_alternatives(p)]
            if not mutable:
                return None
            target = rng.choice(mutable)
            child = self._child(parent, target, rng)
            if not self._duplicate(child):
                return child
        return None

    def _child(self, parent: dict[str, Any], target: Any, rng: random.Random) -> dict[str, Any]:
        hps = hp_module.HyperParameters()
        for p in self.hyperparameters.space:
            hps.merge([p])
            if not hps.is_active(p):
                continue  # inactive under the child's own choices: dropped
            if p.name == target.name:
                hps.values[p.name] = _other_value(p, parent[p.name], rng)
            elif p.name in parent:
                hps.values[p.name] = parent[p.name]
            else:  # newly active: a fresh draw
                hps.values[p.name] = p.random_sample(rng.randrange(2**31))
        return hps.values

    def _rng(self) -> random.Random:
        self._seed_state += 1
        return random.Random(self._seed_state)

    def get_state(self) -> dict:
        """KerasTuner's state plus the population settings."""
        return {**super().get_state(), "population_size": self.population_size,
                "tournament_size": self.tournament_size}

    def set_state(self, state: dict) -> None:
        """Restores KerasTuner's state and the population settings."""
        super().set_state(state)
        self.population_size = state.get("population_size", self.population_size)
        self.tournament_size = state.get("tournament_size", self.tournament_size)


def _has_alternatives(p: Any) -> bool:
    if isinstance(p, hp_module.Fixed):
        return False
    if isinstance(p, hp_module.Choice):
        return len(p.values) > 1
    if isinstance(p, (hp_module.Int, hp_module.Float)):
        return p.max_value > p.min_value
    return True  # Boolean


def _other_value(p: Any, current: Any, rng: random.Random) -> Any:
    """A value of ``p`` other than ``current`` (a random draw; a Boolean flips)."""
    if isinstance(p, hp_module.Boolean):
        return not current
    if isinstance(p, hp_module.Choice):
        return rng.choice([v for v in p.values if v != current])
    for _ in range(32):
        value = p.random_sample(rng.randrange(2**31))
        if value != current:
            return value
    return value


class EvolutionOracle(Managed, Evolution):
    """The ``evolution`` controller's oracle: `Managed` around `Evolution`."""
