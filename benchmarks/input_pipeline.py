"""Input-pipeline benchmark: examples per second fed to a trivial model, with and without
caching and prefetch, measured in the same run (ratios against the plain pipeline).

    .venv/bin/python benchmarks/input_pipeline.py [--examples 60000] [--epochs 3]

The data are the named columns of a mixed table (numeric and categorical, as a
CSV source gives them), where converting strings to tensors each epoch is work
that caching saves; the model is one dense layer so the pipeline dominates.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def table(n: int, seed: int = 0) -> tuple[dict, np.ndarray]:
    """A table of 4 numeric and 4 categorical columns, and binary labels."""
    rng = np.random.default_rng(seed)
    x = {f"num{i}": rng.normal(size=(n, 1)).astype("float32") for i in range(4)}
    x.update({f"cat{i}": rng.choice(["a", "b", "c", "d"], size=(n, 1)).astype(object) for i in range(4)})
    return x, rng.integers(0, 2, n)


def model():
    """Columns in, one dense unit out: as little compute as a model can have."""
    import keras

    from automl.builders.base import ColumnSpec, InputSpec
    from automl.builders import build_model

    columns = tuple([ColumnSpec(f"num{i}", "numeric") for i in range(4)]
                    + [ColumnSpec(f"cat{i}", "categorical", vocabulary=("a", "b", "c", "d")) for i in range(4)])
    spec = InputSpec((sum(c.width for c in columns),), "tabular", "binary", 1, n_train=1, columns=columns)
    values = {"family": "mlp", "layers": 1, "units": 1, "activation": "relu", "dropout": 0.0, "norm": "none",
              "optimizer": "sgd", "learning_rate": 0.01, "batch_size": 256}
    keras.utils.set_random_seed(0)
    return build_model(values, spec)


def examples_per_second(x: dict, y: np.ndarray, epochs: int, **flags) -> float:
    """Trains for ``epochs`` after one warm-up epoch; returns examples per second."""
    from automl.data.feed import to_dataset

    net = model()
    data = to_dataset(x, y, 256, shuffle=True, **flags)
    net.fit(data, epochs=1, shuffle=False, verbose=0)  # tracing and (when cached) filling the cache
    started = time.perf_counter()
    net.fit(data, epochs=epochs, shuffle=False, verbose=0)
    return len(y) * epochs / (time.perf_counter() - started)


def main() -> None:
    """Prints examples per second per variant and the ratios against the plain pipeline."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    x, y = table(args.examples)
    variants = {"plain (no cache, no prefetch)": dict(cache=False, prefetch=False),
                "prefetch only": dict(cache=False, prefetch=True),
                "cache only": dict(cache=True, prefetch=False),
                "cache + prefetch (what automl uses)": dict(cache=True, prefetch=True)}
    rates = {name: examples_per_second(x, y, args.epochs, **flags) for name, flags in variants.items()}
    base = rates["plain (no cache, no prefetch)"]
    print(f"input pipeline: {args.examples} examples x {args.epochs} epochs, batch 256, mixed 8-column table")
    print(f"{'variant':40s} {'examples/s':>12s} {'ratio':>7s}")
    for name, rate in rates.items():
        print(f"{name:40s} {rate:12,.0f} {rate / base:7.2f}")


if __name__ == "__main__":
    main()
