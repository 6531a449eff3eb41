"""A search's records in a real MLflow SQLite store: parent run, nested trials, metrics."""

import os
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from automl.errors import TrackingError
from automl.app.search import SearchOptions, run_search
from automl.tracking import MlflowTracker, TrialRecord
from automl.tracking.uri import using


@pytest.fixture()
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"


def search(tmp_path, store, space, tracker=None, **kw):
    opts = SearchOptions(dataset="digits", space=str(space), tracking_uri=store, epochs=3,
                         export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"),
                         device="cpu", **kw)
    return run_search(opts, progress_stream=open(tmp_path / "progress.txt", "a"), tracker=tracker)


class Ordered(MlflowTracker):
    """An MlflowTracker that notes the order of the calls the search makes at its end."""

    def __init__(self, uri):
        super().__init__(uri)
        self.calls = []

    def end_trial(self, record):
        self.calls.append("end_trial")
        super().end_trial(record)

    def trials_done(self):
        self.calls.append("trials_done")
        super().trials_done()

    def log_model(self, *args, **kwargs):
        self.calls.append("log_model")
        return super().log_model(*args, **kwargs)


HISTORY = {"loss": [(0, 1.0), (1, 0.5)], "val_loss": [(0, 1.2), (1, 0.7)]}


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
    assert parent.data.params["objective"] == "val_accuracy" and parent.data.params["objective_direction"] == "max"
    assert {"version_tensorflow", "version_keras", "version_keras_tuner", "version_automl"} <= set(parent.data.params)
    expected = {"family", "blocks", "filters", "kernel_size", "activation", "norm", "pooling",
                "dropout", "head", "dense_units", "optimizer", "learning_rate", "batch_size"}
    for run in trials:
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert expected <= set(run.data.params)
        stopped = run.data.tags["stopped_early"] == "true"
        assert run.data.tags["status"] == ("stopped_early" if stopped else "completed")
        assert run.info.status == "FINISHED" and run.data.tags["family"] == "cnn"
        assert int(run.data.tags["parameter_count"]) > 0 and float(run.data.tags["train_seconds"]) > 0
        assert int(run.data.tags["epochs_run"]) == len(client.get_metric_history(run.info.run_id, "loss"))
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        assert [m.step for m in history] == list(range(len(history))) and len(history) >= 2
        assert len(client.get_metric_history(run.info.run_id, "learning_rate")) == len(history)
        assert run.data.metrics["final_val_accuracy"] == pytest.approx(float(run.data.tags["objective"]), abs=1e-6)
        files = {a.path: a.file_size for a in client.list_artifacts(run.info.run_id)}
        assert files["learning_curve.png"] > 1000 and files["model_summary.txt"] > 100
    names = sorted(r.info.run_name for r in trials)
    assert names == ["trial-0000", "trial-0001", "trial-0002"]
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "inputs")}
    assert "inputs/space.yaml" in artifacts
    dataset = parent.inputs.dataset_inputs[0].dataset
    assert dataset.name == "digits" and dataset.digest == parent.data.params["dataset_fingerprint"]


def test_best_model_is_logged_on_the_parent_and_predicts_like_the_export(tmp_path, store, tiny_cnn, digits):
    import mlflow
    import numpy as np
    import tensorflow as tf

    before = os.environ.get("MLFLOW_TRACKING_URI")
    tracker = Ordered(store)
    result = search(tmp_path, store, tiny_cnn, tracker=tracker, max_trials=1, experiment="modelled")
    # The last trial's artifacts go once the trials are done: they are written while the model is exported.
    assert tracker.calls == ["end_trial", "trials_done", "log_model"]
    _, parents, _ = runs_of(store, "modelled")
    assert parents[0].data.tags["model_uri"] == result.model_uri
    assert os.environ.get("MLFLOW_TRACKING_URI") == before  # the search set no process-wide store
    with using(store):
        info = mlflow.models.get_model_info(result.model_uri)
        assert info.signature.inputs.input_types() and info.saved_input_example_info is not None
        x = digits.x_test[:16]
        logged = mlflow.pyfunc.load_model(result.model_uri).predict(x)
    exported = tf.saved_model.load(str(result.export_path / "saved_model"))  # kept: serve needs its variables
    served = exported.serve(tf.constant(x))["probabilities"]
    assert np.abs(np.asarray(logged) - served.numpy()).max() < 1e-5


def test_epoch_metrics_go_with_the_first_epoch_then_in_batches_and_all_by_the_trial_end(store, monkeypatch):
    import automl.tracking.mlflow_tracker as module

    monkeypatch.setattr(module, "FLUSH_SECONDS", 3600.0)
    tracker = MlflowTracker(store)
    tracker.start_search("batched", {}, {})
    tracker.start_trial("0", {})
    for epoch in range(4):
        tracker.log_epoch("0", epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0 / (epoch + 1)})
    client, _, trials = runs_of(store, "batched")
    assert [m.step for m in client.get_metric_history(trials[0].info.run_id, "loss")] == [0]
    tracker.end_trial(TrialRecord("0", "completed", metrics={"val_loss": 0.5}))
    history = client.get_metric_history(trials[0].info.run_id, "val_loss")
    assert [(m.step, m.value) for m in history] == [(e, 2.0 / (e + 1)) for e in range(4)]
    monkeypatch.setattr(module, "FLUSH_SECONDS", 0.0)  # every epoch sent as it ends
    tracker.start_trial("1", {})
    tracker.log_epoch("1", 0, {"loss": 1.0})
    tracker.log_epoch("1", 1, {"loss": 0.5})
    _, _, trials = runs_of(store, "batched")
    run = next(r for r in trials if r.data.tags["automl.trial_id"] == "1")
    assert [m.step for m in client.get_metric_history(run.info.run_id, "loss")] == [0, 1]


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


