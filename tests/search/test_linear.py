"""The linear candidate: scikit-learn's penalized fit, written into a Keras head, predicts as scikit-learn does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from automl.data.bundle import DataBundle
from automl.search import linear
from automl.search.folds import fold_of_rows, predictions

VALUES = linear.linear_values({"family": "transformer", "transformer.blocks": 1, "optimizer": "adam",
                               "learning_rate": 1e-3, "batch_size": 16, "loss": "hinge"})


def table(task: str, rows: int = 160, features: int = 6, classes: int = 3, seed: int = 0) -> DataBundle:
    """Rows whose target is a noisy linear function of features on very different scales."""
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(rows, features)) * np.geomspace(0.01, 100, features)).astype("float32")
    z = (x / np.geomspace(0.01, 100, features)) @ rng.normal(size=(features, classes))
    z += rng.normal(scale=0.5, size=z.shape)
    if task == "regression":
        y = (1000 + 50 * z[:, 0]).astype("float32")
    elif task == "binary":
        y = (z[:, 0] > 0).astype(int)
    else:
        y = z.argmax(1)
    names = None if task != "multiclass" else [f"c{i}" for i in range(classes)]
    return DataBundle(name="lines", task=task, input_kind="tabular", x_train=x, y_train=y, x_val=x[:4],
                      y_val=y[:4], x_test=x[:4], y_test=y[:4], class_names=names)


def sklearn_twin(task: str, data: DataBundle):
    """What the linear model stands for: scikit-learn on standardized features, the same penalty grid."""
    from sklearn.linear_model import LogisticRegressionCV, RidgeCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=linear.ALPHA_GRID)).fit(
            data.x_train, (data.y_train - data.y_train.mean()) / data.y_train.std())
    folds = StratifiedKFold(linear.INNER_FOLDS, shuffle=True, random_state=7)
    fit = LogisticRegressionCV(Cs=linear.C_GRID, cv=folds, scoring="neg_log_loss", max_iter=5000, tol=linear.TOL)
    return make_pipeline(StandardScaler(), fit).fit(data.x_train, data.y_train)


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_keras_model_predicts_what_scikit_learn_fitted(task):
    data = table(task)
    model = linear.fitted(VALUES, data, "member_linear", seed=7)
    ours = predictions(model, data.x_train)
    twin = sklearn_twin(task, data)
    if task == "regression":  # the model gives the units back: standardized prediction * std + mean
        expected = twin.predict(data.x_train) * data.y_train.std() + data.y_train.mean()
        assert np.max(np.abs(ours.ravel() - expected)) < 1e-3 * data.y_train.std()
    elif task == "binary":
        assert np.max(np.abs(ours.ravel() - twin.predict_proba(data.x_train)[:, 1])) < 1e-4
    else:
        assert np.max(np.abs(ours - twin.predict_proba(data.x_train))) < 1e-4
    # No hidden layer: the head is the only weighted layer, (features + 1) x outputs weights.
    assert model.count_params() - sum(np.prod(w.shape) for w in model.non_trainable_weights) == \
        (6 + 1) * (3 if task == "multiclass" else 1)


def test_a_class_absent_from_the_rows_gets_almost_no_probability():
    """A fold of a small table can lack a class: its column gets no weight and a very low bias, and the
    others' probabilities are the fit's."""
    data = table("multiclass", classes=3)
    rows = data.y_train != 1
    part = DataBundle(name="lines", task="multiclass", input_kind="tabular", x_train=data.x_train[rows],
                      y_train=data.y_train[rows], x_val=data.x_val, y_val=data.y_val, x_test=data.x_test,
                      y_test=data.y_test, class_names=data.class_names)
    p = predictions(linear.fitted(VALUES, part, None, seed=0), part.x_train)
    assert p.shape == (rows.sum(), 3) and p[:, 1].max() < 1e-9
    assert (p.argmax(1) == part.y_train).mean() > 0.85


def test_one_class_is_refused_with_what_was_expected():
    data = table("binary")
    one = DataBundle(name="lines", task="binary", input_kind="tabular", x_train=data.x_train[:10],
                     y_train=np.ones(10, int), x_val=data.x_val, y_val=data.y_val, x_test=data.x_test,
                     y_test=data.y_test)
    with pytest.raises(ValueError, match="expected at least 2 classes among the rows, received 1"):
        linear.fitted(VALUES, one, None, seed=0)


def test_out_of_fold_predictions_come_from_fits_that_never_saw_the_row():
    """Labels that are coin flips: fitted in sample the penalty may follow them a little, out of fold the
    predictions are at chance, and every row is predicted once."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 60)).astype("float32")
    y = rng.integers(0, 2, 120)
    coins = DataBundle(name="coins", task="binary", input_kind="tabular", x_train=x, y_train=y, x_val=x[:2],
                       y_val=y[:2], x_test=x[:2], y_test=y[:2])
    fold = fold_of_rows(y, 4, seed=0, stratify=True)
    held, models = linear.out_of_fold(VALUES, coins, fold, 0)
    assert held.shape == (120, 1) and len(models) == 4
    assert [m.name for m in models] == [f"member_linear_fold{k}" for k in range(4)]
    assert abs(((held.ravel() > 0.5) == y).mean() - 0.5) < 0.15


