"""What the generative families share: a model whose call turns noise (and a label) into images.

A GAN and a diffusion model train with their own steps (two networks, or a
denoiser and a noise schedule), but a search, an export and `automl generate`
see the same thing: ``model(noise)``, or ``model({"noise": ..., "label": ...})``
when the model is class-conditional, gives images in the training images'
own value range. The model rebuilds its networks from its config (the trial's
values and the data's shape), so ``model.keras`` files and the weights files
of a search reload by the usual Keras routes.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np
import tensorflow as tf

NOISE, LABEL, IMAGES = "noise", "label", "images"
# Batches run per call into the compiled train step, as for every other family (automl.builders.compile).
STEPS_PER_EXECUTION = 8


class GenerativeModel(keras.Model):
    """Noise (and a class label) in, images in the data's value range out; subclasses train it.

    Args:
        values: The trial's values for the family (``conditional`` among them).
        shape: One image's shape ``(height, width, channels)``.
        classes: The data's number of classes (0 when it has no labels).
        value_range: The training images' ``(min, max)``: samples come out in this range.
        n_train: Training images (schedules counted in epochs need it).
        epochs: Planned epochs.

    Raises:
        ValueError: A conditional model on data without classes.
    """

    def __init__(self, values: dict, shape: tuple, classes: int = 0, value_range: tuple = (0.0, 1.0),
                 n_train: int = 1000, epochs: int = 20, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values = dict(values)
        self.image_shape = tuple(int(s) for s in shape)
        self.classes = int(classes)
        self.value_range = (float(value_range[0]), float(value_range[1]))
        self.n_train, self.planned_epochs = int(n_train), int(epochs)
        self.conditional = bool(self.values.get("conditional", False))
        if self.conditional and self.classes < 2:
            raise ValueError(f"conditional: expected data with at least 2 classes for a conditional model, "
                             f"received {self.classes}")

    # --- what subclasses define ---------------------------------------------------

    @property
    def noise_shape(self) -> tuple[int, ...]:
        """The shape of one example's noise."""
        raise NotImplementedError

    def sample(self, noise: Any, labels: Any) -> Any:
        """Images in [-1, 1] from ``noise`` (and ``labels``, None when not conditional)."""
        raise NotImplementedError

    # --- the shared model ---------------------------------------------------------

    def get_config(self) -> dict:
        return {"values": self.values, "shape": list(self.image_shape), "classes": self.classes,
                "value_range": list(self.value_range), "n_train": self.n_train, "epochs": self.planned_epochs,
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "GenerativeModel":
        return cls(**config)

    def call(self, inputs: Any, training: bool = False) -> Any:
        noise, labels = self._split(inputs)
        return self.from_unit(self.sample(noise, labels))

    def _split(self, inputs: Any) -> tuple[Any, Any]:
        noise = inputs[NOISE] if isinstance(inputs, dict) else inputs
        labels = inputs.get(LABEL) if isinstance(inputs, dict) else None
        if self.conditional and labels is None:
            labels = self.cycled_labels(keras.ops.shape(noise)[0])
        return noise, (keras.ops.cast(labels, "int32") if self.conditional else None)

    def cycled_labels(self, n: Any) -> Any:
        """Labels 0, 1, ..., classes - 1, 0, 1, ...: a grid shows every class in each row."""
        return keras.ops.mod(keras.ops.arange(n, dtype="int32"), self.classes)

    def to_unit(self, x: Any) -> Any:
        """Training images from the data's range to [-1, 1], where the networks work."""
        low, high = self.value_range
        return (keras.ops.cast(x, "float32") - low) / max(high - low, 1e-12) * 2.0 - 1.0

    def from_unit(self, z: Any) -> Any:
        """Generated images from [-1, 1] back to the data's range."""
        low, high = self.value_range
        z = keras.ops.clip(keras.ops.cast(z, "float32"), -1.0, 1.0)
        return (z + 1.0) / 2.0 * (high - low) + low

    def inputs_for(self, n: int, seed: int = 0, label: int | None = None) -> Any:
        """The model's input for ``n`` samples: seeded noise (the export's ``generate`` draws the same),
        and the labels (``label`` for all, or cycled through the classes) when conditional."""
        noise = tf.random.stateless_normal((n, *self.noise_shape), seed=(seed, 0)).numpy()
        if not self.conditional:
            return noise
        labels = np.arange(n) % self.classes if label is None else np.full(n, label)
        return {NOISE: noise, LABEL: labels.astype("int32")}

    def generate(self, n: int, seed: int = 0, label: int | None = None, labels: np.ndarray | None = None,
                 batch_size: int = 256) -> np.ndarray:
        """``n`` images (numpy, in the data's range) from the noise of ``seed``.

        Args:
            n: How many.
            seed: The noise's seed: the same seed gives the same images here and in an export.
            label: One class for every image (conditional models; default: cycled through the classes).
            labels: One class per image, instead of ``label``.
            batch_size: Images per call.
        """
        inputs = self.inputs_for(n, seed, label)
        if labels is not None and self.conditional:
            inputs[LABEL] = np.asarray(labels, dtype="int32")
        return np.asarray(self.predict(inputs, batch_size=batch_size, verbose=0))

    def card_facts(self) -> dict:
        """What the model card says of the generator: its noise, classes and value range."""
        return {"conditional": self.conditional, "classes": self.classes if self.conditional else 0,
                "noise_shape": list(self.noise_shape), "value_range": list(self.value_range)}

    def example_inputs(self, n: int) -> Any:
        """A few inputs of the model, for MLflow's signature and the latency measure."""
        return self.inputs_for(n)

    # --- serving --------------------------------------------------------------------

    def endpoints(self) -> list[tuple[str, Callable, list]]:
        """The export's functions: ``serve`` (its ``serving_default``: noise, and labels when conditional)
        and ``generate`` (a seed, a count and a label: -1 cycles through the classes)."""
        noise = tf.TensorSpec((None, *self.noise_shape), tf.float32, name=NOISE)
        signature = {NOISE: noise}
        if self.conditional:
            signature[LABEL] = tf.TensorSpec((None,), tf.int32, name=LABEL)

        def serve(inputs: dict) -> dict:
            return {IMAGES: self(inputs, training=False)}

        def generate(seed: tf.Tensor, count: tf.Tensor, label: tf.Tensor) -> dict:
            drawn = tf.random.stateless_normal(tf.concat([[count], self.noise_shape], 0), seed=tf.stack([seed, 0]))
            if not self.conditional:
                return {IMAGES: self(drawn, training=False)}
            labels = tf.where(label < 0, self.cycled_labels(count), tf.fill([count], label))
            return {IMAGES: self({NOISE: drawn, LABEL: labels}, training=False)}

        scalars = [tf.TensorSpec((), tf.int32, name=name) for name in ("seed", "count", "label")]
        return [("serve", serve, [signature]), ("generate", generate, scalars)]


def twos(n: int) -> int:
    """How many times ``n`` halves evenly (8: 3, 28: 2, 7: 0): the most a network can down- or upsample it."""
    count = 0
    while n > 1 and n % 2 == 0:
        n, count = n // 2, count + 1
    return count


def upsample(x: Any) -> Any:
    """Twice the height and width (nearest neighbour), the shape kept static.

    Keras' UpSampling2D repeats along each axis, which leaves the height unknown in
    the traced graph; TFLite's converter then refuses the convolution after it.
    """
    _, h, w, c = x.shape
    return keras.layers.Reshape((2 * h, 2 * w, c))(keras.layers.UpSampling2D(2)(x))


def mean_trackers(*names: str) -> dict[str, keras.metrics.Mean]:
    """Running means of the losses a train step reports, by name."""
    return {name: keras.metrics.Mean(name=name) for name in names}


def build_generative(cls: type, v: dict, spec: Any, epochs: int) -> GenerativeModel:
    """A generative model of class ``cls`` for the data ``spec`` describes, compiled."""
    model = cls(v, spec.shape, spec.num_outputs if spec.num_outputs > 1 else 0, spec.value_range, spec.n_train,
                epochs, name=f"{v['family']}_candidate")
    model.compile_for_search()
    return model
