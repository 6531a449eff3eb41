"""Asynchronous successive halving over epochs: rungs grow by 3, the top third goes on."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.asha import AshaOracle
    from automl.search.oracles import common

    return AshaOracle(max_epochs=max(s.max_epochs, 1), eta=3, max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("asha", "asynchronous successive halving over epochs", build, budgeted=True, order=6)
