"""A store whose disk fills up mid-search: one line, no run left RUNNING, and the rerun finishes.

The search runs with RLIMIT_FSIZE a little over the SQLite store's size, so a
write that grows the store fails (EFBIG, "disk I/O error" to SQLite) as on a
full disk, for root too; every other file the search writes stays far below it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest
from mlflow.tracking import MlflowClient

from automl.faults import audit_search, trace_events
from automl.tracking import MlflowTracker
from tests.conftest import AS_SEARCHED, run_cli

pytestmark = pytest.mark.slow

SPACE = "family: mlp\nmodel: {layers: 1, units: {choice: [4, 8, 16]}, dropout: {choice: [0.0, 0.1, 0.2]}}\n" \
        "train: {epochs: 2, batch_size: 32, learning_rate: {float: [1.0e-3, 1.0e-2], log: true}}\n"
HEADROOM = 40_000  # bytes the store may still grow: a few trials' worth


def test_a_full_disk_stops_the_search_in_one_line_and_the_rerun_finishes(tmp_path):
    (tmp_path / "space.yaml").write_text(SPACE)
    store = tmp_path / "mlruns" / "mlflow.db"
    MlflowTracker(f"sqlite:///{store}")  # the store exists (its tables made) before the disk fills
    limit = store.stat().st_size + HEADROOM
    # As searched: the rerun's export would cross-validate the best trials on iris, which this test never reads.
    args = ["search", "--dataset", "iris", "--space", "space.yaml", "--max-trials", "12", "--experiment", "full",
            *AS_SEARCHED]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "AUTOML_TRACE": str(tmp_path / "trace.txt")}
    full = subprocess.run([sys.executable, "-m", "automl.cli", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert full.returncode == 2, full.stderr[-3000:]
    assert "Traceback" not in full.stderr and "sqlalchemy" not in full.stderr.lower()
    errors = [line for line in full.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: MLflow store "), full.stderr[-3000:]
    assert errors[0].endswith("the search state is saved, run the same command again to resume")
    client = MlflowClient(f"sqlite:///{store}")
    runs = client.search_runs([client.get_experiment_by_name("full").experiment_id])
    assert [r.info.run_name for r in runs if r.info.status == "RUNNING"] == []  # closed as the search stopped
    done_before = {key for name, key in trace_events(tmp_path / "trace.txt") if name == "ended.trial_saved"}
    assert 0 < len(done_before) < 12

    again = run_cli(*args, cwd=tmp_path, env={"AUTOML_TRACE": str(tmp_path / "trace.txt")})
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resuming: {len(done_before)} of 12 trials already done" in again.stderr
    assert audit_search(tmp_path, "full", 12, tmp_path / "trace.txt") == {
        "trials_completed": 12, "repeats": 0, "losses": 0, "runs_left_running": 0, "artifacts_missing": 0,
        "temporary_exports": 0}
