"""What a search report shows, gathered once: the trials and the search's outcome.

Two sources fill the same `SearchFacts`: the trial records of a search that
just ended (`from_records`, also without a tracking store) and an MLflow store
(`automl.report.store.from_store`), so the page looks the same either way.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENDED = ("completed", "stopped_early")


@dataclass
class TrialFacts:
    """One trial as the report shows it.

    Attributes:
        trial: The trial id.
        status: ``completed``, ``stopped_early``, ``failed`` or ``killed``.
        score: The objective at the trial's best epoch (None when it failed).
        values: Its searched values (those that vary in the space), by name.
        ended_at: Wall-clock time (seconds since the epoch) when it ended, if known.
        seconds: Its training time.
        epochs: Epochs it ran.
        params: Its parameter count.
        reason: Why it failed.
        curve: The objective per epoch, ``(epoch, value)`` pairs (0-based epochs).
        others: A multi-objective search's other objectives, by name.
    """

    trial: str
    status: str
    score: float | None
    values: dict[str, Any] = field(default_factory=dict)
    ended_at: float | None = None
    seconds: float | None = None
    epochs: int | None = None
    params: int | None = None
    reason: str = ""
    curve: list[tuple[int, float]] = field(default_factory=list)
    others: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether it ended with a score."""
        return self.status in ENDED and self.score is not None and math.isfinite(self.score)


@dataclass
class SearchFacts:
    """A search as its report shows it.

    Attributes:
        experiment: The search's name.
        objective: The metric it optimized, and ``direction`` (``max`` or ``min``).
        trials: Every trial, in the order they ran.
        searched: The names of the values the space searches, in the space's order.
        objectives: All objectives with their directions (more than one: a multi-objective search).
        test_metrics: The exported model's scores on the held-out test split.
        exported: What was exported, in words.
        export_path: Where.
        card: The model card's facts (empty when the export folder is not at hand).
        source: Where the facts were read, in words.
    """

    experiment: str
    objective: str
    direction: str
    trials: list[TrialFacts]
    searched: list[str]
    objectives: list[tuple[str, str]] = field(default_factory=list)
    test_metrics: dict[str, float] = field(default_factory=dict)
    exported: str = ""
    export_path: str = ""
    card: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def ranked(self) -> list[TrialFacts]:
        """The trials with a score, best first (ties in the order they ran), by `automl.ranking.best_first`."""
        from automl.ranking import best_first

        ok = [t for t in self.trials if t.ok]
        return [ok[i] for i in best_first([t.score for t in ok], self.direction)]

    def failed(self) -> list[TrialFacts]:
        """The trials that ended without a score."""
        return [t for t in self.trials if not t.ok]

    def varying(self) -> list[str]:
        """The searched values that take more than one value among the trials with a score (a value some
        trials lack and the others share, such as a constant ``momentum`` for sgd alone, does not vary)."""
        ok = self.ranked()
        return [n for n in self.searched if len({repr(t.values[n]) for t in ok if n in t.values}) > 1]


def read_card(export_path: str | Path) -> dict[str, Any]:
    """The export folder's model card, or an empty dict when it is not there (another machine's export)."""
    try:
        return json.loads((Path(export_path) / "model_card.json").read_text())
    except (OSError, ValueError):
        return {}


def from_records(records: list, experiment: str, objectives: list[tuple[str, str]], searched: list[str],
                 outcome: dict[str, Any]) -> SearchFacts:
    """Facts from the trial records of a search (`automl.tracking.base.TrialRecord`).

    Args:
        records: Every ended trial's record.
        experiment: The search's name.
        objectives: ``(name, direction)`` pairs, the optimized objective first.
        searched: The names of the searched values.
        outcome: ``test_metrics``, ``exported``, ``export_path`` and ``source``.
    """
    objective, direction = objectives[0]
    trials = [_trial(r, objective, [n for n, _ in objectives[1:]], searched) for r in records]
    trials.sort(key=lambda t: (len(t.trial), t.trial))  # KerasTuner's ids are zero-padded numbers
    return SearchFacts(experiment, objective, direction, trials, searched, list(objectives),
                       dict(outcome.get("test_metrics", {})), outcome.get("exported", ""),
                       str(outcome.get("export_path", "")), read_card(outcome.get("export_path", "")),
                       outcome.get("source", ""))


def _trial(record, objective: str, others: list[str], searched: list[str]) -> TrialFacts:
    tags = record.tags
    return TrialFacts(
        record.trial_id, record.status, record.metrics.get(objective),
        {n: record.params[n] for n in searched if n in record.params}, _number(tags.get("ended_at")),
        _number(tags.get("train_seconds")), _integer(tags.get("epochs_run")), _integer(tags.get("parameter_count")),
        record.reason, [tuple(p) for p in record.history.get(objective, [])],
        {n: record.metrics[n] for n in others if n in record.metrics})


def _number(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _integer(text: Any) -> int | None:
    value = _number(text)
    return None if value is None or not math.isfinite(value) else int(value)
