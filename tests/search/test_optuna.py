"""The Optuna adapter (tpe, nsga2): its own logic without training, then short real searches."""

from __future__ import annotations

import json
import math
from pathlib import Path

import keras_tuner as kt
import pytest

from automl.errors import SpecError
from automl.pareto import dominates, pareto_front
from automl.search.optuna_oracle import OptunaOracle, distribution, nsga2_sampler, tpe_sampler


def space() -> kt.HyperParameters:
    """Two families with their own conditional values, plus ranges of every kind."""
    hp = kt.HyperParameters()
    hp.Choice("family", ["mlp", "cnn"])
    with hp.conditional_scope("family", ["mlp"]):
        hp.Int("mlp.layers", 1, 4)
        hp.Choice("mlp.units", [16, 32, 64])
    with hp.conditional_scope("family", ["cnn"]):
        hp.Int("cnn.filters", 8, 64, step=8)
        hp.Boolean("cnn.residual")
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    hp.Float("dropout", 0.0, 0.5, step=0.1)
    hp.Fixed("batch_size", 32)
    return hp


def make(tmp_path, name="tpe", objectives=(), seed=1, folder="o", trials=40, **limits) -> OptunaOracle:
    sampler = tpe_sampler(5) if name == "tpe" else nsga2_sampler(4)
    o = OptunaOracle(sampler, objectives=objectives, objective=kt.Objective("val_accuracy", "max"),
                     max_trials=trials, hyperparameters=space(), seed=seed, **limits)
    o._set_project_dir(str(tmp_path), folder)
    if (tmp_path / folder / "oracle.json").exists():
        o.reload()
    return o


def accuracy(values: dict) -> float:
    """A made-up score that peaks at learning_rate 1e-2 for the cnn family."""
    return 0.9 - abs(math.log10(values["learning_rate"]) + 2) / 10 - (0.05 if values["family"] == "mlp" else 0)


def finish(o: OptunaOracle, metrics=None) -> kt.engine.trial.Trial:
    trial = o.create_trial("tuner0")
    values = trial.hyperparameters.values
    o.update_trial(trial.trial_id, metrics or {"val_accuracy": accuracy(values),
                                               "parameter_count": 1000.0 * values.get("mlp.layers", 2)})
    trial.status = "COMPLETED"
    o.end_trial(trial)
    return trial


def test_each_kind_of_value_gets_its_optuna_distribution():
    hp = {p.name: p for p in space().space}
    assert distribution(hp["mlp.units"]).choices == (16, 32, 64)
    assert distribution(hp["cnn.residual"]).choices == (False, True)
    assert (distribution(hp["cnn.filters"]).low, distribution(hp["cnn.filters"]).step) == (8, 8)
    assert distribution(hp["learning_rate"]).log and distribution(hp["learning_rate"]).step is None
    assert distribution(hp["dropout"]).step == pytest.approx(0.1)


