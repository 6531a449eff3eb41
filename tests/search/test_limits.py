"""--max-params and --time-budget on any controller: the logic without training, then real searches."""

from __future__ import annotations

import time

import keras_tuner as kt

from automl.search.oracles import RandomOracle


def oracle(tmp_path, name="limited", **limits) -> kt.Oracle:
    """A random controller with its limits (`Managed`'s constructor arguments)."""
    hp = kt.HyperParameters()
    hp.Choice("units", [8, 16, 32, 64, 128])
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    o = RandomOracle(objective=kt.Objective("val_accuracy", "max"), max_trials=20, hyperparameters=hp, seed=3,
                     **limits)
    o._set_project_dir(str(tmp_path), name)
    return o


def test_candidates_over_max_params_are_rejected_counted_and_never_proposed_again(tmp_path):
    rejected = []
    o = oracle(tmp_path, max_params=1000, size_of=lambda values: values["units"] * 20,
               on_reject=lambda values, size: rejected.append((values["units"], size)))
    proposed = []
    for _ in range(8):
        trial = o.create_trial("tuner0")
        proposed.append(trial.hyperparameters.values["units"])
        o.update_trial(trial.trial_id, {"val_accuracy": 0.5})
        trial.status = "COMPLETED"
        o.end_trial(trial)
    assert all(units * 20 <= 1000 for units in proposed)  # 8, 16, 32 only
    assert rejected and all(size > 1000 for _, size in rejected) and o.rejected == len(rejected)
    assert len(o.trials) == 8  # rejected candidates are not trials
    hashes = [o._compute_values_hash(t.hyperparameters.values) for t in o.trials.values()]
    assert len(set(hashes)) == len(hashes)


def test_after_the_deadline_nothing_more_is_proposed(tmp_path):
    o = oracle(tmp_path, budget_seconds=0.2)
    assert o.create_trial("tuner0").status == "RUNNING"
    time.sleep(0.25)
    assert o.create_trial("tuner1").status == "STOPPED"


def test_without_limits_every_proposal_stands(tmp_path):
    o = oracle(tmp_path)
    assert o.deadline is None and o.max_params is None
    assert [o.create_trial(f"tuner{i}").status for i in range(3)] == ["RUNNING"] * 3 and o.rejected == 0


def test_a_real_search_within_a_budget_and_a_size_cap(tmp_path, short_search):
    import json

    started = time.monotonic()
    result, log = short_search(max_trials=50, epochs=3, time_budget=6.0, max_params=3000, experiment="limited")
    assert result.out_of_time and 1 <= result.completed < 50
    assert time.monotonic() - started < 120  # stopped by the budget, not by running 50 trials
    sizes = [json.loads(p.read_text())["params"] for p in (tmp_path / "state" / "limited").glob("trial_*/facts.json")]
    assert sizes and max(sizes) <= 3000 and result.rejected >= 1
    assert "time budget of 6 s reached" in log
    assert log.count("rejected a candidate before training") == result.rejected
