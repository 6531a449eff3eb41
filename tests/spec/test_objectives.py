"""Objectives right at load time: direction from the metric (the tasks catalog), the mapping form,
misspelt objective and monitor names and a conv autoencoder on a table refused with file:line."""

import contextlib
import io

import pytest

from automl.errors import SpecError
from automl.plugins.tasks import DERIVED, TASKS, direction_of
from automl.spec import check_fits, check_task, load_space
from automl.spec.schema import direction_of as schema_direction_of

CASES = [(task.name, name, direction) for task in TASKS for name, direction in task.directions().items()]


@pytest.mark.parametrize("task, name, direction", CASES, ids=[f"{t}-{n}" for t, n, _ in CASES])
def test_every_task_metric_has_its_direction(task, name, direction):
    assert direction_of(name, task) == direction == schema_direction_of(name, task)
    base = name.removeprefix("val_")
    expected = "min" if base == "loss" or name in DERIVED else TASKS.get(task).metrics[base]
    assert direction == expected


@pytest.mark.parametrize("task", TASKS.names())
def test_every_task_declares_a_usable_default(task):
    entry = TASKS.get(task)
    assert entry.losses and entry.metrics and entry.objective in entry.directions()
    assert all(d in ("min", "max") for d in entry.metrics.values())


@pytest.mark.parametrize("name", ["val_mae", "mae", "val_mse", "val_rmse", "val_loss", "loss",
                                  "parameter_count", "latency_ms", "val_mean_squared_error"])
def test_errors_losses_and_sizes_are_minimized(name):
    assert direction_of(name) == "min"


@pytest.mark.parametrize("name", ["val_accuracy", "accuracy", "val_binary_accuracy", "val_auc"])
def test_accuracy_like_metrics_are_maximized(name):
    assert direction_of(name) == "max"


def objectives(write_yaml, text: str, task: str):
    from automl.app.inputs import objectives_of

    return objectives_of(load_space(str(write_yaml(f"family: mlp\n{text}"))), task)


def test_val_mae_is_minimized_on_regression(write_yaml):
    assert objectives(write_yaml, "search: {objective: val_mae}\n", "regression") == [("val_mae", "min")]


def test_the_mapping_form_and_an_explicit_direction_wins(write_yaml):
    text = "search:\n  objective:\n    - {name: val_mae, direction: max}\n    - {name: latency_ms}\n"
    assert objectives(write_yaml, text, "regression") == [("val_mae", "max"), ("latency_ms", "min")]
    assert objectives(write_yaml, "search: {objective: {name: val_mae}}\n", "regression") == [("val_mae", "min")]


def test_the_default_objective_comes_from_the_task(write_yaml):
    assert objectives(write_yaml, "", "regression") == [("val_loss", "min")]
    assert objectives(write_yaml, "", "multiclass") == [("val_accuracy", "max")]


def test_a_wrong_mapping_is_one_line(write_yaml):
    path = write_yaml("family: mlp\nsearch:\n  objective: {name: val_mae, direction: up}\n")
    with pytest.raises(SpecError, match=r":3:14: search.objective: expected a metric name or "
                                        r"\{name: METRIC, direction: min or max\}, received"):
        load_space(str(path))


def test_a_misspelt_objective_is_refused_at_its_line(write_yaml):
    path = write_yaml("family: mlp\nsearch:\n  objective: [val_loss, {name: val_acuracy}]\n")
    with pytest.raises(SpecError, match=r"file.yaml:3:\d+: search.objective: expected a metric of any task "
                                        r"\(.*val_accuracy.*\), received 'val_acuracy'"):
        load_space(str(path))


def test_a_metric_of_another_task_is_refused_once_the_task_is_known(write_yaml):
    path = write_yaml("family: mlp\nsearch:\n  objective: val_accuracy\n")
    space = load_space(str(path))  # some task has it
    with pytest.raises(SpecError, match=r":3:14: search.objective: expected a metric of a regression task "
                                        r"\(loss, val_loss, mae, val_mae, parameter_count, latency_ms\), "
                                        r"received 'val_accuracy'"):
        check_task(space, "regression")
    check_task(space, "multiclass")


def test_a_misspelt_monitor_is_refused_at_its_line(write_yaml):
    path = write_yaml("family: mlp\ntrain:\n  early_stopping: {monitor: val_acc}\n")
    with pytest.raises(SpecError, match=r":3:29: train.early_stopping.monitor: expected objective or a metric "
                                        r"of any task .* received 'val_acc'"):
        load_space(str(path))
    space = load_space(str(write_yaml("family: mlp\ntrain:\n  early_stopping: {monitor: val_accuracy}\n")))
    with pytest.raises(SpecError, match="monitor: expected objective or a metric of a regression task"):
        check_task(space, "regression")


def test_a_derived_monitor_is_refused(write_yaml):
    with pytest.raises(SpecError, match="monitor: expected objective or a metric logged each epoch"):
        load_space(str(write_yaml("family: mlp\ntrain:\n  early_stopping: {monitor: latency_ms}\n")))


@pytest.mark.parametrize("kind", ["conv", "{choice: [dense, conv]}"])
def test_a_conv_autoencoder_on_a_table_is_refused(write_yaml, kind):
    space = load_space(str(write_yaml(f"family: autoencoder\nmodel:\n  kind: {kind}\n")))
    with pytest.raises(SpecError, match=r":3:9: model.kind: expected a kind for tabular input "
                                        r"\(the conv autoencoder takes image input\), received 'conv'"):
        check_fits(space, "tabular")
    check_fits(space, "image")


def validate(*args: str) -> tuple[int, str]:
    from automl.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["validate", *args])
    return rc, err.getvalue()


@pytest.mark.parametrize("text, where, what", [
    ("search: {objective: val_acuracy}\n", ":2:21: search.objective", "received 'val_acuracy'"),
    ("search: {objective: val_accuracy}\n", ":2:21: search.objective", "a regression task"),
    ("train: {early_stopping: {monitor: val_maee}}\n", ":2:35: train.early_stopping.monitor", "val_maee"),
], ids=["misspelt", "other-task", "monitor"])
def test_validate_refuses_with_file_line_and_exit_2(write_yaml, text, where, what):
    path = write_yaml(f"family: mlp\n{text}")
    rc, err = validate(str(path), "--dataset", "diabetes")
    assert rc == 2 and err.count("\n") == 1 and f"{path}{where}" in err and what in err, err


def test_validate_refuses_a_conv_autoencoder_for_a_table(write_yaml):
    path = write_yaml("family: autoencoder\nmodel: {kind: conv}\n")
    rc, err = validate(str(path), "--dataset", "diabetes")
    assert rc == 2 and f"{path}:2:15: model.kind: expected a kind for tabular input" in err, err
