"""What a kill leaves in the store is mended on resume, from the trials' saved records.

Each test plays a search killed at one point (a first tracker that stops
calling), then its resume (a second tracker on the same store).
"""

from pathlib import Path

import numpy as np
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from automl.errors import TrackingError
from automl.tracking import DatasetRecord, MlflowTracker, TrialRecord


@pytest.fixture()
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"


def record(trial_id: str = "0", epochs: int = 3) -> TrialRecord:
    history = {"loss": [(e, 1.0 / (e + 1)) for e in range(epochs)],
               "val_loss": [(e, 2.0 / (e + 1)) for e in range(epochs)]}
    return TrialRecord(trial_id, "completed", metrics={"val_loss": 2.0 / epochs}, tags={"family": "mlp"},
                       texts={"model_summary.txt": "Total params: 8"}, history=history, params={"units": 8})


def trial_runs(store: str, experiment: str) -> tuple[MlflowClient, list]:
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], max_results=100)
    return client, [r for r in runs if r.data.tags.get("automl.kind") == "trial"]


def resume(store: str, experiment: str, parent: str, records: list[TrialRecord]) -> MlflowTracker:
    again = MlflowTracker(store)
    assert again.start_search(experiment, {}, {}, resume_run_id=parent) == parent
    again.recover_trials(records)
    again.end_search({}, {}, "completed")
    return again


def test_a_run_left_running_after_its_trial_ended_is_finished_from_the_record(store):
    first = MlflowTracker(store)
    parent = first.start_search("ran", {}, {})
    first.start_trial("0", {"units": 8})
    first.log_epoch("0", 0, {"loss": 1.0, "val_loss": 2.0})  # sent at once (the first epoch)
    first.log_epoch("0", 1, {"loss": 0.5, "val_loss": 1.0})  # still pending when the process died
    resume(store, "ran", parent, [record()])
    client, (run,) = trial_runs(store, "ran")
    assert run.info.status == "FINISHED" and run.data.tags["status"] == "completed"
    assert run.data.metrics["final_val_loss"] == pytest.approx(2.0 / 3)
    assert [m.step for m in client.get_metric_history(run.info.run_id, "loss")] == [0, 1, 2]  # none twice
    files = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert files == {"learning_curve.png", "model_summary.txt"} and run.data.tags["automl.artifacts"] == "complete"


def test_a_finished_run_whose_artifacts_were_still_held_gets_them(store):
    first = MlflowTracker(store)
    parent = first.start_search("held", {}, {})
    first.start_trial("0", {"units": 8})
    first.end_trial(record())  # artifacts held for the next trial's training: the process dies first
    client, (run,) = trial_runs(store, "held")
    assert run.info.status == "FINISHED" and client.list_artifacts(run.info.run_id) == []
    resume(store, "held", parent, [record()])
    client, (run,) = trial_runs(store, "held")
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"learning_curve.png", "model_summary.txt"}


def test_a_trial_that_ended_before_its_run_was_opened_gets_a_run(store):
    first = MlflowTracker(store)
    parent = first.start_search("unopened", {}, {})
    resume(store, "unopened", parent, [record("0")])
    client, (run,) = trial_runs(store, "unopened")
    assert run.info.run_name == "trial-0000" and run.info.status == "FINISHED"
    assert run.data.params == {"units": "8"} and run.data.tags["mlflow.parentRunId"] == parent


def test_a_complete_run_is_left_as_it_is(store):
    first = MlflowTracker(store)
    parent = first.start_search("complete", {}, {})
    first.start_trial("0", {"units": 8})
    for epoch, loss in record().history["loss"]:
        first.log_epoch("0", epoch, {"loss": loss})
    first.end_trial(record())
    first.end_search({}, {}, "completed")
    client, (before,) = trial_runs(store, "complete")
    resume(store, "complete", parent, [record()])
    client, (after,) = trial_runs(store, "complete")
    assert after.info.run_id == before.info.run_id and after.info.end_time == before.info.end_time
    assert len(client.get_metric_history(after.info.run_id, "loss")) == 3


def test_a_parent_run_whose_id_was_never_saved_is_found_by_the_search_token(store):
    first = MlflowTracker(store)
    parent = first.start_search("token", {"a": 1}, {}, token="abc")  # killed before the state saved the id
    again = MlflowTracker(store)
    assert again.start_search("token", {"a": 1}, {}, resume_run_id=None, token="abc") == parent
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("token").experiment_id])
    assert [r.info.run_id for r in runs] == [parent]


def test_parent_inputs_cut_short_by_a_kill_are_completed_on_resume(store):
    class Killed(Exception):
        pass

    first = MlflowTracker(store)

    def die(*args, **kwargs):
        raise Killed()

    first.client.log_text = die  # the params went in; the process died writing the input files
    with pytest.raises(TrackingError):
        first.start_search("inputs", {"a": 1}, {"inputs/space.yaml": "family: mlp\n"}, token="t")
    again = MlflowTracker(store)
    parent = again.start_search("inputs", {"a": 1, "b": 2}, {"inputs/space.yaml": "family: mlp\n"}, token="t")
    run = MlflowClient(store).get_run(parent)
    assert run.data.params == {"a": "1", "b": "2"} and run.data.tags["automl.inputs"] == "complete"
    assert [a.path for a in MlflowClient(store).list_artifacts(parent, "inputs")] == ["inputs/space.yaml"]


def test_ending_a_search_closes_the_trial_it_stopped_in(store):
    tracker = MlflowTracker(store)
    tracker.start_search("stopped", {}, {})
    tracker.start_trial("0", {})
    tracker.end_search({}, {"status": "failed"}, "failed")
    _, (run,) = trial_runs(store, "stopped")
    assert run.info.status == "KILLED" and run.data.tags["status"] == "killed"


def test_a_value_the_store_refuses_is_not_called_resumable(store):
    tracker = MlflowTracker(store)
    tracker.start_search("refused", {}, {})

    def refuse(*args, **kwargs):
        from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

        raise MlflowException("'schema' exceeds the maximum length of 1048575", error_code=INVALID_PARAMETER_VALUE)

    tracker.client.log_inputs = refuse
    with pytest.raises(TrackingError, match=r"refused a value \(log_dataset\): 'schema' exceeds .*; running the "
                                            r"search again would fail the same way$"):
        tracker.log_dataset(DatasetRecord("d", "0" * 32, "csv", "d.csv", np.zeros((2, 3), "float32")))
