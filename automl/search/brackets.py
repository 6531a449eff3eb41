"""Hyperband's brackets sized to a time budget.

KerasTuner's Hyperband starts with its widest bracket: with 30 epochs and a
factor of 3, 34 configurations of 2 epochs before any is trained further. A
budget that fits a dozen trials never leaves that bracket's first round, so
no model is trained for long. Under a time budget, `BudgetBrackets` keeps to
the brackets whose trials all fit the expected trials
(`automl.search.limits.Limits.expected_trials`), measured as the search runs.
"""

from __future__ import annotations


class BudgetBrackets:
    """Hyperband oracle mixin (after `Managed`, before KerasTuner's `HyperbandOracle`)."""

    def populate_space(self, trial_id: str) -> dict:
        cap = self.bracket_cap()
        if cap < self._current_bracket:
            # Started before a trial was timed, the bracket cannot finish: one that can takes its place.
            # Its trials stay in the search (and the leaderboard); only the bracket's bookkeeping goes.
            self._brackets = [b for b in self._brackets if b["bracket_num"] <= cap]
            self._current_bracket = cap
            self._start_new_bracket()
        return super().populate_space(trial_id)

    def _increment_bracket_num(self) -> None:
        super()._increment_bracket_num()
        self._current_bracket = min(self._current_bracket, self.bracket_cap())

    def bracket_cap(self) -> int:
        """The widest bracket in use: the last one without a budget; with one, the widest whose trials
        (every round's) fit the expected trials, at least the plain random search of bracket 0."""
        widest = self._get_num_brackets() - 1
        expected = self.expected_trials() if hasattr(self, "expected_trials") else None
        if expected is None:
            return widest
        fits = [s for s in range(widest + 1) if self.bracket_trials(s) <= expected]
        return max(fits, default=0)

    def bracket_trials(self, bracket: int) -> int:
        """The trials bracket ``bracket`` runs, its rounds' sizes summed."""
        return sum(self._get_size(bracket, r) for r in range(self._get_num_rounds(bracket)))
