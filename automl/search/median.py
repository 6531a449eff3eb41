"""Median stopping (Golovin et al., 2017): a trial worse than the completed trials' median at the same epoch stops.

After a grace period, at the end of each epoch, the trial's best objective so
far is compared with the best each completed trial had reached by the same
epoch; below their median (and with at least ``min_trials`` of them), the
trial stops and keeps its best epoch. It works under any controller, since it
only reads the ended trials' learning curves.
"""

from __future__ import annotations

import statistics
from typing import Sequence

import keras

Curve = Sequence[tuple[int, float]]  # (epoch, objective) pairs, as a trial's record keeps them


def best_by(curve: Curve, epoch: int, direction: str) -> float | None:
    """The best value of ``curve`` at or before ``epoch`` (None when it has none)."""
    values = [v for e, v in curve if e <= epoch]
    if not values:
        return None
    return max(values) if direction == "max" else min(values)


class MedianStop(keras.callbacks.Callback):
    """Stops training when the trial's best so far is worse than the median of its peers' at that epoch.

    Args:
        objective: The metric (``val_accuracy``).
        direction: ``max`` or ``min``.
        peers: The completed trials' curves of that metric.
        grace_epochs: Epochs always trained before the rule applies.
        min_trials: Peers with a value by that epoch needed for the rule to apply.

    Attributes:
        reason: Why it stopped the trial ("" while it has not).
    """

    def __init__(self, objective: str, direction: str, peers: Sequence[Curve], grace_epochs: int,
                 min_trials: int) -> None:
        super().__init__()
        self.objective, self.direction, self.peers = objective, direction, list(peers)
        self.grace_epochs, self.min_trials = grace_epochs, min_trials
        self.curve: list[tuple[int, float]] = []
        self.reason = ""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None or self.objective not in logs:
            return
        self.curve.append((epoch, float(logs[self.objective])))
        if len(self.curve) < self.grace_epochs:
            return
        theirs = [b for b in (best_by(c, epoch, self.direction) for c in self.peers) if b is not None]
        if len(theirs) < self.min_trials:
            return
        median, ours = statistics.median(theirs), best_by(self.curve, epoch, self.direction)
        if ours < median if self.direction == "max" else ours > median:
            self.model.stop_training = True
            self.reason = (f"median stopping: best {self.objective} {ours:.4f} by epoch {epoch + 1} is worse than "
                           f"the median {median:.4f} of {len(theirs)} completed trials by then")
