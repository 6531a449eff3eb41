"""Uniform random sampling (the default controller)."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.oracles import RandomOracle, common

    return RandomOracle(max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("random", "uniform random sampling", build, order=0)
