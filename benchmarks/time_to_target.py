"""Time to target: `automl search` against a plain KerasTuner RandomSearch script on one space.

    .venv/bin/python benchmarks/time_to_target.py [--seeds 5] [--target 0.98] [--budget 120]
        [--controller evolution] [--space cnn]

Both search the same space on digits, seed by seed, alternating so drift in
the machine's speed falls on both. The plain script is what a KerasTuner user
writes: a `kt.RandomSearch` whose hypermodel builds the space's models, fit
on the arrays with early stopping on ``val_loss``. `automl search` runs with
its defaults (tracking to a fresh SQLite store) and the chosen controller.
Each run stops at the target or the budget; the time is from the search's
start to the end of the first trial whose validation accuracy reached the
target (the budget when none did). Prints the median of each and their ratio.
Both sides load the data before their clock starts; automl's MLflow store is
also opened before it (creating a fresh SQLite store takes about 0.6 s, once
per store). automl uses the space as shipped, its initial point included.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

from common import result


def automl_run(args: argparse.Namespace, seed: int, root: Path) -> float:
    """Seconds until `automl search` first reached the target (the budget when it did not)."""
    from automl.app.search import SearchOptions, load_inputs, run_search
    from automl.tracking import MlflowTracker

    opts = SearchOptions(dataset="digits", space=args.space, controller=args.controller, max_trials=1000,
                         seed=seed, time_budget=args.budget, experiment=f"ttt-{seed}",
                         export_dir=str(root / "exports"), state_dir=str(root / "state"),
                         tracking_uri=f"sqlite:///{root / 'mlflow.db'}", device="cpu", fresh=True)
    inputs = load_inputs(opts)
    reached: list[float] = []

    class Watch(MlflowTracker):
        def end_trial(self, record) -> None:
            super().end_trial(record)
            if not reached and record.metrics.get("val_accuracy", 0.0) >= args.target:
                reached.append(time.perf_counter() - started)

    watch = Watch(opts.tracking_uri)
    started = time.perf_counter()
    with stop_when(lambda: bool(reached)):
        run_search(opts, progress_stream=io.StringIO(), inputs=inputs, tracker=watch)
    return reached[0] if reached else args.budget


@contextlib.contextmanager
def stop_when(done):
    """While inside, an oracle proposes nothing more once ``done()`` (the search then ends as usual)."""
    import keras_tuner as kt

    original = kt.Oracle.create_trial

    def create_trial(self, tuner_id):
        if done():
            self.max_trials = len(self.trials)  # KerasTuner's own stop at max_trials
        return original(self, tuner_id)

    kt.Oracle.create_trial = create_trial
    try:
        yield
    finally:
        kt.Oracle.create_trial = original


def plain_run(args: argparse.Namespace, seed: int, root: Path) -> float:
    """Seconds until a plain KerasTuner RandomSearch first reached the target (the budget when not)."""
    import keras
    import keras_tuner as kt

    from automl.builders import InputSpec, build_model
    from automl.data import load_dataset
    from automl.space import build_hyperparameters
    from automl.spec import load_card, load_space

    space, data = load_space(args.space), load_dataset(load_card("digits"))
    spec, hp = InputSpec.from_bundle(data), build_hyperparameters(space)
    started = time.perf_counter()
    reached: list[float] = []

    class Reached(kt.errors.FatalError):
        """Ends the plain search (KerasTuner lets only fatal errors through)."""

    class Stop(keras.callbacks.Callback):
        def on_train_end(self, logs=None) -> None:
            best = max(self.model.history.history.get("val_accuracy", [0.0]))
            if best >= args.target and not reached:
                reached.append(time.perf_counter() - started)
            if reached or time.perf_counter() - started > args.budget:
                raise Reached()

    tuner = kt.RandomSearch(lambda hp: build_model(dict(hp.values), spec, space.spec.train.epochs),
                            hyperparameters=hp, objective="val_accuracy",
                            max_trials=1000, seed=seed + 1, directory=str(root), project_name=f"plain-{seed}",
                            overwrite=True)
    tuner.oracle.verbose = 0
    try:
        tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                     epochs=space.spec.train.epochs, batch_size=hp.values["batch_size"], verbose=0,
                     callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss",
                                                              patience=space.spec.train.early_stopping.patience,
                                                              restore_best_weights=True), Stop()])
    except Reached:
        pass
    return reached[0] if reached else args.budget


def main() -> None:
    """Prints each seed's times, both medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--target", type=float, default=0.98)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--controller", default="evolution")
    parser.add_argument("--space", default="cnn")
    args = parser.parse_args()
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            theirs.append(plain_run(args, seed, Path(tmp) / f"plain{seed}"))
            ours.append(automl_run(args, seed, Path(tmp) / f"automl{seed}"))
            print(f"seed {seed}: plain KerasTuner {theirs[-1]:.1f} s, automl {ours[-1]:.1f} s", flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"time to val_accuracy >= {args.target} on digits, space {args.space}, {args.seeds} seeds "
          f"(budget {args.budget:.0f} s counts when not reached)")
    print(f"plain KerasTuner RandomSearch (baseline): median {b:.1f} s")
    print(f"automl search --controller {args.controller}: median {a:.1f} s  ratio {a / b:.3f}")
    result("time_to_target", controller=args.controller, automl_median_s=round(a, 2), plain_median_s=round(b, 2),
           ratio=round(a / b, 3), automl_reached=sum(t < args.budget for t in ours),
           plain_reached=sum(t < args.budget for t in theirs), seeds=args.seeds)


if __name__ == "__main__":
    main()