@pytest.mark.parametrize("task,kind,y,expected", [
    ("binary", "tabular", np.zeros(4), True), ("regression", "tabular", np.zeros((4, 2)), True),
    ("multiclass", "image", np.zeros(4), False), ("multilabel", "tabular", np.zeros((4, 3)), False),
    ("multiclass", "tabular", np.zeros((4, 3)), False)])
def test_it_applies_to_tables_with_a_class_per_row_or_numeric_targets(task, kind, y, expected):
    assert linear.applies(task, kind, y) is expected


@pytest.mark.parametrize("bag", [True, False])
def test_a_search_whose_best_out_of_fold_is_the_linear_model_exports_it_and_says_so(tmp_path, bag):
    """A table with a linear truth and few rows, ensembles off: the linear model beats 2 two-epoch networks
    out of fold, is exported (bagged, or refit on all the rows), and the progress, the summary and the card say so."""
    import pandas as pd

    from automl.app.search import SearchOptions, run_search

    data = table("binary", rows=240, seed=1)
    frame = pd.DataFrame(data.x_train, columns=[f"f{i}" for i in range(6)]).assign(y=data.y_train)
    frame.to_csv(tmp_path / "lines.csv", index=False)
    opts = SearchOptions(dataset=None, data=str(tmp_path / "lines.csv"), target="y", space="auto", max_trials=2,
                         epochs=2, seed=0, experiment="lines", export_dir=str(tmp_path / "exports"),
                         state_dir=str(tmp_path / "state"), device="cpu", tracking=False,
                         settings=("search.ensemble.size=0", f"search.cross_validation.bag={bag}"))
    with open(tmp_path / "progress.txt", "w") as progress:
        result = run_search(opts, progress_stream=progress)
    said = (tmp_path / "progress.txt").read_text()
    card = json.loads((result.export_path / "model_card.json").read_text())
    losses = card["selection"]["cross_validation"]["out_of_fold_losses"]
    assert min(losses, key=losses.get) == "linear", losses
    assert list(card["selection"]["members"]) == ["linear"]
    assert "the linear model: binary_log_loss" in said and "no ensemble (off (search.ensemble.size: 0)): " \
        "the linear model is the best out of fold" in said
    assert result.exported == ("the linear model, bagged over its 5 cross-validation folds" if bag else
                               "the linear model, refit on train + validation")
    assert bag or "refitting the linear model on train + validation (204 rows)" in said
    assert "The linear model alone" in (result.export_path / "model_card.md").read_text()
    assert result.test_metrics["test_accuracy"] >= 0.8