def test_tpe_learns_where_the_objective_peaks(tmp_path):
    o = make(tmp_path, "tpe")
    trials = [finish(o) for _ in range(30)]
    gap = [abs(math.log10(t.hyperparameters.values["learning_rate"]) + 2) for t in trials]
    early, late = sorted(gap[:5]), sorted(gap[20:])
    assert late[len(late) // 2] < early[len(early) // 2]  # the median distance to the peak shrank
    assert sum(t.hyperparameters.values["family"] == "cnn" for t in trials[20:]) >= 7


def test_every_objective_is_told_to_optuna_and_nsga2_keeps_generations(tmp_path):
    o = make(tmp_path, "nsga2", objectives=[("val_accuracy", "max"), ("parameter_count", "min")])
    trials = [finish(o) for _ in range(10)]
    study = o.study()
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    completed = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert [t.values for t in completed] == [[accuracy(t.hyperparameters.values),
                                              1000.0 * t.hyperparameters.values.get("mlp.layers", 2)] for t in trials]
    generations = [o._attrs[t.trial_id]["NSGAIISampler:generation"] for t in trials]
    assert generations[:4] == [0] * 4 and generations[-1] >= 1  # populations of 4: later trials are children


def test_a_failed_trial_is_told_as_failed(tmp_path):
    o = make(tmp_path)
    trial = o.create_trial("tuner0")
    trial.status = "FAILED"
    o.end_trial(trial)
    assert o.study().trials[0].state.name == "FAIL"


def test_keras_tuners_older_end_trial_form_tells_optuna_what_the_trial_reported(tmp_path):
    o = make(tmp_path)
    trial = o.create_trial("tuner0")
    values = dict(trial.hyperparameters.values)
    o.update_trial(trial.trial_id, {"val_accuracy": 0.75})
    o.end_trial(trial.trial_id, "COMPLETED")  # end_trial(trial_id, status), as KerasTuner still takes it
    told = o.study().trials[0]
    assert told.state.name == "COMPLETE" and told.values == [0.75]
    assert told.params == {k: v for k, v in values.items() if k != "batch_size"}
    assert o.trials[trial.trial_id].hyperparameters.values == values


def test_a_sampler_that_only_repeats_itself_falls_back_to_random_then_stops(tmp_path):
    hp = kt.HyperParameters()
    hp.Choice("units", [16, 32])
    o = OptunaOracle(tpe_sampler(1), objective=kt.Objective("val_accuracy", "max"), max_trials=10,
                     hyperparameters=hp, seed=1)
    o._set_project_dir(str(tmp_path), "tiny")
    seen = {finish(o, {"val_accuracy": 0.5}).hyperparameters.values["units"] for _ in range(2)}
    assert seen == {16, 32}
    assert o.create_trial("tuner0").status == "STOPPED"


def test_a_missing_optuna_is_one_line(monkeypatch):
    import importlib.util

    from automl.plugins.controllers import CONTROLLERS

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "optuna" else real(name, *a))
    with pytest.raises(SpecError, match=r"--controller nsga2: expected the 'optuna' package .* "
                                        r"pip install 'keras-automl\[optuna\]'"):
        CONTROLLERS.get("nsga2").require()
    CONTROLLERS.get("evolution").require()  # needs nothing extra


def test_the_pareto_front_keeps_the_trials_nothing_beats_everywhere():
    points = {"a": [0.9, 500], "b": [0.95, 900], "c": [0.85, 900], "d": [0.9, 500], "e": [float("nan"), 10]}
    assert pareto_front(points, ["max", "min"]) == ["a", "b", "d"]  # c is beaten by a; ties stay; NaN never
    assert dominates([0.9, 500], [0.85, 900], ["max", "min"]) and not dominates([0.9, 500], [0.9, 500], ["max", "min"])
    assert pareto_front({"x": [1.0], "y": [2.0]}, ["min"]) == ["x"]


def test_a_short_real_search_with_the_tpe_controller(short_search):
    result, log = short_search(controller="tpe", max_trials=3, epochs=1)
    assert result.completed == 3 and result.test_metrics["test_accuracy"] > 0.3
    assert "tpe controller, 3 trials" in log and result.pareto is None


