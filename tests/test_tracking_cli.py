"""`automl leaderboard` and `automl ui` on real MLflow stores."""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import os

import pytest

from automl.cli import main
from automl.app.search import SearchOptions, run_search
from automl.tracking import MlflowTracker, TrialRecord
from automl.tracking.server import free_port, port_free
from tests.conftest import TINY_CNN, run_cli


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A real three-trial search on digits in a SQLite store."""
    root = tmp_path_factory.mktemp("board")
    space = root / "tiny_cnn.yaml"
    space.write_text(textwrap.dedent(TINY_CNN))
    store = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
    opts = SearchOptions(dataset="digits", space=str(space), tracking_uri=store, epochs=3, max_trials=3,
                         experiment="board", export_dir=str(root / "exports"),
                         state_dir=str(root / "state"), device="cpu")
    return root, store, run_search(opts, progress_stream=open(root / "progress.txt", "a"))


def rows_of(text: str) -> list[list[str]]:
    """The body rows of a rich table (cells split on its column bars), continuation lines dropped."""
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]
    return [r for r in rows if r and r[0]]


def test_leaderboard_ranks_the_trials_as_the_search_did_and_writes_csv(searched, capsys, tmp_path):
    root, store, result = searched
    target = tmp_path / "trials.csv"
    assert main(["leaderboard", "--tracking-uri", store, "--experiment", "board", "--csv", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Leaderboard: board (3 of 3 trials, val_accuracy higher is better)" in out
    ranked = [row[1] for row in rows_of(out)]
    # The store holds the trials' runs; the summary's `ensemble` row (when one was exported) is not a trial.
    trials = [r for r in result.leaderboard if r["trial"] != "ensemble"]
    assert ranked == [f"trial-{int(r['trial']):04d}" for r in trials]
    with open(target) as handle:
        table = list(csv.DictReader(handle))
    assert [row["run"] for row in table] == ranked
    for row, expected in zip(table, trials):
        assert float(row["val_accuracy"]) == pytest.approx(expected["val_accuracy"], abs=1e-6)
        assert int(row["params"]) == expected["params"]
        searched_names = set(expected) - {"trial", "val_accuracy", "params", "epochs", "seconds"}
        assert searched_names <= set(row)
        assert all(str(expected[k]) == row[k] for k in searched_names)
    assert f"wrote 3 trials to {target}" in out


def test_leaderboard_defaults_to_the_latest_search_and_top_limits_rows(searched, capsys):
    _, store, _ = searched
    before = os.environ.get("MLFLOW_TRACKING_URI")
    assert main(["leaderboard", "--tracking-uri", store, "--top", "1"]) == 0
    assert os.environ.get("MLFLOW_TRACKING_URI") == before  # later subprocesses must not inherit this store
    out = capsys.readouterr().out
    assert "Leaderboard: board (1 of 3 trials" in out and len(rows_of(out)) == 1


def test_lower_is_better_objectives_sort_ascending_and_failures_come_last(tmp_path, capsys):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracker = MlflowTracker(store)
    tracker.start_search("regress", {"objective": "val_loss", "objective_direction": "min"}, {})
    outcomes = [("failed", None), ("completed", 0.5), ("stopped_early", 0.2)]
    for trial, (status, loss) in enumerate(outcomes):
        tracker.start_trial(str(trial), {"units": 8 * (trial + 1), "optimizer": "adam"})
        metrics = {} if loss is None else {"val_loss": loss}
        tracker.end_trial(TrialRecord(str(trial), status, metrics, reason="boom" if loss is None else ""))
    tracker.end_search({}, {}, "completed")
    assert main(["leaderboard", "--tracking-uri", store]) == 0
    rows = rows_of(capsys.readouterr().out)
    assert [(r[1], r[3]) for r in rows] == [("trial-0002", "stopped_early"), ("trial-0001", "completed"),
                                            ("trial-0000", "failed")]
    assert "units=24" in rows[0][-1] and "optimizer" not in rows[0][-1]  # only what varies is shown


def test_leaderboard_errors_are_one_line(searched, tmp_path):
    _, store, _ = searched
    cases = [
        (["--tracking-uri", f"sqlite:///{tmp_path / 'none.db'}"], "error: --tracking-uri: no MLflow store at"),
        (["--tracking-uri", store, "--experiment", "nope"], "error: --experiment: no experiment 'nope' in "),
        (["--tracking-uri", store, "--csv", str(tmp_path / "missing" / "t.csv")],
         "error: --csv: expected a file in an existing folder"),
        (["--top", "0"], "error: argument --top: expected a positive integer, received '0'"),
    ]
    for args, message in cases:
        done = run_cli("leaderboard", *args, cwd=tmp_path)
        assert done.returncode == 2 and done.stderr.startswith(message), (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "missing").exists()


def test_ui_serves_the_store_on_127_0_0_1_until_interrupted_and_a_second_on_its_port_says_why(searched, tmp_path):
    _, store, _ = searched
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [sys.executable, "-m", "automl.cli", "ui", "--port", str(port), "--tracking-uri", store]
    # Two started within a moment both find the port free; the second server's bind then fails while
    # the first answers on the port. Started with SIGINT ignored, as a shell without job control starts
    # a background command (CI's may).
    procs = [subprocess.Popen(command, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
             for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
            time.sleep(0.2)
        ended = [p for p in procs if p.poll() is not None]
        assert len(ended) == 1, "exactly one of the two should stop"
        loser, winner = ended[0], next(p for p in procs if p is not ended[0])
        errors = loser.stderr.read().strip().splitlines()
        assert loser.returncode == 2 and errors[-1].startswith("error: ") and "Traceback" not in "\n".join(errors)
        line = winner.stdout.readline()
        assert line.strip() == f"MLflow UI: http://127.0.0.1:{port} (Ctrl-C stops it)", winner.stderr.read()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search",
                                         data=b'{"max_results": 10}', headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            names = {e["name"] for e in json.loads(answer.read())["experiments"]}
        assert "board" in names
        winner.send_signal(signal.SIGINT)
        assert winner.wait(timeout=60) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert port_free("127.0.0.1", port)  # the server went with it


def test_ui_refuses_a_busy_port_and_a_missing_store_in_one_line(searched, tmp_path):
    _, store, _ = searched
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_cli("ui", "--port", str(port), "--tracking-uri", store, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: --port: port {port} on 127.0.0.1 is in use; choose another with --port"
    done = run_cli("ui", cwd=tmp_path, env={"MLFLOW_TRACKING_URI": ""})
    assert done.returncode == 2
    assert done.stderr.startswith("error: --tracking-uri: no MLflow store at 'mlruns/mlflow.db'")
    done = run_cli("ui", "--port", "70000", cwd=tmp_path)
    assert done.returncode == 2 and "expected a port number from 1 to 65535, received '70000'" in done.stderr