def test_a_store_failing_mid_search_stops_it_in_one_line_and_resume_finishes(tmp_path, store, tiny_cnn):
    from mlflow.exceptions import MlflowException

    class Flaky(MlflowTracker):
        def log_epoch(self, trial_id, epoch, metrics):
            if trial_id == "1":
                self.client.log_batch = _raise(MlflowException("database is locked\nmore detail"))
            super().log_epoch(trial_id, epoch, metrics)

    opts = SearchOptions(dataset="digits", space=str(tiny_cnn), tracking_uri=store, epochs=2, max_trials=3,
                         experiment="flaky", export_dir=str(tmp_path / "exports"),
                         state_dir=str(tmp_path / "state"), device="cpu")
    with pytest.raises(TrackingError, match=r"^MLflow store .* failed \(log_epoch\): database is locked; "
                                            r"the search state is saved, run the same command again to resume$"):
        run_search(opts, progress_stream=open(tmp_path / "progress.txt", "a"), tracker=Flaky(store))
    result = run_search(opts, progress_stream=open(tmp_path / "progress.txt", "a"))
    assert result.completed == 3
    _, parents, trials = runs_of(store, "flaky")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert sorted(r.info.run_name for r in trials) == ["trial-0000", "trial-0001", "trial-0002"]
    assert all(r.info.status == "FINISHED" for r in trials)


def _raise(err):
    def fail(*args, **kwargs):
        raise err
    return fail


def test_unreachable_server_is_a_one_line_error_before_any_retry(monkeypatch):
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)  # MLflow's own defaults retry for about 250 s
    with pytest.raises(TrackingError, match=r"^--tracking-uri: expected an MLflow tracking server answering at "
                                            r"http://127.0.0.1:9, received no answer \(.*refused"):
        MlflowTracker("http://127.0.0.1:9")


def test_trial_artifacts_are_written_in_the_background_and_are_all_there_when_the_search_ends(store):
    import threading

    tracker = MlflowTracker(store)
    tracker.start_search("background", {}, {})
    gate = threading.Event()
    tracker.writer.submit("held", gate.wait, 30)  # the writer is busy: artifacts wait in its queue
    for trial in ("0", "1"):
        tracker.start_trial(trial, {"units": 8})
        tracker.log_epoch(trial, 0, {"loss": 1.0, "val_loss": 1.2})
        tracker.log_epoch(trial, 1, {"loss": 0.5, "val_loss": 0.7})
        tracker.end_trial(TrialRecord(trial, "completed", metrics={"val_loss": 0.7},
                                      texts={"model_summary.txt": "Total params: 8"}, history=HISTORY))
    client, _, trials = runs_of(store, "background")
    assert all(r.info.status == "FINISHED" for r in trials)  # status and metrics did not wait
    assert all(client.list_artifacts(r.info.run_id) == [] for r in trials)
    gate.set()
    tracker.end_search({}, {}, "completed")
    for run in trials:
        files = {a.path: a.file_size for a in client.list_artifacts(run.info.run_id)}
        assert files["learning_curve.png"] > 1000 and files["model_summary.txt"] == len("Total params: 8")


def test_a_background_write_that_fails_stops_the_search_at_the_next_call_in_one_line(store):
    tracker = MlflowTracker(store)
    tracker.start_search("background-failing", {}, {})
    tracker.writer.drain()
    tracker.client.log_text = _raise(OSError("No space left on device\ndetail"))
    tracker.start_trial("0", {})
    tracker.end_trial(TrialRecord("0", "completed", metrics={"val_loss": 0.7}, texts={"model_summary.txt": "x"}))
    tracker.writer.wait()  # failed in the background; the search's thread has not heard yet
    with pytest.raises(TrackingError, match=r"^MLflow store .* failed \(start_trial\): artifacts of trial-0000: "
                                            r"No space left on device; the search state is saved"):
        tracker.start_trial("1", {})


def test_the_last_trials_artifacts_are_written_once_the_trials_are_done_with_no_other_call(store):
    import time

    tracker = MlflowTracker(store)
    tracker.start_search("last-trial", {}, {})
    tracker.start_trial("0", {})
    tracker.log_epoch("0", 0, {"loss": 1.0, "val_loss": 1.2})
    tracker.end_trial(TrialRecord("0", "completed", metrics={"val_loss": 1.2}, texts={"model_summary.txt": "x"},
                                  history=HISTORY))
    client, _, (run,) = runs_of(store, "last-trial")
    time.sleep(0.5)
    assert client.list_artifacts(run.info.run_id) == []  # held for the next trial's training
    tracker.trials_done()
    deadline = time.monotonic() + 60
    while len(client.list_artifacts(run.info.run_id)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"learning_curve.png", "model_summary.txt"}
    tracker.end_search({}, {}, "completed")


def test_a_table_too_wide_for_mlflows_schema_column_is_logged_with_its_first_columns(store):
    import numpy as np

    from automl.tracking import DatasetRecord

    tracker = MlflowTracker(store)
    tracker.start_search("wide", {}, {})
    example = {f"column_{i}": np.zeros((5, 1), "float32") for i in range(100_000)}  # MLflow refused the schema
    tracker.log_dataset(DatasetRecord("wide", "0" * 32, "csv", "wide.csv", example, {"train": 5}))
    tracker.end_search({}, {}, "completed")
    _, (parent,), _ = runs_of(store, "wide")
    dataset = parent.inputs.dataset_inputs[0].dataset
    assert len(dataset.schema) <= 64_000 and '"column_0"' in dataset.schema
    assert "of 100000 columns" in dataset.source
    assert parent.info.status == "FINISHED"
