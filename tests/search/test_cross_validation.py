"""k-fold cross-validation of the best trials on small data: folds, out-of-fold predictions, the choice."""

import json
import random
import shutil

import numpy as np
import pytest

from automl.search.folds import fold_of_rows, out_of_fold, stratifies
from automl.search.selection import LOSSES
from automl.spec.schema import CrossValidation, Search

# --- folds ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows,folds", [(10, 2), (103, 5), (57, 3)])
def test_every_row_has_one_fold_and_the_folds_differ_by_at_most_one_row(rows, folds):
    fold = fold_of_rows(np.zeros(rows), folds, seed=0, stratify=False)
    sizes = np.bincount(fold, minlength=folds)
    assert fold.shape == (rows,) and set(fold) == set(range(folds))
    assert sizes.max() - sizes.min() <= 1


def test_stratified_folds_keep_each_class_share_and_follow_the_seed():
    y = np.array([0] * 60 + [1] * 25 + [2] * 7)
    fold = fold_of_rows(y, 5, seed=3, stratify=True)
    for c, count in ((0, 60), (1, 25), (2, 7)):
        per_fold = np.bincount(fold[y == c], minlength=5)
        assert per_fold.max() - per_fold.min() <= 1, (c, per_fold)
        assert per_fold.sum() == count
    assert (fold_of_rows(y, 5, seed=3, stratify=True) == fold).all()
    assert not (fold_of_rows(y, 5, seed=4, stratify=True) == fold).all()


def test_too_few_rows_or_folds_is_one_line():
    with pytest.raises(ValueError, match="expected at least 2 folds and as many rows, received 5 folds for 3 rows"):
        fold_of_rows(np.zeros(3), 5, 0, False)


def test_only_single_label_classification_is_stratified():
    assert stratifies("multiclass", np.zeros(4)) and stratifies("binary", np.zeros(4))
    assert not stratifies("regression", np.zeros(4)) and not stratifies("multilabel", np.zeros((4, 3)))


def test_one_fold_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match="expected 0 \\(off\\) or at least 2 folds, received 1"):
        CrossValidation(folds=1)
    assert CrossValidation(folds=0).folds == 0 and Search().cross_validation.folds == 5


# --- out-of-fold predictions (real Keras training) ---------------------------------------

MEMORIZER = {"family": "mlp", "mlp.activation": "relu", "mlp.dropout": 0.0, "mlp.norm": "none",
             "mlp.initializer": "glorot_uniform", "mlp.l1": 0.0, "mlp.l2": 0.0, "mlp.layers": 1,
             "mlp.units_1": 256, "optimizer": "adam", "learning_rate": 0.01, "clipnorm": 0.0,
             "schedule": "constant", "batch_size": 32, "loss": "auto"}


def random_label_table(rows: int = 90, features: int = 40):
    """A table whose labels are coin flips: a big enough model memorizes them, and no model predicts a row
    it did not train on better than chance."""
    from automl.data.bundle import DataBundle

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, features)).astype("float32")
    y = rng.integers(0, 2, rows)
    return DataBundle(name="coins", task="multiclass", input_kind="tabular", x_train=x, y_train=y,
                      x_val=x[:2], y_val=y[:2], x_test=x[:2], y_test=y[:2], class_names=["a", "b"])


def test_each_row_is_predicted_by_a_model_that_never_trained_on_it():
    from automl.builders import InputSpec, build_model, family_values, prepare_targets
    from automl.search.folds import predictions
    from automl.training import fit_epochs

    data = random_label_table()
    spec = InputSpec.from_bundle(data)
    memorized = build_model(MEMORIZER, spec, 60)
    fit_epochs(memorized, data, 32, 60, targets=lambda y: prepare_targets(family_values(MEMORIZER), spec, y))
    in_sample = (predictions(memorized, data.x_train).argmax(1) == data.y_train).mean()
    fold = fold_of_rows(data.y_train, 3, seed=0, stratify=True)
    held, models = out_of_fold(MEMORIZER, data, fold, epochs=60, seed=0)
    out = (held.argmax(1) == data.y_train).mean()
    assert len(models) == 3 and held.shape == (90, 2) and np.allclose(held.sum(1), 1, atol=1e-5)
    assert in_sample > 0.95  # the configuration memorizes the rows it trains on ...
    assert out < 0.7, out  # ... and out of fold it is at chance: no row's own label reached its model


