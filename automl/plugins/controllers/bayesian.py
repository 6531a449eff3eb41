"""Gaussian-process Bayesian optimization (KerasTuner's, with a bounded fit and a fast acquisition search)."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.bayesian import FastBayesianOracle
    from automl.search.oracles import common

    return FastBayesianOracle(max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("bayesian", "Gaussian-process Bayesian optimization", build, order=2)
