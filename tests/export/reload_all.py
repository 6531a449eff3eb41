"""Run in a fresh process by the export tests: feeds saved inputs to every format of exports.

    python reload_all.py JOBS.pkl OUTPUTS.pkl

JOBS is a dict: name -> (export folder, inputs). Writes a dict: name -> {format name -> the
main output (probabilities, prediction or reconstruction), "outputs" -> the SavedModel's output names}.
"""

import pickle
import sys
from pathlib import Path

import numpy as np

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import automl.builders  # noqa: E402,F401 - registers the custom layer a transformer's .keras file names


def reload(folder: Path, x) -> dict:
    named = x if isinstance(x, dict) else None
    results = {}

    serve = tf.saved_model.load(str(folder / "saved_model"))
    signature = serve.signatures["serving_default"]
    arguments = named or {list(signature.structured_input_signature[1])[0]: x}
    outputs = signature(**{k: tf.constant(v) for k, v in arguments.items()})
    main = next(k for k in ("probabilities", "probability", "prediction", "reconstruction") if k in outputs)
    results["saved_model"] = outputs[main].numpy()
    results["outputs"] = sorted(outputs)

    model = keras.saving.load_model(folder / "model.keras")
    results["keras"] = np.asarray(model(named or tf.constant(x), training=False))

    if (folder / "model.tflite").exists():
        interpreter = tf.lite.Interpreter(model_path=str(folder / "model.tflite"))
        runner = interpreter.get_signature_runner()
        if next(iter(runner.get_input_details().values()))["shape"][0] == 1:  # a recurrent model: one at a time
            rows = len(next(iter(arguments.values())))
            results["tflite"] = np.concatenate([runner(**{k: v[i:i + 1] for k, v in arguments.items()})[main]
                                                for i in range(rows)])
        else:
            results["tflite"] = runner(**arguments)[main]

    if (folder / "model.onnx").exists():
        import onnxruntime

        session = onnxruntime.InferenceSession(str(folder / "model.onnx"))
        feed = {i.name: arguments[i.name.split(":")[0]] for i in session.get_inputs()}
        names = [o.name for o in session.get_outputs()]
        got = dict(zip(names, session.run(None, feed)))
        results["onnx"] = next(v for k, v in got.items() if k.split(":")[0] == main)
    return results


jobs = pickle.load(open(sys.argv[1], "rb"))
pickle.dump({name: reload(Path(folder), x) for name, (folder, x) in jobs.items()}, open(sys.argv[2], "wb"))