def test_out_of_fold_predictions_follow_the_seed_and_not_what_ran_before():
    """A resumed search cross-validates after other work than the first run did: the fold models' initial
    weights come from the seed, so the same trial gets the same out-of-fold predictions, and the choice the
    same losses."""
    import keras

    data = random_label_table(rows=60, features=8)
    fold = fold_of_rows(data.y_train, 3, seed=0, stratify=True)
    runs = []
    for before in (1, 2, None):
        if before is not None:  # other random draws first, as trials or a first run would make
            keras.utils.set_random_seed(before)
            np.asarray(keras.random.normal((before * 7,)))
        runs.append(out_of_fold(MEMORIZER, data, fold, epochs=2, seed=5 if before else 6)[0])
    assert np.allclose(runs[0], runs[1], atol=1e-6)
    assert not np.allclose(runs[0], runs[2])  # another seed, other initial weights


# --- the choice in a real search ----------------------------------------------------------


def search_iris(tmp_path, **options):
    from automl.app.search import SearchOptions, run_search

    opts = SearchOptions(dataset="iris", space="mlp", max_trials=3, epochs=8, seed=0, experiment="cv",
                         export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"), device="cpu",
                         tracking=False, **options)
    with open(tmp_path / "progress.txt", "w") as progress:
        result = run_search(opts, progress_stream=progress)
    card = json.loads((result.export_path / "model_card.json").read_text())
    return result, card["selection"], card, (tmp_path / "progress.txt").read_text()


CV = ("search.cross_validation.folds=5",)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """The 3 trials on iris, searched once with cross-validation off (its export chosen on the validation
    split, as before): (its folder, what `search_iris` returned). The tests of the choice by cross-validation
    resume a copy of its state (`resumed`): their trials are done, and only what follows the trials runs."""
    random.seed(0)  # as the autouse `_seed` does, which runs after a module fixture
    np.random.seed(0)
    root = tmp_path_factory.mktemp("searched")
    return root, search_iris(root, settings=("search.cross_validation.folds=0",))


def resumed(tmp_path, searched):
    """``tmp_path`` holding a copy of the searched state: a search there resumes with its 3 trials done."""
    shutil.copytree(searched[0] / "state", tmp_path / "state")
    return tmp_path


