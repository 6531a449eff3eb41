"""Asynchronous successive halving: rungs, promotion of the top 1/eta (no network trained), one real search."""

from __future__ import annotations

import keras_tuner as kt

from automl.search.asha import EPOCHS, INITIAL, PARENT, RUNG, AshaOracle, rung_epochs, rungs_that_fit
from tests.search.test_evolution import space


def oracle(tmp_path, direction="max", name="asha") -> AshaOracle:
    o = AshaOracle(max_epochs=9, eta=3, objective=kt.Objective("val_accuracy" if direction == "max" else "val_loss",
                                                               direction),
                   max_trials=100, hyperparameters=space(), seed=2)
    o._set_project_dir(str(tmp_path), name)
    if (tmp_path / name / "oracle.json").exists():
        o.reload()
    return o


def step(o: AshaOracle, score: float) -> dict:
    trial = o.create_trial("tuner0")
    o.update_trial(trial.trial_id, {o.objective.name: score})
    trial.status = "COMPLETED"
    o.end_trial(trial)
    o.save()
    return trial.hyperparameters.values


def test_rungs_grow_by_eta_down_from_the_full_budget():
    assert rung_epochs(30, 3) == [1, 3, 10, 30]
    assert rung_epochs(9, 3) == [1, 3, 9]
    assert rung_epochs(1, 3) == [1]


def test_new_trials_start_at_the_bottom_and_the_top_third_is_promoted_once(tmp_path):
    o = oracle(tmp_path)
    bottom = [step(o, s) for s in (0.2, 0.9, 0.5)]
    assert all(v[RUNG] == 0 and v[EPOCHS] == 1 and v[INITIAL] == 0 for v in bottom)
    promoted = o.create_trial("tuner0").hyperparameters.values  # 3 done at rung 0: the best one goes on
    assert promoted[RUNG] == 1 and promoted[EPOCHS] == 3 and promoted[INITIAL] == 1
    best = next(t for t in o.trials.values() if t.score == 0.9)
    assert promoted[PARENT] == best.trial_id
    assert {k: v for k, v in promoted.items() if not k.startswith("tuner/")} == \
        {k: v for k, v in best.hyperparameters.values.items() if not k.startswith("tuner/")}
    o.update_trial(o.ongoing_trials["tuner0"].trial_id, {"val_accuracy": 0.95})
    finished = o.ongoing_trials["tuner0"]
    finished.status = "COMPLETED"
    o.end_trial(finished)
    assert step(o, 0.1)[RUNG] == 0  # nothing left to promote: a new configuration


def test_lower_is_better_promotes_the_lowest(tmp_path):
    o = oracle(tmp_path, direction="min")
    for s in (0.7, 0.2, 0.5):
        step(o, s)
    assert o.promotable().score == 0.2


def test_promotions_climb_to_the_top_rung_and_never_past_it(tmp_path):
    o = oracle(tmp_path)
    rungs = [step(o, 0.1 + 0.01 * i)[RUNG] for i in range(40)]
    assert max(rungs) == 2 and rungs.count(2) >= 1
    assert rungs.count(0) > rungs.count(1) > rungs.count(2)


def test_each_configuration_starts_once_and_promotions_still_continue_it(tmp_path):
    hp = kt.HyperParameters()
    hp.Choice("units", [16, 32, 64])
    hp.Boolean("norm")
    o = AshaOracle(max_epochs=9, eta=3, objective=kt.Objective("val_accuracy", "max"), max_trials=100,
                   hyperparameters=hp, seed=2)
    o._set_project_dir(str(tmp_path), "small")
    values = []
    while (trial := o.create_trial("tuner0")).status == "RUNNING":
        values.append(trial.hyperparameters.values)
        o.update_trial(trial.trial_id, {"val_accuracy": trial.hyperparameters.values["units"] / 64})
        trial.status = "COMPLETED"
        o.end_trial(trial)
    started = [(v["units"], v["norm"]) for v in values if PARENT not in v]
    assert sorted(started) == sorted((u, n) for u in (16, 32, 64) for n in (False, True))
    assert [v[RUNG] for v in values if PARENT in v] == [1, 1]  # the top third of 6 goes on; a third of 2 is none


