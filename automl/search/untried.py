"""The first configuration of a space not tried yet, for when random draws only collide.

KerasTuner's `Oracle._random_values` gives up (returns None) after 21 draws in
a row that were all tried before, and the controllers then stop, even when
configurations of a finite space were never tried. `UntriedFallback` walks
the space in order instead and proposes the first untried configuration, so a
controller stops only when the space is exhausted. A float range without a
step is endless: there the walk never runs out, and random draws basically
never collide anyway.

The values are the ones KerasTuner's own draws give (`Numerical.values`, ints
for an Int), so a configuration found here hashes as the same configuration
drawn at random would.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator

import keras_tuner as kt
from keras_tuner.src.engine import hyperparameters as hp_module

# Configurations walked before giving up, so that a huge space never hangs a proposal; a search
# tries far fewer configurations than this, so the walk finds an untried one long before.
LIMIT = 100_000


def grid_size(p: Any) -> int | None:
    """How many values an Int or Float range takes; None for a float range without a step."""
    if p.step:
        return p._get_n_values()
    if isinstance(p, hp_module.Int):  # only log sampling leaves an Int without a step: every integer
        return p.max_value - p.min_value + 1
    return None


def grid_value(p: Any, index: int) -> Any:
    """The ``index``-th value of a range with finitely many values, as KerasTuner's draws give it."""
    value = p._get_value_by_index(index) if p.step else p.min_value + index
    # Log steps come back as floats; KerasTuner's draws cast an Int's value to int.
    return int(value) if isinstance(p, hp_module.Int) else value


def grid(p: Any) -> Iterator[Any]:
    """Every value of ``p`` in order; a float range without a step never ends (ever finer halvings)."""
    if isinstance(p, hp_module.Fixed):
        return iter([p.value])
    if isinstance(p, hp_module.Boolean):
        return iter([False, True])
    if isinstance(p, hp_module.Choice):
        return iter(p.values)
    size = grid_size(p)
    if size is not None:
        return (grid_value(p, i) for i in range(size))
    return (p.prob_to_value(q) for q in _halvings())


def _halvings() -> Iterator[float]:
    """1/2, 1/4, 3/4, 1/8, 3/8, ...: every point of [0, 1) once, coarse to fine."""
    for depth in itertools.count(1):
        yield from ((2 * k + 1) / 2**depth for k in range(2 ** (depth - 1)))


def configurations(hp: kt.HyperParameters) -> Iterator[dict]:
    """Every configuration of ``hp``'s active values, in the space's order (the last value varies fastest).

    A value inside a conditional scope is only part of the configurations
    where its parent has one of the scope's values.
    """
    space = list(hp.space)

    def walk(i: int, values: dict) -> Iterator[dict]:
        if i == len(space):
            yield dict(values)
            return
        p = space[i]
        if not all(c.is_active(values) for c in p.conditions):
            yield from walk(i + 1, values)
            return
        for value in grid(p):
            values[p.name] = value
            yield from walk(i + 1, values)
        del values[p.name]

    return walk(0, {})


def first_untried(hp: kt.HyperParameters, tried: Callable[[dict], bool], limit: int = LIMIT) -> dict | None:
    """The first configuration in `configurations` order that ``tried`` says is new; None when exhausted.

    Args:
        hp: The search space.
        tried: Whether a configuration was tried before (an oracle's ``_duplicate``).
        limit: Configurations walked at most.
    """
    for values in itertools.islice(configurations(hp), limit):
        if not tried(values):
            return values
    return None


class UntriedFallback:
    """Oracle mixin: when random draws only collide, the first untried configuration instead of None.

    Every controller falls back on `_random_values` when its own proposals
    collide, so this one override is where they all stop giving up early.
    """

    def _random_values(self) -> dict | None:
        values = super()._random_values()
        if values is None:
            values = first_untried(self.hyperparameters, self._duplicate)
        return values
