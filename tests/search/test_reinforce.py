"""The REINFORCE controller's own logic (no network is trained), then one short real search."""

from __future__ import annotations

import keras_tuner as kt

from automl.search.reinforce import ReinforceOracle, options_of, softmax
from tests.search.test_evolution import space


def oracle(tmp_path, direction="max", name="rl", seed=1) -> ReinforceOracle:
    o = ReinforceOracle(objective=kt.Objective("val_accuracy" if direction == "max" else "val_loss", direction),
                        max_trials=200, hyperparameters=space(), seed=seed)
    o._set_project_dir(str(tmp_path), name)
    if (tmp_path / name / "oracle.json").exists():
        o.reload()
    return o


def run(o: ReinforceOracle, score_of, trials: int) -> list[dict]:
    """Proposes and scores ``trials`` trials as the Tuner would; returns their values."""
    metric = o.objective.name
    values = []
    for _ in range(trials):
        trial = o.create_trial("tuner0")
        values.append(trial.hyperparameters.values)
        o.update_trial(trial.trial_id, {metric: score_of(trial.hyperparameters.values)})
        trial.status = "COMPLETED"
        o.end_trial(trial)
        o.save()
    return values


def test_ranges_become_options_and_log_ranges_stay_log():
    hp = kt.HyperParameters()
    hp.Int("small", 1, 4)
    hp.Int("wide", 16, 512)
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    hp.Boolean("flag")
    small, wide, lr, flag = (options_of(p) for p in hp.space)
    assert small == [1, 2, 3, 4]
    assert len(wide) == 8 and wide[0] == 16 and wide[-1] == 512
    assert abs(lr[0] - 1e-4) < 1e-15 and abs(lr[-1] - 1e-1) < 1e-12
    assert abs(lr[1] / lr[0] - lr[2] / lr[1]) < 1e-9  # evenly spaced in log
    assert flag == [False, True]


def test_options_of_a_stepped_range_are_on_its_grid():
    hp = kt.HyperParameters()
    hp.Int("units", 32, 512, step=32)
    hp.Int("filters", 8, 1024, step=2, sampling="log")
    hp.Float("learning_rate", 1e-5, 1e-1, step=10, sampling="log")
    hp.Int("width", 4, 300, sampling="log")
    units, filters, lr, width = (options_of(p) for p in hp.space)
    assert units == [32, 96, 160, 224, 320, 384, 448, 512]  # 8 of the 16 multiples of 32, both ends
    assert filters == [8, 16, 32, 64, 128, 256, 512, 1024]
    assert lr == list(hp.space[2].values)  # 1e-5 ... 1e-1, five values: all of them
    assert width[0] == 4 and width[-1] == 300 and all(isinstance(w, int) for w in width)
    assert width[1] / width[0] > 1.5  # spread in log, as the range is sampled


def test_a_rewarded_choice_gains_probability_and_a_punished_one_loses_it(tmp_path):
    o = oracle(tmp_path)
    for _ in range(20):
        o.update({"family": "cnn", "cnn.blocks": 2, "cnn.residual": True, "learning_rate": 0.01,
                  "batch_size": 32}, 0.9)
        o.update({"family": "mlp", "mlp.layers": 1, "mlp.units": 16, "learning_rate": 0.01,
                  "batch_size": 32}, 0.1)
    mlp, cnn = softmax(o.logits["family"])  # the options in the space's order: mlp, cnn
    assert cnn > 0.9 > 0.1 > mlp


def test_the_policy_learns_which_family_scores_well(tmp_path):
    o = oracle(tmp_path)
    proposals = run(o, lambda v: 0.9 if v["family"] == "cnn" else 0.3, trials=40)
    late = [v["family"] for v in proposals[-15:]]
    assert late.count("cnn") >= 12  # random would give about 7 of 15


def test_lower_is_better_objectives_are_learned_the_right_way_round(tmp_path):
    o = oracle(tmp_path, direction="min")
    proposals = run(o, lambda v: 0.2 if v["family"] == "mlp" else 2.0, trials=40)
    assert [v["family"] for v in proposals[-15:]].count("mlp") >= 12


def test_a_short_real_search_with_the_rl_controller(short_search):
    result, log = short_search(controller="rl", max_trials=3, epochs=2)
    assert result.completed == 3 and result.test_metrics["test_accuracy"] > 0.5
    assert "rl controller, 3 trials" in log
