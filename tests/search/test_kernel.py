"""The kernel candidate: scikit-learn's penalized fit on Gaussian-kernel features, in a Keras model, predicts
as scikit-learn does, and finds what a linear model cannot."""

from __future__ import annotations

import json

import numpy as np
import pytest

from automl.data.bundle import DataBundle
from automl.search import linear
from automl.search.folds import fold_of_rows, predictions
from tests.search.test_linear import VALUES, table


def circles(rows: int = 240, seed: int = 0) -> DataBundle:
    """Two features, the class whether a row lies inside a circle: no line separates them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 2)).astype("float32") * np.array([1.0, 50.0], "float32")
    y = ((x[:, 0] ** 2 + (x[:, 1] / 50.0) ** 2) < 1.4).astype(int)
    return DataBundle(name="circles", task="binary", input_kind="tabular", x_train=x, y_train=y, x_val=x[:4],
                      y_val=y[:4], x_test=x[:4], y_test=y[:4])


def sklearn_twin(task: str, data: DataBundle) -> tuple:
    """What the kernel model stands for: standardized features, an RBF kernel against the fitted rows with
    scikit-learn's gamma="scale", and the linear candidate's penalized fits with the kernel machine's own
    penalty; here through scikit-learn's Nystroem map with every row a landmark (its own K^(-1/2))."""
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegressionCV, RidgeCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    z = StandardScaler().fit_transform(np.asarray(data.x_train, "float64"))
    k = Nystroem(gamma=1.0 / (z.shape[1] * z.var()), n_components=len(z), random_state=0).fit_transform(z)
    if task == "regression":
        y = (data.y_train - data.y_train.mean()) / data.y_train.std()
        return RidgeCV(alphas=linear.ALPHA_GRID).fit(k, y), k
    folds = StratifiedKFold(linear.INNER_FOLDS, shuffle=True, random_state=7)
    return LogisticRegressionCV(Cs=linear.C_GRID, cv=folds, scoring="neg_log_loss", max_iter=5000,
                                tol=linear.TOL).fit(
        k, data.y_train), k


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_keras_kernel_model_predicts_what_scikit_learn_fitted(task):
    data = table(task, rows=120)
    model = linear.fitted(VALUES, data, "member_kernel", seed=7, kernel=True)
    ours = predictions(model, data.x_train)
    twin, k = sklearn_twin(task, data)
    if task == "regression":  # the model gives the units back
        expected = twin.predict(k) * data.y_train.std() + data.y_train.mean()
        assert np.max(np.abs(ours.ravel() - expected)) < 1e-3 * data.y_train.std()
    elif task == "binary":
        assert np.max(np.abs(ours.ravel() - twin.predict_proba(k)[:, 1])) < 1e-3
    else:
        assert np.max(np.abs(ours - twin.predict_proba(k))) < 1e-3
    # One centre per fitted row, none of them trained; the head maps the 120 kernel features to the outputs.
    assert model.get_layer("rbf").get_weights()[0].shape == (120, 6)
    trained = model.count_params() - sum(np.prod(w.shape) for w in model.non_trainable_weights)
    assert trained == (120 + 1) * (3 if task == "multiclass" else 1)


def test_out_of_fold_the_kernel_model_finds_a_circle_the_linear_model_cannot():
    data = circles()
    fold = fold_of_rows(data.y_train, 5, seed=0, stratify=True)
    kernel, models = linear.out_of_fold(VALUES, data, fold, 0, kernel=True)
    flat, _ = linear.out_of_fold(VALUES, data, fold, 0)
    accuracy = lambda p: ((p.ravel() > 0.5) == data.y_train).mean()  # noqa: E731
    assert [m.name for m in models] == [f"member_kernel_fold{k}" for k in range(5)]
    assert accuracy(kernel) > 0.9 and accuracy(flat) < 0.75, (accuracy(kernel), accuracy(flat))


def test_a_search_with_the_kernel_candidate_exports_it_when_it_is_best_out_of_fold(tmp_path):
    """On the circle, with ``search.cross_validation.kernel`` on and ensembles off: the kernel model beats two
    two-epoch networks and the linear model out of fold, is refit on all the rows and exported, and the
    progress, the summary and the card say so."""
    import pandas as pd

    from automl.app.search import SearchOptions, run_search

    data = circles(rows=300, seed=1)
    frame = pd.DataFrame(data.x_train, columns=["f0", "f1"]).assign(y=data.y_train)
    frame.to_csv(tmp_path / "circles.csv", index=False)
    opts = SearchOptions(dataset=None, data=str(tmp_path / "circles.csv"), target="y", space="auto", max_trials=2,
                         epochs=2, seed=0, experiment="circles", export_dir=str(tmp_path / "exports"),
                         state_dir=str(tmp_path / "state"), device="cpu", tracking=False,
                         settings=("search.ensemble.size=0", "search.cross_validation.bag=false",
                                   "search.cross_validation.kernel=true"))
    with open(tmp_path / "progress.txt", "w") as progress:
        result = run_search(opts, progress_stream=progress)
    said = (tmp_path / "progress.txt").read_text()
    card = json.loads((result.export_path / "model_card.json").read_text())
    losses = card["selection"]["cross_validation"]["out_of_fold_losses"]
    assert min(losses, key=losses.get) == "kernel" and "linear" in losses, losses
    assert list(card["selection"]["members"]) == ["kernel"]
    assert card["selection"]["method"].startswith("5-fold cross-validation of the 2 best trials and a linear "
                                                  "and a kernel model")
    assert "cross-validating a kernel model (kernel logistic regression" in said
    assert "refitting the kernel model on train + validation" in said
    assert result.exported == "the kernel model, refit on train + validation"
    assert result.test_metrics["test_accuracy"] > 0.85
    assert "The kernel model" in (result.export_path / "model_card.md").read_text()
