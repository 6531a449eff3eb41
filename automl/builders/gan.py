"""A DCGAN-style generative adversarial network on plain Keras 3, trained by its own step.

The generator upsamples a latent vector (joined with a label embedding when
conditional) to the image size; the discriminator mirrors it and, when
conditional, adds a projection of the label embedding onto its features
(Miyato and Koyama, 2018). Three losses: ``non_saturating`` (Goodfellow et
al., 2014), ``hinge`` (Lim and Ye, 2017) and ``wasserstein_gp`` (Gulrajani et
al., 2017) with its penalty weight.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from automl.builders.generative import LABEL, NOISE, STEPS_PER_EXECUTION, GenerativeModel, build_generative, \
    mean_trackers, twos, upsample

MAX_FILTERS = 512


@keras.saving.register_keras_serializable("automl")
class GanModel(GenerativeModel):
    """A generator and a discriminator; ``model(noise)`` is the generator, in the data's range."""

    def __init__(self, values: dict, shape: tuple, classes: int = 0, value_range: tuple = (0.0, 1.0),
                 n_train: int = 1000, epochs: int = 20, **kwargs: Any) -> None:
        super().__init__(values, shape, classes, value_range, n_train, epochs, **kwargs)
        v, labelled = self.values, self.classes if self.conditional else 0
        self.latent = int(v["latent"])
        self.loss_kind, self.d_steps = v["gan_loss"], int(v["d_steps"])
        self.gp_weight = float(v.get("gp_weight", 10.0))
        self.generator = generator_net(v, self.image_shape, labelled)
        self.discriminator = discriminator_net(v, self.image_shape, labelled)
        self.d_optimizer = keras.optimizers.Adam(v["d_learning_rate"], beta_1=v["d_beta_1"], beta_2=v["d_beta_2"])
        if keras.mixed_precision.global_policy().compute_dtype == "float16":  # as compile wraps the generator's
            self.d_optimizer = keras.optimizers.LossScaleOptimizer(self.d_optimizer)
        self.trackers = mean_trackers("d_loss", "g_loss")
        self.seeds = keras.random.SeedGenerator(int(v.get("seed", 0)) or None)
        self.built = True

    @property
    def noise_shape(self) -> tuple[int, ...]:
        return (self.latent,)

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    def compile_for_search(self) -> None:
        """The generator's Adam is the model's optimizer (the one a trial's log reads the rate of)."""
        v = self.values
        self.compile(optimizer=keras.optimizers.Adam(v["g_learning_rate"], beta_1=v["g_beta_1"],
                                                     beta_2=v["g_beta_2"]),
                     steps_per_execution=STEPS_PER_EXECUTION)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def build_optimizers(self) -> None:
        """Each Adam over its own network, as training makes them."""
        self.optimizer.build(self.generator.trainable_variables)

    def sample(self, noise: Any, labels: Any) -> Any:
        return self.generator(self._g_in(noise, labels), training=False)

    def _g_in(self, noise: Any, labels: Any) -> Any:
        return {NOISE: noise, LABEL: labels} if self.conditional else noise

    def _d(self, images: Any, labels: Any, training: bool) -> Any:
        out = self.discriminator({"image": images, LABEL: labels} if self.conditional else images, training=training)
        return tf.cast(out, tf.float32)  # the losses in float32, also under mixed precision

    def _adversarial(self, real: Any, labels: Any, training: bool) -> tuple[Any, Any]:
        """The discriminator's and the generator's loss on one batch (the penalty's tape inside)."""
        z = keras.random.normal((tf.shape(real)[0], self.latent), seed=self.seeds)
        fake = self.generator(self._g_in(z, labels), training=training)
        real_out, fake_out = self._d(real, labels, training), self._d(fake, labels, training)
        d_loss, g_loss = adversarial_losses(self.loss_kind, real_out, fake_out)
        if self.loss_kind == "wasserstein_gp":
            d_loss = d_loss + self.gp_weight * self._penalty(real, tf.stop_gradient(fake), labels, training)
        return d_loss, g_loss

    def _penalty(self, real: Any, fake: Any, labels: Any, training: bool) -> Any:
        """The gradient penalty: the critic's gradient norm kept near 1 between real and generated images."""
        mix = keras.random.uniform((tf.shape(real)[0], 1, 1, 1), seed=self.seeds)
        between = mix * real + (1.0 - mix) * fake
        with tf.GradientTape() as tape:
            tape.watch(between)
            out = self._d(between, labels, training)
        grads = tape.gradient(out, between)
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
        return tf.reduce_mean(tf.square(norm - 1.0))

    def train_step(self, data: Any) -> dict:
        x, y = data[0], data[1]
        real, labels = self.to_unit(x), (tf.cast(y, tf.int32) if self.conditional else None)
        d_vars, g_vars = self.discriminator.trainable_variables, self.generator.trainable_variables
        for _ in range(self.d_steps):
            with tf.GradientTape() as tape:
                d_loss, _ = self._adversarial(real, labels, True)
                scaled = self.d_optimizer.scale_loss(d_loss)  # under mixed precision: no float16 underflow
            self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, d_vars), d_vars))
        with tf.GradientTape() as tape:
            _, g_loss = self._adversarial(real, labels, True)
            scaled = self.optimizer.scale_loss(g_loss)
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, g_vars), g_vars))
        return self._report(d_loss, g_loss)

    def test_step(self, data: Any) -> dict:
        x, y = data[0], data[1]
        d_loss, g_loss = self._adversarial(self.to_unit(x), tf.cast(y, tf.int32) if self.conditional else None, False)
        return self._report(d_loss, g_loss)

    def _report(self, d_loss: Any, g_loss: Any) -> dict:
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["g_loss"].update_state(g_loss)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


