"""Model builders: architecture families (registered by name), heads and compile."""

from __future__ import annotations

import keras

from automl.builders import autoencoder, cnn, mlp, rnn, transformer  # noqa: F401 - registers families
from automl.builders.augment import augmenter
from automl.builders.base import FAMILIES, InputSpec, register
from automl.builders.compile import compile_model, default_objective, head, prepare_targets, schedule_callbacks


def family_values(values: dict) -> dict:
    """The trial's values for its family: ``cnn.filters`` -> ``filters`` (training and augment keys kept)."""
    prefix = f"{values['family']}."
    own = {k: v for k, v in values.items() if "." not in k or k.startswith("augment.")}
    own.update({k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)})
    return own


def build_model(values: dict, spec: InputSpec, epochs: int = 20) -> keras.Model:
    """Builds and compiles one candidate: raw input -> preprocessing -> family -> head.

    Args:
        values: The trial's hyperparameter values (``family`` among them).
        spec: The input's shape, task and training statistics.
        epochs: Planned epochs (cosine schedules span them).

    Returns:
        A compiled Keras model that takes raw (unnormalized) inputs.
    """
    v = family_values(values)
    body = FAMILIES.lookup(v["family"])
    if (spec.task == "reconstruction") != (v["family"] == "autoencoder"):
        raise ValueError(f"family: expected autoencoder for a reconstruction task and the reverse, "
                         f"received family {v['family']!r} for a {spec.task} task")
    inputs, x = _inputs(spec)
    model = keras.Model(inputs, head(body(x, v, spec.for_body()), spec, inputs), name=f"{v['family']}_candidate")
    compile_model(model, v, spec, epochs)
    return model


def _inputs(spec: InputSpec) -> tuple:
    if spec.columns:
        return _column_inputs(spec)
    if spec.kind == "audio":
        from automl.builders.audio import audio_inputs

        return audio_inputs(spec)
    if spec.kind == "text":
        inputs = keras.Input(shape=(), dtype="string", name="text")
        return inputs, inputs
    name = {"image": "image", "sequence": "sequence"}.get(spec.kind, "features")
    inputs = keras.Input(shape=spec.shape, name=name)
    return inputs, keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(inputs)


def _column_inputs(spec: InputSpec) -> tuple:
    """One named input per column, each encoded inside the model, then joined."""
    inputs, encoded = {}, []
    for column in spec.columns:
        if column.kind == "numeric":
            inputs[column.name] = keras.Input(shape=(1,), name=column.name)
            layer = keras.layers.Normalization(mean=[column.mean], variance=[column.variance])
        else:
            inputs[column.name] = keras.Input(shape=(1,), dtype="string", name=column.name)
            layer = keras.layers.StringLookup(vocabulary=list(column.vocabulary), output_mode="one_hot")
        encoded.append(layer(inputs[column.name]))
    joined = keras.layers.Concatenate()(encoded) if len(encoded) > 1 else encoded[0]
    return inputs, joined


__all__ = ["FAMILIES", "InputSpec", "augmenter", "build_model", "default_objective", "family_values", "prepare_targets",
           "register", "schedule_callbacks"]
