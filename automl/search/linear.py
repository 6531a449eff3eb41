"""A linear model among the cross-validated candidates of a small table: logistic or ridge regression.

On a table of a few hundred rows the strongest model is often the plainest:
logistic regression with an L2 penalty, which a search of networks on a
30-second budget does not reliably find (its gradient-trained linear trial
with early stopping lands one or two test rows off, measured in
``benchmarks/results/quality-2026-12-03.md``). So when the search's best trials
are cross-validated, a linear model is cross-validated beside them: fitted by
scikit-learn's convex solvers with the penalty chosen by an inner
cross-validation on log loss (squared error for regression), then written into
the head of a Keras model with no hidden layer (``mlp.layers: 0``). It is one
more candidate of the out-of-fold choice and the greedy ensemble, and it
exports like any other: the inputs' preprocessing and the task's head are the
ones every model of the search has.

The features it is fitted on are what the head of such a model receives (the
inputs after the model's own normalization and encoding, with the statistics
of the rows it is fitted on), so nothing is computed twice differently.

Its kernel twin (``search.cross_validation.kernel``, off until it has won its
place in the quality benchmark) is the same kind of fit on Gaussian-kernel
features of those inputs against the rows it is fitted on, whitened so that its
penalty is the kernel machine's own (kernel logistic or kernel ridge regression,
the smooth boundaries of an RBF support vector machine): an
`automl.builders.kernel.RBFFeatures` layer whose centres are those rows, under
the same head.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import keras
import numpy as np

from automl.builders import InputSpec, build_model, family_values
from automl.builders.compile import compile_model, head as task_head
from automl.builders.kernel import RBFFeatures
from automl.plugins.tasks import TASKS
from automl.search.folds import each_fold, predictions

NAME = "linear"  # its id among the members (trial ids are digits)
KERNEL = "kernel"  # the kernel model's
TASKS_FITTED = ("binary", "multiclass", "regression")
C_GRID = np.logspace(-3, 3, 13)  # inverse penalties tried by the inner cross-validation (scikit-learn's C)
ALPHA_GRID = np.logspace(-3, 3, 13)  # ridge penalties, in standardized target units
INNER_FOLDS = 5
ABSENT = -30.0  # the logit of a class no fitted row had: a probability of about 1e-13
# The solver's tolerance: scikit-learn's default (1e-4) stops where the probabilities still move by ~1e-2
# when the penalty is light, and where it stops depends on the features' basis.
TOL = 1e-6
EIGEN_FLOOR = 1e-6  # the kernel matrix's eigenvalues kept, relative to its largest (`_whitened`)


@dataclass(frozen=True)
class LinearCandidate:
    """Stands where a trial stands among the candidates: an id (``linear`` or ``kernel``), and the values
    it is compiled with (`linear_values`), but no trial of its own."""

    values: dict
    trial_id: str = NAME

    @property
    def kernel(self) -> bool:
        """Whether it is the kernel model (Gaussian-kernel features under the head)."""
        return self.trial_id == KERNEL


def applies(task: str, kind: str, y: np.ndarray) -> bool:
    """Whether the linear candidate is fitted: a table, with a class per row or numeric targets."""
    y = np.asarray(y)
    return kind == "tabular" and task in TASKS_FITTED and (task == "regression" or y.ndim == 1)


def member_label(member_id: str) -> str:
    """A member in words: ``trial 03``, ``the linear model`` or ``the kernel model``."""
    return f"the {member_id} model" if member_id in (NAME, KERNEL) else f"trial {member_id}"


def linear_values(values: dict) -> dict:
    """A trial's values turned into the linear model's: the mlp family with no hidden layer, the trial's
    training keys kept (batch size, optimizer: what compiling needs), the task's default loss."""
    kept = {k: v for k, v in values.items() if "." not in k}
    return {**kept, "family": "mlp", "mlp.layers": 0, "loss": "auto"}