def adversarial_losses(kind: str, real_out: Any, fake_out: Any) -> tuple[Any, Any]:
    """The discriminator's and the generator's loss from the discriminator's logits on real and fake images."""
    if kind == "hinge":
        return (tf.reduce_mean(tf.nn.relu(1.0 - real_out)) + tf.reduce_mean(tf.nn.relu(1.0 + fake_out)),
                -tf.reduce_mean(fake_out))
    if kind == "wasserstein_gp":
        return tf.reduce_mean(fake_out) - tf.reduce_mean(real_out), -tf.reduce_mean(fake_out)
    # non_saturating: the generator maximizes log D(G(z)) rather than minimizing log(1 - D(G(z)))
    return (tf.reduce_mean(tf.nn.softplus(-real_out)) + tf.reduce_mean(tf.nn.softplus(fake_out)),
            tf.reduce_mean(tf.nn.softplus(-fake_out)))


def _norm(x: Any, kind: str) -> Any:
    if kind == "batch":
        return keras.layers.BatchNormalization()(x)
    if kind == "layer":
        return keras.layers.LayerNormalization()(x)
    return x


def generator_net(v: dict, shape: tuple, classes: int) -> keras.Model:
    """Latent (and label) -> dense -> ``g_layers`` blocks of (upsample), conv, norm, activation -> tanh image."""
    from automl.builders.blocks import activation

    h, w, c = shape
    blocks, ups = int(v["g_layers"]), min(int(v["g_layers"]), twos(h), twos(w))
    widths = [min(MAX_FILTERS, int(v["g_filters"]) * 2 ** (blocks - 1 - i)) for i in range(blocks)]
    z = keras.Input((int(v["latent"]),), name=NOISE)
    inputs: Any = z
    x = z
    if classes:
        label = keras.Input((), dtype="int32", name=LABEL)
        x = keras.layers.Concatenate()([z, keras.layers.Flatten()(keras.layers.Embedding(classes, 16)(label))])
        inputs = {NOISE: z, LABEL: label}
    h0, w0 = h >> ups, w >> ups
    init = v.get("initializer", "glorot_uniform")
    x = keras.layers.Dense(h0 * w0 * widths[0], kernel_initializer=init)(x)
    x = activation(_norm(keras.layers.Reshape((h0, w0, widths[0]))(x), v["norm"]), v["activation"])
    for i, filters in enumerate(widths):
        x = upsample(x) if i < ups else x  # resize + conv: no checkerboard of strided transposes
        x = keras.layers.Conv2D(filters, 3, padding="same", kernel_initializer=init)(x)
        x = activation(_norm(x, v["norm"]), v["activation"])
    out = keras.layers.Conv2D(c, 3, padding="same", activation="tanh", dtype="float32")(x)
    return keras.Model(inputs, out, name="generator")


def discriminator_net(v: dict, shape: tuple, classes: int) -> keras.Model:
    """Image (and label) -> ``d_layers`` strided conv blocks -> one logit (plus the label projection)."""
    h, w, _ = shape
    norm = v["d_norm"]
    if norm == "batch" and v["gan_loss"] == "wasserstein_gp":
        norm = "layer"  # the penalty is per image; batch statistics would mix the images (Gulrajani et al.)
    downs = min(int(v["d_layers"]), twos(h), twos(w))
    image = keras.Input(shape, name="image")
    x: Any = image
    for i in range(int(v["d_layers"])):
        conv = keras.layers.Conv2D(min(MAX_FILTERS, int(v["d_filters"]) * 2 ** i), 3, strides=2 if i < downs else 1,
                                   padding="same")
        x = (keras.layers.SpectralNormalization(conv) if norm == "spectral" else conv)(x)
        x = keras.layers.LeakyReLU(0.2)(_norm(x, norm))
        x = keras.layers.Dropout(v["dropout"])(x) if v.get("dropout", 0.0) > 0 else x
    features = keras.layers.Flatten()(x)
    head = keras.layers.Dense(1, dtype="float32")
    out = (keras.layers.SpectralNormalization(head) if norm == "spectral" else head)(features)
    if not classes:
        return keras.Model(image, out, name="discriminator")
    label = keras.Input((), dtype="int32", name=LABEL)
    embedded = keras.layers.Flatten()(keras.layers.Embedding(classes, int(features.shape[-1]))(label))
    projection = keras.ops.sum(keras.ops.multiply(embedded, features), axis=-1, keepdims=True)
    return keras.Model({"image": image, LABEL: label}, keras.layers.Add()([out, projection]), name="discriminator")


def build(v: dict, spec: Any, epochs: int) -> GanModel:
    """The family's whole model, compiled (the families catalog's ``build`` for a generative family)."""
    return build_generative(GanModel, v, spec, epochs)
