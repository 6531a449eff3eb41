"""Every combination in order; float ranges need a ``step``."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    import keras_tuner as kt

    from automl.errors import SpecError
    from automl.search.oracles import GridOracle, common

    for p in hp.space:
        if isinstance(p, kt.engine.hyperparameters.Float) and p.step is None:
            raise SpecError(f"--controller grid: expected every float range to have a step, "
                            f"received {p.name!r} without one")
    return GridOracle(max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("grid", "every combination in order; float ranges need a step", build,
                          unseeded="it enumerates the grid in its own order: nothing is drawn",
                          no_initial_points="it tries every combination in its own order", order=1)
