"""Optuna's multivariate TPE (the ``optuna`` extra); all objectives of a multi-objective search."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    from automl.search.optuna_oracle import OptunaOracle, tpe_sampler
    from automl.search.oracles import common

    return OptunaOracle(tpe_sampler(max(3, min(10, s.max_trials // 4))), objectives=s.objectives,
                        max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("tpe", "Optuna's multivariate TPE", build, extra=("optuna", "optuna"),
                          multi_objective=True, order=7)