def fitted(values: dict, data, name: str | None, seed: int, kernel: bool = False) -> keras.Model:
    """A Keras linear model whose head holds the penalized linear fit on ``data``'s training split.

    Args:
        values: The values it is compiled with (`linear_values`).
        data: The rows it learns from (its training split; its statistics normalize the inputs).
        name: The model's name (an ensemble's members need distinct ones).
        seed: Seeds the inner folds that choose the penalty.
        kernel: Fit on Gaussian-kernel features of the head's inputs against ``data``'s rows instead
            (whitened, `_whitened`, and mapped back into the head).

    Raises:
        ValueError: The rows cannot be fitted (a classification with a single class).
    """
    spec = InputSpec.from_bundle(data)
    model = build_model(values, spec, 1, name=name)
    task = TASKS.get(spec.task)
    head = _head_layer(model, task.output)
    features = predictions(keras.Model(model.inputs, head.input), data.x_train)
    back = None  # maps the coefficients fitted on the features to the head's kernel (the kernel model's)
    if kernel:
        model, gram = _with_kernel(model, head, values, spec, features)
        head = _head_layer(model, task.output)
        features, back = _whitened(gram)
    y = np.asarray(data.y_train)
    if spec.task == "regression":
        weights, bias = _ridge(features, y, spec, head.name == task.output)
    else:
        weights, bias = _logistic(features, y, spec.num_outputs, seed)
    if back is not None:
        weights = back @ weights
    head.set_weights([weights.astype("float32"), bias.astype("float32")])
    return model


def out_of_fold(values: dict, merged, fold: np.ndarray, seed: int, kernel: bool = False) -> tuple[np.ndarray, list]:
    """The linear (or kernel) model's predictions on every row of ``merged``'s training split, each from the
    fit on the other folds, and those fold models (named ``member_linear_fold<k>``, ``member_kernel_fold<k>``).

    Args:
        values: The values it is compiled with (`linear_values`).
        merged: The training and validation rows as one training split.
        fold: Each row's fold.
        seed: Seeds each fold's inner cross-validation (plus the fold's number).
        kernel: The kernel model's folds.
    """
    prefix = f"member_{KERNEL if kernel else NAME}_fold"
    return each_fold(merged, fold, lambda k, part: fitted(values, part, f"{prefix}{k}", seed + k, kernel))


def _with_kernel(model: keras.Model, head: keras.layers.Layer, values: dict, spec: InputSpec,
                 features: np.ndarray) -> tuple[keras.Model, np.ndarray]:
    """``model`` with an `RBFFeatures` layer between its features and a new head, its centres the fitted
    rows' features; and those rows' kernel matrix (the layer's output on them).

    The width is scikit-learn's ``gamma="scale"``: one over the features' count times their variance, so a
    typical pair of standardized rows is about one width apart whatever the table's width.
    """
    z = np.asarray(features, "float64")
    gamma = 1.0 / (z.shape[1] * (z.var() or 1.0))
    rbf = RBFFeatures(len(z), gamma, name="rbf")
    outputs = task_head(rbf(head.input), spec, model.inputs)
    kernel_model = keras.Model(model.inputs, outputs, name=model.name)
    rbf.set_weights([z.astype("float32")])
    compile_model(kernel_model, family_values(values), spec, 1)
    # The layer's own output on the fitted rows: the head is fitted on exactly what it will be given.
    return kernel_model, np.asarray(keras.ops.convert_to_numpy(rbf(z.astype("float32"))), "float64")


