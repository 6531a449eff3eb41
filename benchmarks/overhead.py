"""Overhead: `automl search` against a plain script that fits the same models, in the same run.

    .venv/bin/python benchmarks/overhead.py [--trials 10] [--epochs 8] [--space cnn]

The search runs N configurations of the space on digits (random controller,
seed 0, MLflow tracking to a fresh SQLite store, as `automl search` does by
default). Early stopping's patience is set past the epoch count so every
model trains exactly ``--epochs`` epochs on both sides. The plain script then
builds the same N models (read back from the search's trials) and calls
`model.fit` on the same arrays with the same batch size, epochs and
early-stopping callback, clearing the Keras session between models. A warm-up
fit first traces TensorFlow's graphs in no one's time.

Prints the wall time of each and their ratio: for the trials (the search up to
its last trial's end) and for the whole command (with the test score, the
export and the logged model).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

from common import TrialClock, result


def search(args: argparse.Namespace, root: Path):
    """The search through the pipeline; returns (trials seconds, whole seconds, state folder, data)."""
    from automl.app.search import SearchOptions, load_inputs, run_search
    from automl.tracking import MlflowTracker

    opts = SearchOptions(dataset="digits", space=args.space, controller="random", max_trials=args.trials,
                         epochs=args.epochs, seed=0, experiment="overhead", export_dir=str(root / "exports"),
                         state_dir=str(root / "state"), tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
                         device="cpu", fresh=True, settings=("train.early_stopping.patience=10000",))
    inputs = load_inputs(opts)
    clock = TrialClock(MlflowTracker(opts.tracking_uri))
    started = time.perf_counter()
    run_search(opts, progress_stream=io.StringIO(), inputs=inputs, tracker=clock)
    whole = time.perf_counter() - started
    return clock.ends[-1], whole, root / "state" / "overhead", inputs


def configurations(state: Path) -> list[dict]:
    """The values of the search's trials, in trial order (KerasTuner's trial.json files)."""
    files = sorted(state.glob("trial_*/trial.json"))
    return [json.loads(f.read_text())["hyperparameters"]["values"] for f in files]


def plain(configs: list[dict], inputs, args: argparse.Namespace) -> float:
    """Builds and fits each configuration with bare Keras; returns the wall time."""
    import keras

    from automl.builders import InputSpec, build_model, family_values, prepare_targets

    _, space, data = inputs
    spec = InputSpec.from_bundle(data)
    patience = space.spec.train.early_stopping
    started = time.perf_counter()
    for k, values in enumerate(configs):
        keras.utils.set_random_seed(k)
        model = build_model(dict(values), spec, args.epochs)
        own = family_values(values)
        model.fit(data.x_train, prepare_targets(own, spec, data.y_train), batch_size=values["batch_size"],
                  epochs=args.epochs, verbose=0,
                  validation_data=(data.x_val, prepare_targets(own, spec, data.y_val)),
                  callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=10000,
                                                           restore_best_weights=patience.restore_best_weights)])
        keras.backend.clear_session(free_memory=True)
    return time.perf_counter() - started


def warm_up(inputs, args: argparse.Namespace) -> None:
    """One short fit, so TensorFlow's first-use costs fall on neither side."""
    from automl.space import build_hyperparameters

    plain([dict(build_hyperparameters(inputs[1]).values)], inputs, argparse.Namespace(**{**vars(args), "epochs": 1}))


def main() -> None:
    """Prints both wall times and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--space", default="cnn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from automl.app.search import SearchOptions, load_inputs

        warm_up(load_inputs(SearchOptions(dataset="digits", space=args.space)), args)
        trials_s, whole_s, state, inputs = search(args, Path(tmp))
        configs = configurations(state)
        plain_s = plain(configs, inputs, args)
    print(f"overhead benchmark: digits, space {args.space}, {len(configs)} configurations x {args.epochs} epochs")
    print(f"plain Keras script:          {plain_s:7.1f} s (baseline)")
    print(f"automl search, trials:       {trials_s:7.1f} s  ratio {trials_s / plain_s:.3f}")
    print(f"automl search, whole command:{whole_s:7.1f} s  ratio {whole_s / plain_s:.3f}"
          f" (adds the test score, the export and the logged model)")
    result("overhead", plain_s=round(plain_s, 2), search_trials_s=round(trials_s, 2), search_whole_s=round(whole_s, 2),
           ratio_trials=round(trials_s / plain_s, 3), ratio_whole=round(whole_s / plain_s, 3))


if __name__ == "__main__":
    main()