@pytest.mark.parametrize("bag, folds", [(True, 5), (False, 3)])
def test_a_small_table_search_chooses_its_export_by_cross_validation_of_its_best_trials(tmp_path, bag, folds,
                                                                                        searched, monkeypatch):
    """iris (90 training rows): the 3 trials are cross-validated on the 120 training and validation rows;
    the export is the best of them out of fold, or the greedy ensemble when it beats that one, as the
    average of each chosen trial's fold models or refit; the card, the progress and the summary say so.
    With ``AUTOML_RECORD_CANDIDATES`` set, the candidates are recorded as the selection and the export saw
    them (what `benchmarks/selection_replay.py` replays). The refit case uses 3 folds: the count is the
    setting's, not a constant."""
    import keras

    import automl.builders  # noqa: F401 - registers the ensemble's layer, as `automl predict` does
    from automl.search.record import ENV

    monkeypatch.setenv(ENV, str(tmp_path / "candidates" / "iris-0"))
    result, selection, card, progress = search_iris(
        resumed(tmp_path, searched),
        settings=(f"search.cross_validation.folds={folds}", f"search.cross_validation.bag={bag}"))
    cv = selection["cross_validation"]
    losses = cv["out_of_fold_losses"]
    assert cv["folds"] == folds and cv["rows"] == 120 and sorted(losses) == ["0", "1", "2", "linear"]
    assert selection["method"].startswith(f"{folds}-fold cross-validation of the 3 best trials and a linear model")
    assert f"cross-validating the 3 best trials: {folds} folds of the 120 training and validation rows" in progress
    best_out_of_fold = min(losses, key=losses.get)
    assert selection["best_candidate"] == best_out_of_fold
    assert selection["best_candidate_selection_loss"] == pytest.approx(losses[best_out_of_fold], abs=1e-6)
    members = selection["members"]
    if len(members) == 1:  # a single model: the best out of fold, whatever the validation split said
        assert list(members) == [best_out_of_fold]
        assert card["best_trial"] == best_out_of_fold or best_out_of_fold == "linear"
    else:
        assert selection["ensemble_selection_loss"] < selection["best_candidate_selection_loss"]
    nested = [layer for layer in keras.saving.load_model(result.export_path / "model.keras").layers
              if isinstance(layer, keras.Model)]
    recorded = np.load(tmp_path / "candidates" / "iris-0")
    ids = [str(i) for i in recorded["ids"]]
    assert sorted(ids) == ["0", "1", "2", "linear"] and str(recorded["loss"]) == "log_loss"  # ties: any order
    assert recorded["held"].shape == (4, 120, 3) and recorded["test"].shape == (4, len(recorded["y_test"]), 3)
    for i, name in enumerate(ids):  # what the selection scored, row for row
        assert LOSSES["log_loss"](recorded["held"][i], recorded["y"]) == pytest.approx(losses[name], abs=1e-6)
    if bag:  # the bagged export predicts the test rows as the members' recorded predictions, weighted
        from automl.data import load_dataset
        from automl.spec import load_card

        x_test = load_dataset(load_card("iris")).x_test
        weighted = sum(members[name] * recorded["test"][ids.index(name)] for name in members)
        exported = keras.saving.load_model(result.export_path / "model.keras").predict(x_test, verbose=0)
        assert np.abs(exported - weighted).max() < 1e-5
        assert selection["refit"].startswith(f"no: each chosen trial is the average of its {folds} fold models "
                                             "(bagged)")
        assert result.exported.endswith(f"bagged over its {folds} cross-validation folds")
        assert len(nested) == folds * len(members)
    else:
        assert selection["refit"].startswith("on train + validation (90 training rows")
        assert result.exported.endswith("refit on train + validation")
        assert len(nested) == (len(members) if len(members) > 1 else 0)
    assert result.test_metrics["test_accuracy"] > 0.6  # well above chance (1/3) after 8 epochs


def test_cross_validation_off_chooses_on_the_validation_split_as_before(searched):
    _, selection, _, progress = searched[1]
    assert "cross_validation" not in selection and "cross-validating" not in progress
    assert not selection["method"].startswith("5-fold")


def test_past_the_time_budget_only_the_two_best_trials_are_cross_validated(tmp_path, searched):
    """A resumed search with its trials done and 1 s of budget: each candidate takes three trainings (3 folds),
    longer than the whole budget, so the two best are scored and the third is not (the linear model is)."""
    _, selection, _, progress = search_iris(resumed(tmp_path, searched), settings=("search.cross_validation.folds=3",),
                                            time_budget=1.0)
    scored = selection["cross_validation"]["out_of_fold_losses"]
    assert len(scored) == 3 and "linear" in scored  # the linear model is a few convex fits: always scored
    assert "time budget reached: 2 of the 3 candidates cross-validated" in progress


def test_a_candidate_whose_fold_training_fails_is_left_out_and_the_rest_decide(tmp_path, searched, monkeypatch):
    """A configuration that trained on the search's split can diverge on other rows: its folds fail, it is
    left out with the reason, and the other candidates are scored and exported."""
    import automl.search.final as final
    from automl.errors import TrialFailedError

    real = final.out_of_fold

    def diverging(values, merged, fold, epochs, seed, name=None):
        if name == "member_1":
            raise TrialFailedError("loss became nan at epoch 3")
        return real(values, merged, fold, epochs, seed, name)

    monkeypatch.setattr(final, "out_of_fold", diverging)
    result, selection, _, progress = search_iris(resumed(tmp_path, searched), settings=CV)
    assert "trial 1 left out: a fold's training failed (loss became nan at epoch 3)" in progress
    assert sorted(selection["cross_validation"]["out_of_fold_losses"]) == ["0", "2", "linear"]
    assert "1" not in selection["members"] and result.test_metrics["test_accuracy"] > 0.6
