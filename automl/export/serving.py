"""The serving function of an export: named raw inputs in, outputs that say what they are.

Classification gives ``probabilities`` (or ``probability``), ``class_id`` and
``label`` (the class name); regression gives ``prediction``; an autoencoder
gives ``reconstruction``; a generative model gives ``images`` from ``noise`` (and
``label``), and a second signature, ``generate``, from a seed and a count. The model's own preprocessing (normalization,
string lookups, tokenizers) is inside, so the inputs are raw values. A graph
model takes the raw graph tensors by name; a node task's serving function
predicts every node of the graph it is given (no ``node_index``).
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import tensorflow as tf

from automl.data.graphs import NODE_FEATURES, NODE_INDEX


def input_signature(model: keras.Model) -> Any:
    """One `tf.TensorSpec` per model input, named after it (a dict when the model takes a dict)."""
    def spec(tensor: Any) -> tf.TensorSpec:
        name = tensor.name.split(":")[0]
        return tf.TensorSpec(tensor.shape, tf.as_dtype(tensor.dtype), name=name)

    inputs = model.inputs
    if isinstance(model.input, dict) or len(inputs) > 1:
        return {tensor.name.split(":")[0]: spec(tensor) for tensor in inputs}
    return spec(inputs[0])


def outputs_for(task: str, class_names: list[str]) -> Callable[[tf.Tensor], dict[str, tf.Tensor]]:
    """Turns the model's output into the named outputs of ``task`` (as the tasks catalog names them)."""
    from automl.catalog import resolve
    from automl.plugins.tasks import TASKS

    entry = TASKS.get(task)
    names = tf.constant([str(n) for n in class_names] or [""])
    make = resolve(entry.serving)
    return lambda p: make(p, names, entry)


def argmax_outputs(p: tf.Tensor, names: tf.Tensor, task: Any) -> dict[str, tf.Tensor]:
    """The probabilities, the likeliest class's id and its name."""
    ids = tf.argmax(p, axis=-1, output_type=tf.int32)
    return {task.serving_output: p, "class_id": ids, "label": tf.gather(names, ids)}


def threshold_outputs(p: tf.Tensor, names: tf.Tensor, task: Any) -> dict[str, tf.Tensor]:
    """The probability of the second class, its id (over 0.5: 1) and its name."""
    ids = tf.cast(p[:, 0] > 0.5, tf.int32)
    return {task.serving_output: p, "class_id": ids, "label": tf.gather(names, ids)}


def plain_outputs(p: tf.Tensor, names: tf.Tensor, task: Any) -> dict[str, tf.Tensor]:
    """The model's output alone, under the task's name for it."""
    return {task.serving_output: p}


def serving_function(model: keras.Model, task: str, class_names: list[str],
                     batch: int | None = None) -> tuple[Callable, Any]:
    """The function to serve and its input signature (for `keras.export.ExportArchive`).

    ``batch`` fixes the batch size of the signature (``None``: any).
    """
    from automl.plugins.tasks import TASKS

    if not class_names and TASKS.get(task).labels:  # no names given: the ids, as text (one sigmoid: two classes)
        class_names = [str(i) for i in range(max(2, int(model.outputs[0].shape[-1])))]
    named = outputs_for(task, class_names)
    signature = tf.nest.map_structure(lambda s: tf.TensorSpec((batch, *s.shape[1:]), s.dtype, name=s.name),
                                      input_signature(model))
    if isinstance(signature, dict) and NODE_INDEX in signature:
        # A node task's model predicts the nodes it is given; a served one predicts every node.
        del signature[NODE_INDEX]

        def serve(inputs: Any) -> dict[str, tf.Tensor]:
            every = tf.range(tf.shape(inputs[NODE_FEATURES])[0], dtype=tf.int32)
            return named(model({**inputs, NODE_INDEX: every}, training=False))

        return serve, signature

    def serve(inputs: Any) -> dict[str, tf.Tensor]:
        return named(model(inputs, training=False))

    return serve, signature


def write_saved_model(model: keras.Model, path: str, task: str, class_names: list[str],
                      batch: int | None = None) -> None:
    """Writes a SavedModel whose ``serving_default`` signature is `serving_function`."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    if hasattr(model, "endpoints"):  # a generative model: noise (or a seed) in, images out
        for name, function, specs in model.endpoints():
            archive.add_endpoint(name, function, input_signature=specs)
        archive.write_out(path, verbose=False)
        return
    serve, signature = serving_function(model, task, class_names, batch)
    archive.add_endpoint("serve", serve, input_signature=[signature])
    archive.write_out(path, verbose=False)
