"""Small synthetic inputs of every kind, for building and one-step training."""

import numpy as np
import pytest

from automl.builders import InputSpec

TEXTS = np.array(["the cat sat on the mat", "a dog ran far away", "cats and dogs play",
                  "stock prices fell today", "markets rose on good news", "rain is expected"] * 4,
                 dtype=object)
SHAPES = {"tabular": (6,), "image": (8, 8, 1), "sequence": (10, 3), "text": (), "audio": (2000,)}
OUTPUTS = {"multiclass": 3, "binary": 1, "multilabel": 4, "regression": 1, "reconstruction": 1}


def make_spec(kind: str, task: str = "multiclass") -> InputSpec:
    """An InputSpec of one input kind and task, with unit statistics."""
    if kind == "text":
        return InputSpec((), "text", task, OUTPUTS[task], n_train=len(TEXTS), texts=TEXTS)
    if kind == "audio":  # 0.25 s at 8 kHz -> a 26 x 16 log-mel image
        return InputSpec((2000,), "audio", task, OUTPUTS[task], np.zeros(1, "float32"), np.ones(1, "float32"),
                         n_train=24, sampling_rate=8000, num_mel_bins=16, image_shape=(26, 16, 1))
    channels = SHAPES[kind][-1]
    return InputSpec(SHAPES[kind], kind, task, OUTPUTS[task], np.zeros(channels, "float32"),
                     np.ones(channels, "float32"), n_train=24)


def make_batch(spec: InputSpec, n: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets that fit the spec's kind and task."""
    rng = np.random.default_rng(seed)
    x = TEXTS[:n] if spec.kind == "text" else rng.normal(size=(n, *spec.shape)).astype("float32")
    targets = {
        "multiclass": lambda: rng.integers(0, spec.num_outputs, n),
        "binary": lambda: rng.integers(0, 2, n),
        "multilabel": lambda: rng.integers(0, 2, (n, spec.num_outputs)).astype("float32"),
        "regression": lambda: rng.normal(size=n).astype("float32"),
        "reconstruction": lambda: x,
    }
    return x, targets[spec.task]()


@pytest.fixture()
def spec_of():
    return make_spec
