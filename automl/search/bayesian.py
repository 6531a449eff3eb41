"""Gaussian-process Bayesian optimization whose proposal stays fast as the search grows.

KerasTuner's `BayesianOptimizationOracle` refits the process's kernel with 20
optimizer restarts and then runs 50 L-BFGS-B restarts of the upper confidence
bound, each gradient taken by finite differences over single-point
predictions: seconds per proposal after a few dozen trials. This subclass
keeps its model (a Matern 5/2 process over the same [0, 1] embedding of the
values, normalized scores, the same initial random points and confidence
``beta``) and changes how it is fitted and searched:

- the process is fitted on at most ``MAX_POINTS`` trials (the best half of
  them by score and the most recent rest), since an exact process costs the
  cube of its points;
- the kernel's length scales are re-estimated every ``REFIT_EVERY`` proposals,
  from the last estimate, and kept fixed in between;
- the bound is minimized over ``CANDIDATES`` random points and as many small
  steps around the best trials so far, all predicted in one call.
"""

from __future__ import annotations

import numpy as np
from keras_tuner.src.engine import trial as trial_module
from keras_tuner.src.tuners.bayesian import BayesianOptimizationOracle

from automl.search.ending import EndTrialForms
from automl.search.managed import Managed
from automl.search.untried import UntriedFallback

MAX_POINTS = 80
REFIT_EVERY = 10
CANDIDATES = 512
RESTARTS = 3  # of the kernel's fit, besides the start from the last estimate
LENGTH_SCALES = (1e-2, 1e2)
LOCAL_STEP = 0.05  # spread of the steps around the best trials, in the [0, 1] embedding


class FastBayesian(UntriedFallback, EndTrialForms, BayesianOptimizationOracle):
    """KerasTuner's Bayesian oracle with a bounded fit and a vectorized acquisition search.

    Like every controller, it stops only when the space is exhausted (`UntriedFallback`)
    and takes both of KerasTuner's ``end_trial`` call forms (`EndTrialForms`).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._proposals = 0

    def _make_gpr(self):
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import Matern

        # Length scales under 0.01 of the [0, 1] embedding only fit noise (each point its own
        # bump, the bound's width everywhere else): the bound keeps a fit from settling there.
        return GaussianProcessRegressor(kernel=Matern(nu=2.5, length_scale_bounds=LENGTH_SCALES),
                                        n_restarts_optimizer=RESTARTS, normalize_y=True, alpha=self.alpha,
                                        random_state=self.seed)

    def populate_space(self, trial_id: str) -> dict:
        completed = [t for t in self.trials.values() if t.status == "COMPLETED"]
        initial = self.num_initial_points or max(3 * len(self.hyperparameters.space), 3)
        expected = self.expected_trials() if hasattr(self, "expected_trials") else None
        if expected is not None and not self.num_initial_points:  # a budget that fits few trials
            initial = min(initial, max(3, expected // 3))
        if len(completed) < initial:
            return self._random_populate_space()
        x, y = self._vectorize_trials()
        x, y = np.nan_to_num(x, posinf=0, neginf=0), np.nan_to_num(y, posinf=0, neginf=0)
        keep = kept_points(y, MAX_POINTS)
        self._fit(x[keep], y[keep])
        candidates = self._candidates(x[keep], y[keep])
        mean, std = self.gpr.predict(candidates, return_std=True)
        for index in np.argsort(mean - self.beta * std):
            values = self._vector_to_values(candidates[index])
            if self._compute_values_hash(values) not in self._tried_so_far:
                return {"status": trial_module.TrialStatus.RUNNING, "values": values}
        return self._random_populate_space()

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """Fits the process; the kernel is re-estimated only every ``REFIT_EVERY`` proposals."""
        fitted = getattr(self.gpr, "kernel_", None)
        if fitted is not None and self._proposals % REFIT_EVERY:
            self.gpr.set_params(kernel=fitted, optimizer=None)
        else:
            self.gpr.set_params(kernel=self.gpr.kernel if fitted is None else fitted, optimizer="fmin_l_bfgs_b")
        self._proposals += 1
        self.gpr.fit(x, y)

    def _candidates(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Random points of the embedding and small steps around the best trials (scores are minimized)."""
        dims = x.shape[1]
        spread = self._random_state.uniform(0.0, 1.0, size=(CANDIDATES, dims))
        best = x[np.argsort(y)[:8]]
        steps = best[self._random_state.randint(len(best), size=CANDIDATES)]
        steps = steps + self._random_state.normal(0.0, LOCAL_STEP, size=steps.shape)
        # value_to_prob maps into the open interval (0, 1); prob_to_value expects the same.
        return np.clip(np.concatenate([spread, steps]), 1e-6, 1 - 1e-6)


def kept_points(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the points a bounded fit keeps: all, or the best half of ``limit`` and the most recent rest.

    Args:
        scores: One score per point, lower is better, in trial order.
        limit: The most points kept.

    Returns:
        Sorted indices into ``scores``.
    """
    n = len(scores)
    if n <= limit:
        return np.arange(n)
    best = set(np.argsort(scores, kind="stable")[: limit // 2].tolist())
    recent = [i for i in range(n - 1, -1, -1) if i not in best][: limit - len(best)]
    return np.array(sorted(best | set(recent)))


class FastBayesianOracle(Managed, FastBayesian):
    """The ``bayesian`` controller's oracle: `Managed` around `FastBayesian`."""
