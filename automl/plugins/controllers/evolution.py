"""Regularized (aging) evolution: tournament selection, one-value mutations, oldest retired.

The population is a third of the trials (4 to 50); tournaments draw a quarter of it.
"""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.evolution import EvolutionOracle
    from automl.search.oracles import common

    population = min(50, max(4, s.max_trials // 3))
    return EvolutionOracle(population_size=population, tournament_size=max(2, population // 4),
                           max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("evolution", "regularized (aging) evolution", build, order=4)
