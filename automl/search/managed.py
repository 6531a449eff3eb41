"""What every controller's oracle is built with: durable files, initial points, search limits.

A controller's oracle class names `Managed` first among its bases, so these
behaviours are part of the class from the start and their settings are
constructor arguments (no class is changed, nothing is patched after the
oracle exists). The order of the bases is the order of the checks: `Durable`
saves and reconciles around everything, `Limits` refuses a proposal after the
deadline or over ``max_params``, `InitialPoints` proposes the space's initial
points before the controller's own proposals.
"""

from __future__ import annotations

from typing import Callable

from automl.search.journal import Durable
from automl.search.limits import Limits
from automl.space import active_values


class InitialPoints:
    """Oracle mixin: the space's initial points are tried before the oracle's own proposals.

    A point names only some values; the rest take their defaults and values
    of inactive conditional scopes are dropped. Oracles that order their own
    trials by budget (hyperband, asha) take the points as their first random
    draws, so the points enter at the bottom rung. A point is used once: it is
    skipped when a trial (or a rejected candidate) already has its values,
    which is also how a resumed search knows where it was.
    """

    initial_points: tuple[dict, ...] = ()
    points_first: bool = True  # False: the points only replace random draws

    def populate_space(self, trial_id: str) -> dict:
        values = self._next_initial_point() if self.points_first else None
        if values is not None:
            return {"status": "RUNNING", "values": values}
        return super().populate_space(trial_id)

    def _random_values(self) -> dict | None:
        values = self._next_initial_point()
        return values if values is not None else super()._random_values()

    def _next_initial_point(self) -> dict | None:
        if not self.initial_points:
            return None
        used = {searched_key(t.hyperparameters.values) for t in self.trials.values()}
        for point in self.initial_points:
            values = active_values(self.hyperparameters, point)
            if searched_key(values) not in used and self._compute_values_hash(values) not in self._tried_so_far:
                self._tried_so_far.add(self._compute_values_hash(values))
                return values
        return None


def searched_key(values: dict) -> str:
    """The searched values of a trial without KerasTuner's budget bookkeeping (``tuner/...``)."""
    return repr(sorted((k, v) for k, v in values.items() if not k.startswith("tuner/")))


class Managed(Durable, Limits, InitialPoints):
    """Base of every controller's oracle (put it first): its settings are keyword arguments.

    Args:
        initial_points: Values tried before the controller's own proposals (see `InitialPoints`).
        points_first: False for controllers that order trials by budget: the points replace random draws.
        budget_seconds: Wall-clock budget from construction; after it nothing more is proposed.
        max_params: Largest model accepted; a larger proposal is rejected before training.
        size_of: The parameter count of a proposal (needed with ``max_params``).
        on_reject: Told of each rejected proposal and its size.
        verbose: KerasTuner's display level (0: the toolkit prints its own progress).
        **kwargs: The oracle's own arguments (objective, max_trials, hyperparameters, seed...).
    """

    def __init__(self, *args, initial_points: tuple[dict, ...] = (), points_first: bool = True,
                 budget_seconds: float | None = None, max_params: int | None = None,
                 size_of: Callable[[dict], int] | None = None,
                 on_reject: Callable[[dict, int], None] | None = None, verbose: int = 0, **kwargs) -> None:
        self.initial_points, self.points_first = tuple(initial_points), points_first
        self.set_limits(budget_seconds, max_params, size_of, on_reject)
        super().__init__(*args, **kwargs)
        self.verbose = verbose
