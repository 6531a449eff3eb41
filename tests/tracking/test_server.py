"""A search logged to a real `mlflow server` on 127.0.0.1, checked through its REST API and its UI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TINY_CNN, run_cli
from tests.tracking.conftest import Server


def rest(url: str, path: str, query: dict | None = None, body: dict | None = None) -> dict:
    """One call of MLflow's REST API (GET with a query string, or POST with a JSON body)."""
    address = f"{url}/api/2.0/mlflow/{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(address, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def pairs(items: list[dict] | None) -> dict[str, str]:
    return {item["key"]: item["value"] for item in items or []}


def search_args(space: Path, url: str, experiment: str, trials: int, epochs: int = 3) -> list[str]:
    return ["search", "--dataset", "digits", "--space", str(space), "--max-trials", str(trials),
            "--epochs", str(epochs), "--tracking-uri", url, "--experiment", experiment, "--device", "cpu"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server, and a two-trial search logged to it (with the best model registered)."""
    root = tmp_path_factory.mktemp("served")
    (root / "server").mkdir()
    server = Server(root / "server").start()
    space = root / "tiny_cnn.yaml"
    space.write_text(textwrap.dedent(TINY_CNN))
    done = run_cli(*search_args(space, server.url, "served", 2, epochs=2), "--register", "digits-best", cwd=root)
    try:
        assert done.returncode == 0, done.stderr[-3000:]
        yield server, root
    finally:
        server.stop()


def runs_of(url: str, experiment: str) -> tuple[dict, list[dict], list[dict]]:
    found = rest(url, "experiments/get-by-name", {"experiment_name": experiment})["experiment"]
    runs = rest(url, "runs/search", body={"experiment_ids": [found["experiment_id"]], "max_results": 1000})["runs"]
    parents = [r for r in runs if "mlflow.parentRunId" not in pairs(r["data"].get("tags"))]
    trials = [r for r in runs if "mlflow.parentRunId" in pairs(r["data"].get("tags"))]
    return found, parents, trials


def test_rest_api_shows_parent_nested_trials_params_histories_and_status(served):
    server, root = served
    _, parents, trials = runs_of(server.url, "served")
    assert len(parents) == 1 and len(trials) == 2
    parent = parents[0]
    assert parent["info"]["status"] == "FINISHED" and pairs(parent["data"]["tags"])["status"] == "completed"
    assert parent["inputs"]["dataset_inputs"][0]["dataset"]["name"] == "digits"
    truth = {t.parent.name: json.loads(t.read_text())["hyperparameters"]["values"]
             for t in (root / "mlruns" / "searches" / "served").glob("trial_*/trial.json")}
    for run in trials:
        tags, params = pairs(run["data"]["tags"]), pairs(run["data"]["params"])
        assert tags["mlflow.parentRunId"] == parent["info"]["run_id"]
        assert tags["status"] in ("completed", "stopped_early") and run["info"]["status"] == "FINISHED"
        values = truth[f"trial_{tags['automl.trial_id']}"]
        assert params == {k: str(v) for k, v in values.items()}  # every hyperparameter, as the tuner chose it
        for metric in ("loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"):
            history = rest(server.url, "metrics/get-history", {"run_id": run["info"]["run_id"], "metric_key": metric})
            steps = [m["step"] for m in history["metrics"]]
            assert len(steps) > 1 and steps == list(range(len(steps))) == list(range(int(tags["epochs_run"])))
        files = {f["path"] for f in rest(server.url, "artifacts/list", {"run_id": run["info"]["run_id"]})["files"]}
        assert {"learning_curve.png", "model_summary.txt"} <= files
    assert sorted(r["info"]["run_name"] for r in trials) == ["trial-0000", "trial-0001"]


def test_best_model_is_registered_through_the_server(served):
    server, _ = served
    _, parents, _ = runs_of(server.url, "served")
    model = rest(server.url, "registered-models/get", {"name": "digits-best"})["registered_model"]
    assert model["latest_versions"][0]["version"] == "1"
    assert pairs(parents[0]["data"]["tags"])["model_uri"].startswith("models:/")


@pytest.mark.slow
def test_mlflow_ui_lists_the_trial_runs_in_headless_chromium(served, chromium):
    from playwright.sync_api import sync_playwright

    server, _ = served
    experiment, _, trials = runs_of(server.url, "served")
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=flags)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{server.url}/#/experiments/{experiment['experiment_id']}/runs")
            page.get_by_text("search-served").first.wait_for(timeout=60_000)
            page.locator('button[data-component-id*="runnamecellrenderer"]').first.click()  # expand the nest
            for run in trials:
                page.get_by_text(run["info"]["run_name"], exact=True).first.wait_for(timeout=30_000)
            shown = page.locator("a", has_text="trial-").all_inner_texts()
        finally:
            browser.close()
    assert sorted(shown) == sorted(r["info"]["run_name"] for r in trials)


def test_server_going_away_mid_search_is_one_line_and_a_rerun_finishes(mlflow_server, tmp_path, tiny_cnn):
    args = search_args(tiny_cnn, mlflow_server.url, "interrupted", 2, epochs=1)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "automl.cli", *args], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = []
    try:
        for line in proc.stderr:
            lines.append(line)
            if "trial 1/2 done" in line:
                mlflow_server.stop()
                break
        lines.extend(proc.stderr)
        assert proc.wait(timeout=300) == 2, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in "".join(lines)
    assert errors[0].startswith(f"error: MLflow store '{mlflow_server.url}' failed (")
    assert errors[0].rstrip().endswith("run the same command again to resume")

    mlflow_server.start()  # same port, same database
    done = run_cli(*args, cwd=tmp_path, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resuming: 1 of 2 trials already done" in done.stderr
    _, parents, trials = runs_of(mlflow_server.url, "interrupted")
    assert len(parents) == 1 and parents[0]["info"]["status"] == "FINISHED"
    assert sorted(r["info"]["run_name"] for r in trials) == [f"trial-000{i}" for i in range(2)]
    assert all(r["info"]["status"] == "FINISHED" for r in trials)


@pytest.mark.slow
def test_automl_report_reads_a_search_from_a_tracking_server(served):
    server, root = served
    done = run_cli("report", "--experiment", "served", "--tracking-uri", server.url, "--out", "served-report",
                   cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    page = (root / "served-report" / "report.html").read_text()
    assert f"MLflow store {server.url}" in page and "2 trials, 2 with a score, 0 failed" in page
    assert (root / "served-report" / "history.png").read_bytes()[:4] == b"\x89PNG"
    _, parents, _ = runs_of(server.url, "served")
    listed = rest(server.url, "artifacts/list", {"run_id": parents[0]["info"]["run_id"], "path": "report"})
    assert "report/report.html" in {f["path"] for f in listed.get("files", [])}  # the search logged its own