def test_a_multi_objective_nsga2_search_reports_its_pareto_front(tmp_path, tiny_cnn, capsys):
    from automl.app.search import SearchOptions, run_search
    from automl.tracking.query import trial_table

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    opts = SearchOptions(dataset="digits", space=str(tiny_cnn), controller="nsga2", max_trials=4, epochs=1,
                         export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"), device="cpu",
                         tracking_uri=uri, settings=("search.objective=[val_accuracy, parameter_count, latency_ms]",))
    with open(tmp_path / "progress.txt", "w") as progress:
        result = run_search(opts, progress_stream=progress)
    names = ["val_accuracy", "parameter_count", "latency_ms"]
    assert result.objectives == [("val_accuracy", "max"), ("parameter_count", "min"), ("latency_ms", "min")]
    table = trial_table(uri)
    points = {row["trial"]: [row[n] for n in names] for row in table.frame.to_dict("records")}
    assert all(v > 0 for p in points.values() for v in p[1:])  # sizes and latencies were measured
    front = [row["trial"] for row in result.pareto]
    assert front and set(front) == set(pareto_front(points, ["max", "min", "min"]))
    for row in table.frame.to_dict("records"):  # the leaderboard marks the same front from the store
        assert row["pareto"] == (row["trial"] in front)
    assert [row["val_accuracy"] for row in result.pareto] == sorted(
        (row["val_accuracy"] for row in result.pareto), reverse=True)

    import mlflow

    client = mlflow.tracking.MlflowClient(uri)
    for run in client.search_runs([client.get_experiment_by_name(result.experiment).experiment_id]):
        if run.data.tags.get("automl.kind") == "trial":
            assert run.data.tags["pareto"] == str(run.data.tags["automl.trial_id"] in front).lower()
            assert run.data.metrics["final_parameter_count"] == run.data.metrics["final_parameter_count"] // 1
        else:
            assert run.data.params["objectives"] == "val_accuracy:max,parameter_count:min,latency_ms:min"
            assert run.data.metrics["pareto_front_size"] == len(front)
            document = json.loads(Path(client.download_artifacts(run.info.run_id, "pareto_front.json",
                                                                 str(tmp_path))).read_text())
            assert [row["trial"] for row in document["front"]] == front

    # What the user reads: the search summary's front, and `automl leaderboard --pareto` from the store.
    import io

    from rich.console import Console

    from automl.cli import main
    from automl.app.results import print_summary
    from tests.test_tracking_cli import rows_of

    out = io.StringIO()
    print_summary(result, Console(file=out, width=200))
    assert f"Pareto front: {len(front)} trials" in out.getvalue()
    assert "parameter_count (min)" in out.getvalue() and "latency_ms (min)" in out.getvalue()
    assert main(["leaderboard", "--tracking-uri", uri, "--pareto"]) == 0
    shown = capsys.readouterr().out
    assert f"{len(front)} of 4 Pareto front" in shown and "parameter_count (min)" in shown
    assert [row[1] for row in rows_of(shown)] == [f"trial-{int(t):04d}" for t in front]


def test_rejected_proposals_are_failed_in_the_study_and_the_trial_that_ran_is_told(tmp_path):
    # Every cnn proposal is "too big": the sampler's are rejected until an mlp one (or a random draw) fits.
    o = make(tmp_path, "tpe", max_params=10, size_of=lambda values: 100 if values["family"] == "cnn" else 5)
    trials = [finish(o) for _ in range(8)]
    assert all(t.hyperparameters.values["family"] == "mlp" for t in trials) and o.rejected > 0
    study = o.study()
    told = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert [t.params["family"] for t in told] == ["mlp"] * 8
    assert [t.values[0] for t in told] == [accuracy(t.hyperparameters.values) for t in trials]
    assert all(t.state.name in ("COMPLETE", "FAIL") for t in study.trials)  # nothing left running


def test_a_random_draw_that_replaced_the_samplers_proposals_is_told_with_its_own_values(tmp_path):
    from automl.search.limits import OWN_DRAWS

    calls = []
    # The sampler's first OWN_DRAWS proposals are all rejected, so the trial runs a random draw instead.
    o = make(tmp_path, "tpe", max_params=10,
             size_of=lambda values: calls.append(values) or (100 if len(calls) <= OWN_DRAWS else 5))
    trial = finish(o)
    assert o.rejected == OWN_DRAWS
    states = [t.state.name for t in o.study().trials]
    assert states == ["FAIL"] * OWN_DRAWS + ["COMPLETE"]
    assert o.study().trials[-1].params == {k: v for k, v in trial.hyperparameters.values.items() if k != "batch_size"}
