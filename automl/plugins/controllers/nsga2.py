"""Optuna's NSGA-II (the ``optuna`` extra): a Pareto-front genetic search over all objectives.

A generation is a third of the trials (4 to 50).
"""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.optuna_oracle import OptunaOracle, nsga2_sampler
    from automl.search.oracles import common

    return OptunaOracle(nsga2_sampler(min(50, max(4, s.max_trials // 3))), objectives=s.objectives,
                        max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("nsga2", "Optuna's NSGA-II Pareto-front search", build, extra=("optuna", "optuna"),
                          multi_objective=True, order=8)
