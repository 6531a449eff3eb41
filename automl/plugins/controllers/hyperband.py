"""Hyperband over epochs, its brackets repeated until ``max_trials`` trials in all."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.oracles import HyperbandOracle, common

    # KerasTuner stops after one pass over the brackets unless told otherwise; repeating them
    # until max_trials (or --time-budget) is what a user asking for N trials expects.
    return HyperbandOracle(max_epochs=max(s.max_epochs, 2), factor=3, hyperband_iterations=s.max_trials,
                           max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("hyperband", "Hyperband over epochs, brackets repeated until max_trials", build,
                          budgeted=True, order=3)