def _whitened(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features on which an L2 penalty is the kernel machine's own (the RKHS norm), and the matrix that
    takes coefficients fitted on them back to weights on the kernel features.

    A kernel machine predicts ``k(x) @ a`` and penalizes ``a' K a``, not ``|a|^2``: with the plain kernel
    features as a linear model's inputs, the penalty would be another kernel's (``K^2``), rougher than the
    Gaussian and measured worse (log loss out of fold on wine, breast_cancer). With ``M = K^(-1/2)``
    on the eigenvectors ``V`` whose eigenvalues ``w`` are kept, the rows' features are ``K M = V w^(1/2)``
    and, for ``a`` in ``V``'s span, ``b = w^(1/2) V' a`` with ``|b|^2 = a' K a``: the penalized fit on them
    is kernel logistic (ridge) regression on that span, and ``a = M b`` goes into the same head
    (Williams and Seeger's Nystrom map with every row a landmark). A row held out of an inner fold (the
    penalty's choice) is a landmark too; by the representer theorem the fit on the other rows would not
    use it, exactly so when no eigenvalue is dropped, and up to the dropped directions otherwise.
    """
    gram = (gram + gram.T) / 2.0  # float32 rounding leaves it a hair asymmetric
    values, vectors = np.linalg.eigh(gram)
    # Under ~1e-6 of the largest, an eigenvalue is float32 rounding of the layer's output (or zero, or
    # negative): its direction is noise, not the kernel's, and its root would ill-condition the fit.
    kept = values > EIGEN_FLOOR * values.max()
    back = vectors[:, kept] / np.sqrt(values[kept])
    return vectors[:, kept] * np.sqrt(values[kept]), back


def _head_layer(model: keras.Model, output: str) -> keras.layers.Layer:
    """The dense layer that maps features to outputs: ``standardized`` for a regression whose targets are
    standardized in the model, else the task's output layer."""
    names = [layer.name for layer in model.layers]
    return model.get_layer("standardized" if "standardized" in names else output)


def _logistic(z: np.ndarray, y: np.ndarray, outputs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias of a sigmoid (``outputs`` 1) or softmax head (the kernel model's in the whitened
    basis, which `fitted` maps back): L2 logistic regression, its penalty chosen on log loss by stratified
    inner folds."""
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    y = y.astype(int)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"linear model: expected at least 2 classes among the rows, received {len(classes)}")
    folds = min(INNER_FOLDS, int(counts.min()))
    if folds >= 2:
        clf = LogisticRegressionCV(Cs=C_GRID, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                                   scoring="neg_log_loss", max_iter=5000, tol=TOL)
    else:  # a class of one row: no inner folds to hold it, scikit-learn's default penalty
        clf = LogisticRegression(max_iter=5000, tol=TOL)
    with warnings.catch_warnings():  # scikit-learn 1.9 announces default changes that do not touch coef_
        warnings.simplefilter("ignore", FutureWarning)
        clf.fit(z, y)
    coef, intercept = clf.coef_, clf.intercept_
    if outputs == 1:  # sigmoid: the positive class's logit
        return coef.T, intercept
    kernel = np.zeros((z.shape[1], outputs))
    bias = np.full(outputs, ABSENT)
    if len(classes) == 2:  # scikit-learn gives one logit, the second class's against the first's
        bias[classes] = [0.0, intercept[0]]
        kernel[:, classes[1]] = coef[0]
    else:
        bias[classes] = intercept
        kernel[:, classes] = coef.T
    return kernel, bias


def _ridge(z: np.ndarray, y: np.ndarray, spec: InputSpec, raw: bool) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias of a regression head (the kernel model's in the whitened basis, which `fitted` maps
    back): ridge regression on the standardized targets (the model gives the units back), or on the targets
    as they are when the head predicts them directly (``raw``)."""
    from sklearn.linear_model import RidgeCV

    t = np.asarray(y, "float64").reshape(len(y), -1)
    if not raw:
        t = (t - spec.target_mean) / spec.target_std
    reg = RidgeCV(alphas=ALPHA_GRID).fit(z, t)  # efficient leave-one-out over the penalties
    return np.asarray(reg.coef_).reshape(t.shape[1], -1).T, np.asarray(reg.intercept_).reshape(-1)
