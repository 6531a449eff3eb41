"""Named points in a search's bookkeeping, where the crash-consistency tests kill the process.

Every step that writes the search's record (the state files, the trial
records, the MLflow runs, the export) calls `checkpoint` after it. Unless a
test asks for it through the environment, a checkpoint does nothing:

- ``AUTOML_KILL_AT=NAME`` (or ``NAME@N``) sends the process SIGKILL the first
  (or Nth) time it reaches ``NAME``: the kill is exactly there, not at a random
  time, so a test can prove a resume is right at every step. ``NAME:KEY``
  kills only at ``NAME`` for ``KEY`` (one trial: ``worker.epoch:3``).
- ``AUTOML_TRACE=FILE`` appends ``NAME KEY`` to ``FILE`` at every point reached,
  so a test can count, across a kill and its resume, how often each trial was
  trained and committed.

Imports nothing of the package, so every layer may call it.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_VARIABLE, TRACE_VARIABLE = "AUTOML_KILL_AT", "AUTOML_TRACE"
_reached: Counter = Counter()


def checkpoint(name: str, key: str = "") -> None:
    """Marks that the step ``name`` (for ``key``, e.g. a trial id) has just been done."""
    trace, kill = os.environ.get(TRACE_VARIABLE), os.environ.get(KILL_VARIABLE)
    if not (trace or kill):
        return
    if trace:
        with open(trace, "a") as out:  # opened and closed each time: a kill loses nothing written
            out.write(f"{name} {key}\n")
    if kill:
        wanted, _, nth = kill.partition("@")
        wanted, _, only = wanted.partition(":")
        if wanted != name or (only and only != key):
            return
        _reached[name] += 1
        if _reached[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)


def trace_events(path: str | os.PathLike) -> list[tuple[str, str]]:
    """The ``(name, key)`` pairs an ``AUTOML_TRACE`` file holds, in order."""
    with open(path) as lines:
        return [tuple((line.rstrip("\n").split(" ", 1) + [""])[:2]) for line in lines if line.strip()]


def repeats(events: list[tuple[str, str]]) -> list[str]:
    """The trials trained again after they were committed (their own file said they ended)."""
    committed: set[str] = set()
    again = []
    for name, key in events:
        if name == "trial.trained" and key in committed:
            again.append(key)
        elif name == "ended.trial_saved":
            committed.add(key)
    return again


def audit_search(root: str | os.PathLike, experiment: str, trials: int, trace: str | os.PathLike) -> dict[str, int]:
    """What a finished search left in ``root`` (its mlruns/ and exports/), after any number of kills.

    Returns:
        ``trials_completed`` (trial files saying COMPLETED), and what must all be zero:
        ``repeats`` (trainings of a committed trial), ``losses`` (of the ``trials`` expected, those
        without a completed file and a finished run), ``runs_left_running``, ``artifacts_missing``
        (trial runs without their learning curve or summary) and ``temporary_exports`` left behind.
    """
    import json
    from pathlib import Path

    from mlflow.tracking import MlflowClient

    root = Path(root)
    state = root / "mlruns" / "searches" / experiment
    completed = {json.loads(p.read_text())["trial_id"] for p in state.glob("trial_*/trial.json")
                 if json.loads(p.read_text())["status"] == "COMPLETED"}
    client = MlflowClient(f"sqlite:///{root / 'mlruns' / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], max_results=10_000)
    finished = [r for r in runs if r.data.tags.get("automl.kind") == "trial" and r.info.status == "FINISHED"]
    shown = {r.data.tags.get("automl.trial_id") for r in finished}
    wanted = {"learning_curve.png", "model_summary.txt"}
    exports = root / "exports" / experiment
    return {"trials_completed": len(completed),
            "repeats": len(repeats(trace_events(trace))),
            "losses": trials - len(completed & shown),
            "runs_left_running": sum(r.info.status == "RUNNING" for r in runs),
            "artifacts_missing": sum(not wanted <= {a.path for a in client.list_artifacts(r.info.run_id)}
                                     for r in finished),
            "temporary_exports": len(list(exports.glob(".tmp-*"))) if exports.exists() else 0}
