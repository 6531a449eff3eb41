"""Memory across trials: resident memory after each of 100 trials of a small search.

    .venv/bin/python benchmarks/memory.py [--trials 100] [--no-baseline]

The search is a small MLP space on digits (2 epochs a trial, random
controller, MLflow tracking to a fresh SQLite store). Resident memory is read
after each trial ends; the figure is the least-squares slope in MB per trial
over trials 10 to N (the first ones warm TensorFlow up). The baseline, in the
same run, is a plain loop that builds and fits the same kind of model N times
with ``keras.backend.clear_session()`` between them.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import textwrap
from pathlib import Path

from common import TrialClock, result, rss_mb, slope

SPACE = """\
    name: small_mlp
    family: mlp
    model:
      layers: {int: [1, 2]}
      units: {choice: [16, 32, 64]}
      activation: {choice: [relu, tanh]}
    train:
      learning_rate: {float: [1.0e-3, 1.0e-2], log: true}
      batch_size: 64
      epochs: 2
    search:
      max_trials: 100
"""
SKIP = 10  # warm-up trials left out of the slope


def search(trials: int, root: Path) -> list[float]:
    """Resident MB after each trial of the search."""
    from automl.app.search import SearchOptions, run_search
    from automl.tracking import MlflowTracker

    space = root / "small_mlp.yaml"
    space.write_text(textwrap.dedent(SPACE))
    opts = SearchOptions(dataset="digits", space=str(space), max_trials=trials, seed=0, experiment="memory",
                         export_dir=str(root / "exports"), state_dir=str(root / "state"),
                         tracking_uri=f"sqlite:///{root / 'mlflow.db'}", device="cpu", fresh=True)
    clock = TrialClock(MlflowTracker(opts.tracking_uri))
    run_search(opts, progress_stream=io.StringIO(), tracker=clock)
    return clock.rss


def baseline(trials: int) -> list[float]:
    """Resident MB after each of ``trials`` plain build-and-fit rounds of a small MLP."""
    import keras

    from automl.data import load_dataset
    from automl.spec import load_card

    data = load_dataset(load_card("digits"))
    x = data.x_train.reshape(len(data.x_train), -1)
    seen = []
    for k in range(trials):
        model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Dense(16 * (1 + k % 4), activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, data.y_train, batch_size=64, epochs=2, verbose=0,
                  validation_data=(data.x_val.reshape(len(data.x_val), -1), data.y_val))
        keras.backend.clear_session(free_memory=True)
        seen.append(rss_mb())
    return seen


def main() -> None:
    """Prints the slopes in MB per trial and the memory at the start and end."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    plain = None if args.no_baseline else baseline(args.trials)
    with tempfile.TemporaryDirectory() as tmp:
        rss = search(args.trials, Path(tmp))
    grow = slope(rss[SKIP:])
    print(f"memory benchmark: digits, small mlp, {len(rss)} trials of 2 epochs")
    print(f"automl search: {rss[0]:.0f} MB after trial 1, {rss[-1]:.0f} MB after trial {len(rss)}; "
          f"slope {grow:.3f} MB/trial (trials {SKIP + 1}-{len(rss)})")
    figures = {"slope_mb_per_trial": round(grow, 3), "rss_first_mb": round(rss[0]), "rss_last_mb": round(rss[-1])}
    if plain:
        base = slope(plain[SKIP:])
        print(f"plain Keras loop (baseline): {plain[0]:.0f} MB -> {plain[-1]:.0f} MB; slope {base:.3f} MB/round")
        figures["baseline_slope_mb_per_trial"] = round(base, 3)
    result("memory", **figures)


if __name__ == "__main__":
    main()
