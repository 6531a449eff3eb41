"""``end_trial`` in both of KerasTuner's call forms, under the oracle's lock.

KerasTuner's `synchronized` decorator still takes the older
``end_trial(trial_id, status)`` by building a Trial out of the space's
defaults; the base ``end_trial`` then copies those defaults over the trial's
own values (and replaces its hash in the tried set with theirs), so the
trial is recorded with values it never ran. `EndTrialForms` reads the older
form itself: what is ended is a copy of the oracle's own record of the trial
with the given status, its metrics those the trial reported.
"""

from __future__ import annotations

import keras_tuner as kt
from keras_tuner.src.engine import trial as trial_module


class EndTrialForms:
    """Oracle mixin: ``end_trial(trial)`` or ``end_trial(trial_id, status="COMPLETED")``, synchronized.

    Subclasses that do more when a trial ends override `on_end_trial`, which
    runs under the same lock, before KerasTuner ends the trial.
    """

    def end_trial(self, trial: trial_module.Trial | str | None = None, status: str = "COMPLETED", *,
                  trial_id: str | None = None) -> None:
        """Ends ``trial``, or the trial with ``trial_id`` (positional or keyword) with ``status``."""
        # Not decorated itself: KerasTuner's decorator would turn the older form into defaults first.
        self._end_trial_synchronized(trial_id if trial is None else trial, status)

    @kt.synchronized
    def _end_trial_synchronized(self, trial: trial_module.Trial | str, status: str) -> None:
        if isinstance(trial, str):
            trial = self._own_copy(trial, status)
        self.on_end_trial(trial)
        super().end_trial(trial)

    def _own_copy(self, trial_id: str, status: str) -> trial_module.Trial:
        own = self.trials[trial_id]
        copy = trial_module.Trial(own.hyperparameters.copy(), trial_id=trial_id, status=status,
                                  message=own.message)
        copy.metrics = own.metrics
        return copy

    def on_end_trial(self, trial: trial_module.Trial) -> None:
        """Called under the oracle's lock with the trial being ended, before KerasTuner ends it."""
