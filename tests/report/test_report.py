"""The search report: parameter importance on made-up searches, and the page of real searches opened in
headless Chromium, from the search's end, a resume, a time budget and `automl report` on the store."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from automl.report.facts import from_records
from automl.report.importance import importances
from automl.report.page import write_report
from automl.tracking.base import TrialRecord
from tests.conftest import AS_SEARCHED, run_cli

SECTIONS = ("outcome", "history", "importance", "parallel", "curves", "leaderboard", "failed")
CHARTS = ("history", "importance", "parallel", "curves")


def made_up(seed: int, trials: int = 30, failed: int = 0, two_objectives: bool = False) -> list[TrialRecord]:
    """Trials of a search where only ``units`` moves the objective (best at 64); the other values are noise."""
    rng = random.Random(seed)
    records = []
    for i in range(trials):
        values = {"family": "mlp", "units": rng.choice([16, 64, 256]), "activation": rng.choice(["relu", "elu"]),
                  "learning_rate": 10 ** rng.uniform(-4, -2), "dropout": rng.choice([0.0, 0.2, 0.4]),
                  "layers": rng.randint(1, 3), "batch_size": 32}
        if values["layers"] >= 2:
            values["units_2"] = rng.choice([8, 16])  # a conditional value, absent from one-layer trials
        score = 0.95 - 0.2 * abs(values["units"] - 64) / 192 + rng.gauss(0, 0.003)
        curve = [(e, score * (1 - 0.5 ** (e + 1))) for e in range(4)]
        metrics = {"val_accuracy": score, **({"params": 1000.0 * values["units"]} if two_objectives else {})}
        tags = {"ended_at": str(1_700_000_000 + 10 * i), "train_seconds": "8.0", "epochs_run": "4",
                "parameter_count": str(1000 * values["units"])}
        records.append(TrialRecord(f"{i:02d}", "completed", metrics, tags, history={"val_accuracy": curve},
                                   params=values))
    for i in range(trials, trials + failed):
        records.append(TrialRecord(f"{i:02d}", "failed", reason="NaN loss at epoch 2", params={"units": 16}))
    return records


NAMES = ["units", "activation", "learning_rate", "dropout", "layers", "units_2", "batch_size"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_importance_names_the_one_value_that_moves_the_objective(seed):
    records = made_up(seed)
    weights = importances([r.params for r in records], [r.metrics["val_accuracy"] for r in records],
                          [n for n in NAMES if n != "batch_size"])
    assert list(weights)[0] == "units" and weights["units"] > 0.5, weights
    assert sum(weights.values()) == pytest.approx(1.0)


def test_the_page_of_a_made_up_search_ranks_its_values_and_lists_failures_and_the_front(tmp_path):
    facts = from_records(made_up(3, trials=20, failed=2, two_objectives=True), "made-up",
                         [("val_accuracy", "max"), ("params", "min")], NAMES,
                         {"test_metrics": {"test_accuracy": 0.9}, "exported": "trial 05", "export_path": "nowhere",
                          "source": "a test"})
    page = write_report(facts, tmp_path / "report").read_text()
    importance = page[page.index("id='importance'"):page.index("id='parallel'")]
    assert re.findall(r"<tr><td>([\w.]+)</td><td>[\d.]+</td></tr>", importance)[0] == "units"
    assert "batch_size" not in importance  # a constant is not a searched value
    assert "id='pareto'" in page and (tmp_path / "report" / "pareto.png").stat().st_size > 1000
    assert page.count("NaN loss at epoch 2") == 2 and "Failed trials (2)" in page
    assert "test_accuracy" in page and "0.9000" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page  # nothing to fetch


def test_a_report_it_cannot_write_never_fails_the_search(tmp_path, monkeypatch, tiny_cnn):
    from automl.app.search import SearchOptions, run_search
    from automl.report import page

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(page, "write_report", broken)
    opts = SearchOptions(dataset="digits", space=str(tiny_cnn), max_trials=1, epochs=1, tracking=False,
                         export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"), device="cpu")
    with open(tmp_path / "progress.txt", "w") as progress:
        result = run_search(opts, progress_stream=progress)
    said = (tmp_path / "progress.txt").read_text()
    assert result.report_path is None and "report: could not be written (OSError: disk full)" in said
    assert (result.export_path / "model_card.json").exists() and "test_accuracy" in result.test_metrics


def test_a_store_that_refuses_the_report_is_one_line_and_the_page_stays_on_disk(tmp_path, tiny_cnn):
    from automl.app.search import SearchOptions, run_search
    from automl.errors import TrackingError
    from automl.tracking.base import NullTracker

    class Refusing(NullTracker):
        def log_bytes(self, name: str, content: bytes) -> None:
            raise TrackingError("store refused the artifact")

    opts = SearchOptions(dataset="digits", space=str(tiny_cnn), max_trials=1, epochs=1,
                         export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"), device="cpu")
    with open(tmp_path / "progress.txt", "w") as progress:
        result = run_search(opts, progress_stream=progress, tracker=Refusing())
    said = (tmp_path / "progress.txt").read_text()
    assert f"report: written to {result.report_path}, but not logged to MLflow (TrackingError: store refused" in said
    assert result.report_path.exists() and (result.export_path / "model_card.json").exists()


def open_in_chromium(chromium: str, page: Path, screenshot: Path) -> dict:
    """Opens the page from disk with the network off; returns what rendered and any console errors."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    flags = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=flags)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            view = context.new_page()
            view.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            view.on("pageerror", lambda e: errors.append(str(e)))
            view.goto(page.as_uri())
            view.wait_for_load_state("load")
            found = {key: view.locator(f"section#{key}").count() for key in SECTIONS}
            images = view.eval_on_selector_all("img", "all => all.map(i => [i.alt, i.complete && i.naturalWidth])")
            rows = view.locator("section#leaderboard tr").count() - 1
            view.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return {"sections": found, "images": dict(images), "rows": rows, "errors": errors}


