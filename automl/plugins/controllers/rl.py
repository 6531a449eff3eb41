"""REINFORCE policy over the space's decisions with a moving-average baseline (NAS-style)."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.oracles import common
    from automl.search.reinforce import ReinforceOracle

    return ReinforceOracle(max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("rl", "REINFORCE policy over the space's decisions", build, order=5)
