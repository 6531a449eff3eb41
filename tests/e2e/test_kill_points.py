"""Crash consistency: the search is killed (SIGKILL) at each step of its bookkeeping, and resumed.

Each step that writes the search's record calls `automl.faults.checkpoint`;
``AUTOML_KILL_AT`` kills the process exactly there. The test runs a search
as a chain of processes: each is killed at the next point of its chain, the
next resumes it, and the last one finishes. Every point of `POINTS` is in one
of two chains, every other point, which run side by side (two searches in two
folders, one per CPU core: a process spends most of its 7 s importing
TensorFlow and MLflow). Then, whatever instant each
process died at: every trial ran to completion exactly once (none trained
again after it was committed, none lost), the store has one finished run per
trial with its artifacts and no run left RUNNING, and no temporary export
folder is left behind. `AUTOML_TRACE` records every point each process
reached, so "trained again after it was committed" is read off the trace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from automl.faults import audit_search, trace_events
from tests.conftest import AS_SEARCHED

pytestmark = pytest.mark.slow

SPACE = """\
    name: tiny_mlp
    family: mlp
    model:
      layers: 1
      units: {choice: [4, 8, 16, 32]}
      dropout: {choice: [0.0, 0.1, 0.2]}
    train:
      learning_rate: {float: [1.0e-3, 1.0e-2], log: true}
      batch_size: 32
      epochs: 1
"""
# Enough for every point: chain 0's in-trial kills commit at most trials 0 to 2 (one each at ended.trial_saved,
# trial.committed and trial.run_ended; a kill before the commit runs the trial again), chain 1's fewer; the
# fourth is a fresh trial after each chain's last in-trial kill.
TRIALS = 4

# In the order a search reaches them. A point inside a trial is reached again by the next
# trial of the next process, so each process of the chain gets one step further.
POINTS = [
    "search.run_created",        # parent run created, its id not yet in the search state
    "search.started",            # state saved with the parent run's id
    "created.trial_saved",       # a new trial's file says RUNNING; the oracle's state does not list it yet
    "created.oracle_saved",      # the oracle lists it as running
    "trial.run_started",         # its MLflow run is open
    "trial.trained",             # trained, weights saved; nothing reported yet
    "metrics.trial_saved",       # its metrics are in its file (still RUNNING)
    "trial.record_saved",        # its record (what the tracker is told) is saved; not yet committed
    "ended.trial_saved",         # committed: its file says COMPLETED; the oracle's state not yet saved
    "ended.oracle_saved",        # the oracle's state lists it as ended
    "trial.committed",           # both saved; its MLflow run not yet told
    "trial.recovered",           # the resume mends the run of the trial above
    "trial.run_ended",           # its MLflow run is FINISHED; its artifacts wait in the background
    "trial.artifacts_written",   # its artifacts are written, the tag saying so is not
    "search.trials_done",        # every trial done; nothing exported yet
    "export.written",            # the export is in its temporary folder
    "export.renamed",            # the export is in place; the model not yet logged to MLflow
    "search.model_logged",       # the model is logged; the parent run not yet closed
    "search.ended",              # the parent run is FINISHED
]


def _search(cwd: Path, space: Path, trace: Path, kill: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOML_", "MLFLOW_"))}
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "AUTOML_TRACE": str(trace)})
    if kill:
        env["AUTOML_KILL_AT"] = kill
    # As searched: six of the processes export, each would cross-validate the best trials on iris.
    args = ["search", "--dataset", "iris", "--space", str(space), "--max-trials", str(TRIALS),
            "--experiment", "chain", "--seed", "1", *AS_SEARCHED]
    return subprocess.run([sys.executable, "-m", "automl.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


# Each chain starts a search (search.run_created is reached only by the process that creates its parent
# run), and a point that mends a run (trial.recovered) follows one that left a run to mend.
CHAINS = (POINTS[0::2], POINTS[1::2])


def _run_chain(root: Path, points: list[str]) -> dict:
    """Runs one chain of processes in ``root``; returns what each did and the whole trace."""
    root.mkdir()
    space = root / "tiny_mlp.yaml"
    space.write_text(textwrap.dedent(SPACE))
    trace = root / "trace.txt"
    steps = []
    for point in [*points, None]:
        before = len(trace_events(trace)) if trace.exists() else 0
        done = _search(root, space, trace, point)
        reached = trace_events(trace)[before:]
        steps.append({"point": point, "rc": done.returncode, "reached": [name for name, _ in reached],
                      "events": reached, "stderr": done.stderr[-3000:], "stdout": done.stdout})
    (root / "steps.json").write_text(json.dumps(steps, indent=1))  # for a report of each point's outcome
    return {"root": root, "steps": steps, "events": trace_events(trace)}


@pytest.fixture(scope="module")
def chains(tmp_path_factory) -> list[dict]:
    """Runs both chains side by side, once for the module."""
    from concurrent.futures import ThreadPoolExecutor

    base = tmp_path_factory.mktemp("chains")
    with ThreadPoolExecutor(len(CHAINS)) as pool:
        return list(pool.map(lambda i: _run_chain(base / f"chain{i}", CHAINS[i]), range(len(CHAINS))))


def test_the_chains_cover_every_point_once():
    assert sorted(p for chain in CHAINS for p in chain) == sorted(POINTS) and len(set(POINTS)) == len(POINTS)


def test_each_process_of_the_chains_died_exactly_at_its_point(chains):
    for step in [step for chain in chains for step in chain["steps"][:-1]]:
        assert step["rc"] == -9, f"{step['point']}: exit {step['rc']}\n{step['stderr']}"
        # The kill follows the point's trace line; the background writer may have added one in between.
        assert step["point"] in step["reached"][-2:], step
    for chain in chains:
        final = chain["steps"][-1]
        assert final["rc"] == 0, final["stderr"]
        assert f"trials: {TRIALS} completed, 0 failed" in final["stdout"]


def test_no_trial_is_lost_or_trained_again_nothing_is_left_running_or_half_written(chains):
    for chain in chains:
        audit = audit_search(chain["root"], "chain", TRIALS, chain["root"] / "trace.txt")
        assert audit == {"trials_completed": TRIALS, "repeats": 0, "losses": 0, "runs_left_running": 0,
                         "artifacts_missing": 0, "temporary_exports": 0}, chain["root"]


@pytest.mark.parametrize("which", range(len(CHAINS)))
def test_each_trial_was_committed_once_and_its_run_shows_its_record(chains, which):
    chain = chains[which]
    commits = [key for name, key in chain["events"] if name == "ended.trial_saved"]
    assert sorted(commits, key=int) == [str(i) for i in range(TRIALS)]  # each once: never run to the end twice
    client = MlflowClient(f"sqlite:///{chain['root'] / 'mlruns' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("chain")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if r.data.tags.get("automl.kind") == "search"]
    trials = [r for r in runs if r.data.tags.get("automl.kind") == "trial"]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert sorted(r.info.run_name for r in trials) == [f"trial-{i:04d}" for i in range(TRIALS)]
    for run in trials:
        assert "final_val_accuracy" in run.data.metrics and run.data.tags["status"] == "completed"
    latest = sorted((chain["root"] / "exports" / "chain").iterdir())[-1]
    assert (latest / "saved_model" / "saved_model.pb").exists() and (latest / "model_card.json").exists()
