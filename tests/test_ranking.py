"""The one ranking rule of the summary, the Pareto rows and `automl leaderboard`."""

import math

import numpy as np

from automl.ranking import best_first


def test_best_first_in_either_direction_with_ties_in_the_order_given():
    values = [0.5, 0.9, 0.5, 0.7]
    assert best_first(values, "max") == [1, 3, 0, 2]
    assert best_first(values, "min") == [0, 2, 3, 1]


def test_missing_and_non_finite_values_come_last_in_the_order_given():
    values = [None, 2.0, math.nan, np.float64(1.0), "n/a", math.inf, 3]
    assert best_first(values, "min") == [3, 1, 6, 0, 2, 4, 5]
    assert best_first(values, "max") == [6, 1, 3, 0, 2, 4, 5]


def test_nothing_to_rank():
    assert best_first([], "max") == []
