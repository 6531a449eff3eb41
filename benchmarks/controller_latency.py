"""Controller latency: how long each controller takes to propose a trial as the search grows.

    .venv/bin/python benchmarks/controller_latency.py [--at 10,100,500] [--controllers random,tpe,...]

No network is trained: each controller proposes trials on the ``mlp`` space and
every proposal is scored at once by a fixed made-up rule, so the controller
sees a search of the size asked for. At each size it times the next few
proposals (``oracle.create_trial``, which is what a search waits for between
trials: the proposal, the duplicate checks and the trial's save) and prints
the median in milliseconds and as a ratio of the random controller's at the
same size, measured in the same run.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time

from common import result

TIMED = 5  # proposals timed at each size


def score(values: dict) -> float:
    """A made-up validation accuracy: best near learning_rate 3e-3 with more units."""
    lr = values.get("learning_rate", 1e-3)
    return 0.9 - abs(math.log10(lr) + 2.5) / 10 + values.get("units_1", 64) / 10_000


def proposal_times(name: str, sizes: list[int], folder: str) -> dict[int, float]:
    """Median seconds per proposal of controller ``name`` once ``size`` trials are done, for each size."""
    import keras_tuner as kt

    from automl.search import OracleSettings, make_oracle
    from automl.space import build_hyperparameters
    from automl.spec import load_space

    space = load_space("mlp")
    settings = OracleSettings(kt.Objective("val_accuracy", "max"), max(sizes) + TIMED + 1, 0, 3, 27)
    oracle = make_oracle(name, build_hyperparameters(space), settings)
    oracle._set_project_dir(folder, name)
    oracle.verbose = 0
    found: dict[int, float] = {}
    done = 0
    for size in sizes:
        while done < size:
            _finish(oracle, oracle.create_trial("bench"))
            done += 1
        times = []
        for _ in range(TIMED):
            started = time.perf_counter()
            trial = oracle.create_trial("bench")
            times.append(time.perf_counter() - started)
            _finish(oracle, trial)
            done += 1
        found[size] = statistics.median(times)
    return found


def _finish(oracle, trial) -> None:
    if trial.status == "STOPPED":
        raise RuntimeError(f"{type(oracle).__name__} stopped proposing after {len(oracle.trials)} trials")
    oracle.update_trial(trial.trial_id, {"val_accuracy": score(trial.hyperparameters.values)})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


def main() -> None:
    """Prints milliseconds per proposal by controller and size, and ratios against random."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", default="10,100,500", help="completed-trial counts to time at")
    parser.add_argument("--controllers", default="random,bayesian,hyperband,evolution,rl,asha,tpe,nsga2")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.at.split(","))
    names = args.controllers.split(",")
    if "random" not in names:
        names.insert(0, "random")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            started = time.perf_counter()
            results[name] = proposal_times(name, sizes, folder)
            print(f"{name}: {time.perf_counter() - started:.1f} s in all", flush=True)
    header = " ".join(f"{'ms @' + str(s):>10s} {'/random':>8s}" for s in sizes)
    print(f"{'controller':12s} {header}")
    for name in names:
        cells = " ".join(f"{1000 * results[name][s]:10.1f} {results[name][s] / results['random'][s]:8.2f}"
                         for s in sizes)
        print(f"{name:12s} {cells}")
    result("controller_latency", **{f"{name}_ms_at_{s}": round(1000 * results[name][s], 2)
                                    for name in names for s in sizes})


if __name__ == "__main__":
    main()