def test_a_search_saved_with_the_budget_keys_in_its_hashes_still_knows_its_trials(tmp_path):
    first = oracle(tmp_path)
    done = [step(first, 0.5) for _ in range(3)]
    state = first.get_state()
    state["tried_so_far"] = ["an older hash with tuner/epochs in it"] * 3  # as older versions saved it
    resumed = oracle(tmp_path / "other")
    resumed.trials = first.trials
    resumed.set_state(state)
    assert all(resumed._duplicate({k: v for k, v in d.items() if not k.startswith("tuner/")}) for d in done)


def test_the_rungs_in_use_follow_the_trials_that_fit():
    assert rungs_that_fit(None, 3, 4) == 4  # no budget: every rung
    assert rungs_that_fit(100, 3, 4) == 4  # 1 + 3 + 9 + 27 = 40 trials to the top fit in half of 100
    assert rungs_that_fit(40, 3, 4) == 3
    assert rungs_that_fit(12, 3, 4) == 2  # 1 + 3 = 4 fit in 6, 13 do not
    assert rungs_that_fit(3, 3, 4) == 1  # too few for any halving: the top rung alone


def test_under_a_time_budget_that_fits_few_trials_new_ones_start_higher(tmp_path):
    """30 epochs (rungs 1, 3, 10, 30): with 3 trials done in 30 s of a 120 s budget (12 fit), new
    configurations start at 10 epochs and the best of 3 goes on to 30; the 1-epoch trials stay put."""
    o = AshaOracle(max_epochs=30, eta=3, objective=kt.Objective("val_accuracy", "max"), max_trials=1000,
                   hyperparameters=space(), seed=2, budget_seconds=120.0)
    o._set_project_dir(str(tmp_path), "budget")
    first = [step(o, s) for s in (0.2, 0.9, 0.5)]
    assert [v[EPOCHS] for v in first] == [1, 1, 1]  # before any trial was timed: the configured rungs
    o.started -= 30.0
    assert o.expected_trials() == 12
    later = [step(o, s) for s in (0.3, 0.6, 0.4)]
    assert [(v[EPOCHS], v[INITIAL]) for v in later] == [(10, 0)] * 3
    promoted = o.create_trial("tuner0").hyperparameters.values
    assert (promoted[EPOCHS], promoted[INITIAL], promoted[RUNG]) == (30, 10, 3)
    assert promoted[PARENT] == next(t.trial_id for t in o.trials.values() if t.score == 0.6)
    o.reload()  # the rung in use is saved with the search
    assert o.start == 2


def test_without_a_budget_every_rung_is_used(tmp_path):
    o = oracle(tmp_path)
    for s in (0.2, 0.9, 0.5):
        step(o, s)
    o.started -= 1000.0
    assert o.expected_trials() is None and o.start == 0 and step(o, 0.4)[EPOCHS] == 3


def test_a_short_real_search_with_the_asha_controller(tmp_path, short_search):
    import json

    result, _ = short_search(controller="asha", max_trials=4, epochs=3, experiment="asha")
    assert result.completed == 4
    trials = {p.parent.name: json.loads(p.read_text()) for p in
              (tmp_path / "state" / "asha").glob("trial_*/trial.json")}
    promoted = [t for t in trials.values() if t["hyperparameters"]["values"].get(RUNG) == 1]
    assert len(promoted) == 1 and promoted[0]["hyperparameters"]["values"][EPOCHS] == 3
    facts = json.loads((tmp_path / "state" / "asha" / f"trial_{promoted[0]['trial_id']}" / "facts.json").read_text())
    assert facts["epochs_run"] <= 2  # trained on from the parent's weights: epochs 2 and 3 only
