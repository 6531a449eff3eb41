"""The Tracker interface: everything a search reports, behind one door."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TrialRecord:
    """The outcome of one trial, as reported to a tracker.

    Attributes:
        trial_id: KerasTuner's trial id (``"03"``).
        status: ``completed``, ``stopped_early`` or ``failed``.
        metrics: Final metrics (the objective among them) at the best epoch.
        tags: Extra facts: family, parameter count, epochs run, train seconds.
        reason: Why a failed trial failed, in one line.
        texts: Small text artifacts by file name (the model summary).
        history: Every epoch's metrics as ``(epoch, value)`` pairs, by name (the learning curve).
        params: The trial's hyperparameters (to open its run again if it was never opened).
        files: Artifacts on disk by their name in the run (a generative trial's sample grids).
    """

    trial_id: str
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class DatasetRecord:
    """The data a search learns from, as logged with the search.

    Attributes:
        name: The dataset card's name.
        digest: A hash of all splits (`DataBundle.fingerprint`).
        source: The card's source kind (``sklearn``, ``csv``, ``tfds``...).
        location: A file or folder path, or the source's own name for the data.
        example: A few raw input rows (an array, or a dict of column arrays).
        sizes: Rows per split: ``{"train": ..., "validation": ..., "test": ...}``.
    """

    name: str
    digest: str
    source: str
    location: str
    example: Any
    sizes: dict[str, int] = field(default_factory=dict)


class Tracker:
    """Receives a search's runs and trials. This base class records nothing."""

    def start_search(self, experiment: str, params: dict, texts: dict[str, str],
                     resume_run_id: str | None = None, token: str | None = None) -> str | None:
        """Opens (or reopens) the search's parent run; returns its id, if any.

        ``token`` (the search state's) tags a new parent run, so that a resume finds the
        run even when the process died before the run's id was saved.
        """
        return None

    def log_dataset(self, dataset: DatasetRecord) -> None:
        """Records the search's dataset on the parent run."""

    def start_trial(self, trial_id: str, params: dict) -> None:
        """Opens a trial's run and records its hyperparameters."""

    def restart_trial(self, trial_id: str, params: dict, reason: str) -> None:
        """A trial's attempt was lost (its worker died) and another started: its run is closed as
        killed with ``reason`` and replaced by a new one, as a resumed search replaces it."""

    def log_epoch(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        """Records one epoch's metrics (step = epoch)."""

    def end_trial(self, record: TrialRecord) -> None:
        """Closes a trial's run with its status, final metrics, tags and artifacts."""

    def recover_trials(self, records: list[TrialRecord]) -> None:
        """On resume: makes every ended trial's run show its record (status, metrics, tags, artifacts),
        whatever a kill interrupted after the trial ended."""

    def trials_done(self) -> None:
        """The search has run its last trial; the best model is scored and exported next."""

    def log_model(self, model: Any, example: Any, register: str | None = None) -> str | None:
        """Logs the best model on the parent run (optionally registered); returns its URI, if any."""
        return None

    def log_bytes(self, name: str, content: bytes) -> None:
        """Records a file on the parent run under ``name`` (the best generative model's sample grid)."""

    def log_pareto(self, objectives: list[tuple[str, str]], front: list[dict[str, Any]]) -> None:
        """Records a multi-objective search's Pareto front: which trials are on it, and their values."""

    def end_search(self, metrics: dict[str, float], tags: dict[str, str], status: str) -> None:
        """Closes the parent run (``completed``, ``failed`` or ``killed``)."""

    def describe(self) -> str:
        """Where the records go, for the user."""
        return "nowhere (tracking off)"


class NullTracker(Tracker):
    """A tracker that records nothing: for tests and ``--no-tracking``."""