@pytest.mark.slow
def test_a_real_search_writes_a_report_that_renders_offline_in_chromium(tmp_path, chromium):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    # As searched: the page is drawn from the trials; three searches would each ensemble and refit on iris.
    args = ["search", "--dataset", "iris", "--max-trials", "5", "--epochs", "3", "--tracking-uri", store,
            "--experiment", "iris-report", *AS_SEARCHED]
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    page = Path(tmp_path / re.search(r"^report: (.+)$", done.stdout, re.M).group(1))
    shot = tmp_path / "report.png"
    seen = open_in_chromium(chromium, page, shot)
    assert seen["errors"] == []
    assert all(seen["sections"][key] == 1 for key in SECTIONS), seen["sections"]
    titles = {"Optimization history", "Parameter importance", "Searched values against the objective",
              "Learning curves of the best trials"}
    assert titles <= set(seen["images"]) and all(width and width > 200 for width in seen["images"].values())
    assert seen["rows"] == 5 and shot.stat().st_size > 20_000
    for chart in CHARTS:
        assert (page.parent / f"{chart}.png").read_bytes()[:4] == b"\x89PNG"
    keep = Path.cwd() / "tests-output"  # the screenshot, for a person to look at (git ignores it)
    keep.mkdir(exist_ok=True)
    shutil.copy(shot, keep / "search-report.png")

    from automl.tracking.store import open_client

    client = open_client(store)
    parent = client.search_runs([client.get_experiment_by_name("iris-report").experiment_id],
                                "tags.`automl.kind` = 'search'")[0]
    logged = {Path(a.path).name for a in client.list_artifacts(parent.info.run_id, "report")}
    assert {"report.html", *(f"{c}.png" for c in CHARTS)} <= logged

    # The same search resumed (nothing left to run) and then given one more trial under a time budget:
    # each writes its report again, with every trial in it.
    again = run_cli(*args, cwd=tmp_path)
    assert again.returncode == 0 and "report: " in again.stdout, again.stderr[-2000:]
    more = run_cli(*[a if a != "5" else "6" for a in args], "--time-budget", "10m", cwd=tmp_path)
    assert more.returncode == 0, more.stderr[-2000:]
    latest = Path(tmp_path / re.search(r"^report: (.+)$", more.stdout, re.M).group(1)).read_text()
    assert "6 trials, 6 with a score, 0 failed" in latest

    # `automl report` on the store draws the same search from MLflow.
    stored = run_cli("report", "--experiment", "iris-report", "--tracking-uri", store, "--out", "from-store",
                     cwd=tmp_path)
    assert stored.returncode == 0, stored.stderr[-2000:]
    text = (tmp_path / "from-store" / "report.html").read_text()
    assert "6 trials, 6 with a score" in text and "MLflow store" in text
    assert open_in_chromium(chromium, tmp_path / "from-store" / "report.html", tmp_path / "s.png")["errors"] == []
    trial_run = client.search_runs([parent.info.experiment_id], "tags.`automl.kind` = 'trial'")[0]
    by_run = run_cli("report", "--run-id", trial_run.info.run_id, "--tracking-uri", store, "--out", "by-run",
                     cwd=tmp_path)  # a trial's run id names its search
    assert by_run.returncode == 0 and "6 trials, 6 with a score" in (tmp_path / "by-run" / "report.html").read_text()


def test_report_on_a_store_it_cannot_read_is_one_line_and_exit_2(tmp_path):
    done = run_cli("report", "--tracking-uri", f"sqlite:///{tmp_path / 'none.db'}", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: --tracking-uri: no MLflow store at {str(tmp_path / 'none.db')!r}; run `automl search` first, "
        "or pass the store with --tracking-uri"]
