"""A search's records in a real MLflow SQLite store: parent run, nested trials, metrics."""

from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from automl.errors import TrackingError
from automl.pipeline import SearchOptions, run_search
from automl.tracking import MlflowTracker, TrialRecord


@pytest.fixture()
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"


def search(tmp_path, store, space, **kw):
    opts = SearchOptions(dataset="digits", space=str(space), tracking_uri=store, epochs=3,
                         export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"),
                         device="cpu", **kw)
    return run_search(opts, progress_stream=open(tmp_path / "progress.txt", "a"))


def runs_of(store: str, experiment: str):
    client = MlflowClient(store)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], max_results=100)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    return client, parents, trials


def test_search_logs_parent_and_one_nested_run_per_trial(tmp_path, store, tiny_cnn):
    result = search(tmp_path, store, tiny_cnn, max_trials=3, experiment="logged")
    client, parents, trials = runs_of(store, "logged")
    assert len(parents) == 1 and len(trials) == 3
    parent = parents[0]
    assert parent.info.status == "FINISHED" and parent.info.run_id == result.parent_run_id
    assert parent.data.params["dataset"] == "digits" and parent.data.params["max_trials"] == "3"
    assert parent.data.metrics["test_accuracy"] == pytest.approx(result.test_metrics["test_accuracy"])
    assert parent.data.tags["export_path"] == str(result.export_path)
    expected = {"family", "blocks", "filters", "kernel_size", "activation", "norm", "pooling",
                "dropout", "head", "dense_units", "optimizer", "learning_rate", "batch_size"}
    for run in trials:
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert expected <= set(run.data.params)
        assert run.data.tags["status"] == "completed" and run.info.status == "FINISHED"
        assert int(run.data.tags["parameter_count"]) > 0
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        assert [m.step for m in history] == list(range(len(history))) and len(history) >= 2
    names = sorted(r.info.run_name for r in trials)
    assert names == ["trial-0", "trial-1", "trial-2"]
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "inputs")}
    assert "inputs/space.yaml" in artifacts


def test_failed_trials_are_failed_runs_with_their_reason(store):
    tracker = MlflowTracker(store)
    tracker.start_search("failing", {"a": 1}, {})
    tracker.start_trial("0", {"units": 8})
    tracker.log_epoch("0", 0, {"loss": 1.0})
    tracker.end_trial(TrialRecord("0", "failed", reason="TrialFailedError: loss became nan"))
    tracker.end_search({}, {}, "failed")
    _, parents, trials = runs_of(store, "failing")
    assert trials[0].info.status == "FAILED"
    assert trials[0].data.tags["failure_reason"] == "TrialFailedError: loss became nan"
    assert parents[0].info.status == "FAILED"


def test_resume_reopens_the_parent_and_closes_stale_trials(store):
    first = MlflowTracker(store)
    parent = first.start_search("resumed", {}, {})
    first.start_trial("0", {})  # killed here: left RUNNING
    again = MlflowTracker(store)
    assert again.start_search("resumed", {}, {}, resume_run_id=parent) == parent
    _, parents, trials = runs_of(store, "resumed")
    assert len(parents) == 1 and trials[0].info.status == "KILLED"
    again.start_trial("0", {})  # the re-run replaces the killed run of the same trial
    _, _, trials = runs_of(store, "resumed")
    assert len(trials) == 1 and trials[0].info.status == "RUNNING"


def test_unreachable_server_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    tracker = MlflowTracker("http://127.0.0.1:9")
    with pytest.raises(TrackingError, match=r"^--tracking-uri: cannot use MLflow store 'http://127.0.0.1:9'"):
        tracker.start_search("x", {}, {})
