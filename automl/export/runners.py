"""Running an exported artifact on named raw inputs: what a format's plug-in names as its ``run``.

Each runner takes the artifact's path and the inputs (one array, or arrays by input
name) and returns the model's main output (probabilities, probability, prediction or
reconstruction, or a generator's images), so the formats contract suite can check that every artifact
reproduces the model it was written from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAIN_OUTPUTS = ("probabilities", "probability", "prediction", "reconstruction", "images")


def saved_model_outputs(path: Path, x) -> dict[str, np.ndarray]:
    """Every named output of the SavedModel's ``serving_default`` signature."""
    import tensorflow as tf

    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    takes = signature.structured_input_signature[1]
    named = x if isinstance(x, dict) else {list(takes)[0]: x}
    # Inputs the signature does not take are left out (a node task's served model predicts every node).
    return {k: v.numpy() for k, v in signature(**{k: tf.constant(v) for k, v in named.items() if k in takes}).items()}


def run_saved_model(path: Path, x) -> np.ndarray:
    outputs = saved_model_outputs(path, x)
    return outputs[next(k for k in MAIN_OUTPUTS if k in outputs)]


def run_keras(path: Path, x) -> np.ndarray:
    import keras
    import tensorflow as tf

    import automl.builders.blocks  # noqa: F401 - registers the custom layers a .keras file may name
    import automl.builders.diffusion  # noqa: F401 - and the generative models
    import automl.builders.gan  # noqa: F401
    import automl.builders.graph  # noqa: F401 - and the graph layers (GraphConv, ...)

    model = keras.saving.load_model(path)
    return np.asarray(model(x if isinstance(x, dict) else tf.constant(x), training=False))


def run_tflite(path: Path, x) -> np.ndarray:
    import tensorflow as tf

    runner = tf.lite.Interpreter(model_path=str(path)).get_signature_runner()
    details = runner.get_input_details()
    named = {k: v for k, v in x.items() if k in details} if isinstance(x, dict) else {next(iter(details)): x}
    main = lambda out: out[next(k for k in MAIN_OUTPUTS if k in out)]  # noqa: E731
    if next(iter(details.values()))["shape_signature"][0] == 1:  # a recurrent model: one example at a time
        rows = len(next(iter(named.values())))
        return np.concatenate([main(runner(**{k: v[i:i + 1] for k, v in named.items()})) for i in range(rows)])
    return main(runner(**named))


def run_onnx(path: Path, x) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path))
    first = session.get_inputs()[0].name.split(":")[0]
    named = x if isinstance(x, dict) else {first: x}
    got = dict(zip([o.name for o in session.get_outputs()],
                   session.run(None, {i.name: named[i.name.split(":")[0]] for i in session.get_inputs()})))
    return next(got[k] for m in MAIN_OUTPUTS for k in got if k.split(":")[0] == m)
