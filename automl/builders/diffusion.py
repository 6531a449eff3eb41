"""A denoising diffusion model on plain Keras 3: a small U-Net, a noise schedule, DDIM sampling.

Training draws a step t and noise, mixes the image with the noise as the
schedule says, and teaches the U-Net to predict the noise (Ho et al., 2020).
Sampling runs DDIM (Song et al., 2021) without added noise: ``sampling_steps``
evenly spaced steps from pure noise, deterministic given the noise, inside the
model's own call, so an export samples exactly as the search did. With ``ema``
above 0 a second copy of the U-Net follows an exponential moving average of
the weights and is the one that samples.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from automl.builders.generative import LABEL, STEPS_PER_EXECUTION, GenerativeModel, build_generative, \
    mean_trackers, twos, upsample

MAX_WIDTH = 512
NOISY, TIME = "noisy", "time"


@keras.saving.register_keras_serializable("automl")
class DiffusionModel(GenerativeModel):
    """A U-Net that predicts the noise in an image; ``model(noise)`` samples images by DDIM."""

    def __init__(self, values: dict, shape: tuple, classes: int = 0, value_range: tuple = (0.0, 1.0),
                 n_train: int = 1000, epochs: int = 20, **kwargs: Any) -> None:
        super().__init__(values, shape, classes, value_range, n_train, epochs, **kwargs)
        v = self.values
        self.noise_steps = int(v["noise_steps"])
        self.alpha_bar = alpha_bars(v["noise_schedule"], self.noise_steps)
        self.time_width = max(8, 2 * (int(v["width"]) // 2))
        labelled = self.classes if self.conditional else 0
        self.denoiser = unet(v, self.image_shape, labelled, self.time_width, "denoiser")
        self.ema = float(v.get("ema", 0.0))
        self.ema_denoiser = unet(v, self.image_shape, labelled, self.time_width, "ema_denoiser") if self.ema else None
        if self.ema_denoiser is not None:
            self.ema_denoiser.set_weights(self.denoiser.get_weights())
            self.ema_denoiser.trainable = False
        self.trackers = mean_trackers("loss")
        self.seeds = keras.random.SeedGenerator(int(v.get("seed", 0)) or None)
        self.built = True

    @property
    def noise_shape(self) -> tuple[int, ...]:
        return self.image_shape

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    def compile_for_search(self) -> None:
        """The trial's optimizer and schedule from the train section, as for a supervised family."""
        from automl.builders.base import InputSpec
        from automl.builders.compile import optimizer

        spec = InputSpec(self.image_shape, "image", "generation", 1, n_train=self.n_train)
        self.compile(optimizer=optimizer(self.values, spec, self.planned_epochs),
                     steps_per_execution=STEPS_PER_EXECUTION)

    def build_optimizers(self) -> None:
        """The optimizer over the denoiser (the moving average is not trained)."""
        self.optimizer.build(self.denoiser.trainable_variables)

    def _net_in(self, noisy: Any, t: Any, labels: Any) -> dict:
        inputs = {NOISY: noisy, TIME: time_features(t, self.time_width)}
        return {**inputs, LABEL: labels} if self.conditional else inputs

    def _noise_loss(self, x: Any, y: Any, training: bool) -> Any:
        """The noise-prediction error at random steps (Ho et al.'s simple loss)."""
        x0 = self.to_unit(x)
        n = tf.shape(x0)[0]
        t = keras.random.randint((n,), 0, self.noise_steps, seed=self.seeds)
        noise = keras.random.normal(tf.shape(x0), seed=self.seeds)
        ab = tf.reshape(tf.gather(tf.constant(self.alpha_bar, tf.float32), t), (-1, 1, 1, 1))
        noisy = tf.sqrt(ab) * x0 + tf.sqrt(1.0 - ab) * noise
        labels = tf.cast(y, tf.int32) if self.conditional else None
        predicted = self.denoiser(self._net_in(noisy, tf.cast(t, tf.float32), labels), training=training)
        return tf.reduce_mean(tf.square(tf.cast(predicted, tf.float32) - noise))

    def train_step(self, data: Any) -> dict:
        with tf.GradientTape() as tape:
            loss = self._noise_loss(data[0], data[1], True)
            scaled = self.optimizer.scale_loss(loss)  # under mixed precision: no float16 underflow
        weights = self.denoiser.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights))
        if self.ema_denoiser is not None:
            for average, weight in zip(self.ema_denoiser.weights, self.denoiser.weights):
                average.assign(self.ema * average + (1.0 - self.ema) * weight)
        self.trackers["loss"].update_state(loss)
        return {"loss": self.trackers["loss"].result()}

    def test_step(self, data: Any) -> dict:
        self.trackers["loss"].update_state(self._noise_loss(data[0], data[1], False))
        return {"loss": self.trackers["loss"].result()}

    def sample(self, noise: Any, labels: Any) -> Any:
        """DDIM with no added noise: from ``noise`` (pure noise) to an image in [-1, 1]."""
        net = self.ema_denoiser or self.denoiser
        steps, now, before = ddim_plan(self.alpha_bar, int(self.values["sampling_steps"]))
        steps, now, before = (tf.constant(a, tf.float32) for a in (steps, now, before))
        count = tf.shape(noise)[0]

        def step(i: Any, x: Any) -> Any:
            t = tf.fill([count], steps[i])
            predicted = tf.cast(net(self._net_in(x, t, labels), training=False), tf.float32)
            clean = tf.clip_by_value((x - tf.sqrt(1.0 - now[i]) * predicted) / tf.sqrt(now[i]), -1.0, 1.0)
            return tf.sqrt(before[i]) * clean + tf.sqrt(1.0 - before[i]) * predicted

        # A loop in the graph, not unrolled: the export holds one U-Net, whatever the sampling steps.
        return keras.ops.fori_loop(0, int(steps.shape[0]), step, tf.cast(noise, tf.float32))


def alpha_bars(schedule: str, steps: int) -> np.ndarray:
    """The fraction of the signal left after each step, ``alpha_bar[t]`` for t = 0 .. steps - 1.

    ``linear``: betas from 1e-4 to 0.02 over 1000 steps (Ho et al., 2020), rescaled to ``steps``;
    ``cosine``: Nichol and Dhariwal (2021), betas capped at 0.999.
    """
    if schedule == "linear":
        scale = 1000.0 / steps
        betas = np.linspace(scale * 1e-4, min(scale * 0.02, 0.999), steps)
    else:
        f = lambda t: math.cos((t / steps + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        betas = np.array([min(1.0 - f(t + 1) / f(t), 0.999) for t in range(steps)])
    return np.cumprod(1.0 - betas).astype("float32")


def ddim_plan(alpha_bar: np.ndarray, sampling_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The steps DDIM visits (from the last to 0), with alpha_bar at each and at the step after it (1 at the end)."""
    total = len(alpha_bar)
    # From the last step down (one step: the last alone, straight to the clean image).
    steps = np.unique(np.linspace(total - 1, 0, max(1, min(sampling_steps, total))).round().astype(int))[::-1]
    now = alpha_bar[steps]
    before = np.append(alpha_bar[steps[1:]], 1.0).astype("float32")
    return steps.astype("float32"), now, before


def time_features(t: Any, width: int) -> Any:
    """Sinusoidal features of the step (Vaswani et al.'s positions), ``width`` of them."""
    half = width // 2
    freqs = tf.exp(-math.log(10000.0) * tf.range(half, dtype=tf.float32) / half)
    args = tf.cast(t, tf.float32)[:, None] * freqs[None, :]
    return tf.concat([tf.sin(args), tf.cos(args)], axis=-1)


def _groups(channels: int) -> int:
    return math.gcd(8, channels)


def _res_block(x: Any, emb: Any, channels: int, dropout: float) -> Any:
    """Norm, swish, conv; the step's embedding added; norm, swish, conv; plus the input (projected)."""
    h = keras.layers.Activation("swish")(keras.layers.GroupNormalization(_groups(x.shape[-1]))(x))
    h = keras.layers.Conv2D(channels, 3, padding="same")(h)
    h = keras.layers.Add()([h, keras.layers.Reshape((1, 1, channels))(keras.layers.Dense(channels)(emb))])
    h = keras.layers.Activation("swish")(keras.layers.GroupNormalization(_groups(channels))(h))
    h = keras.layers.Dropout(dropout)(h) if dropout > 0 else h
    h = keras.layers.Conv2D(channels, 3, padding="same")(h)
    skip = x if x.shape[-1] == channels else keras.layers.Conv2D(channels, 1)(x)
    return keras.layers.Add()([h, skip])


def _attention(x: Any) -> Any:
    """Self-attention over the positions of the lowest resolution, with a residual."""
    _, h, w, c = x.shape
    tokens = keras.layers.Reshape((h * w, c))(keras.layers.GroupNormalization(_groups(c))(x))
    heads = 4 if c % 4 == 0 else 1
    attended = keras.layers.MultiHeadAttention(heads, c // heads)(tokens, tokens)
    return keras.layers.Add()([x, keras.layers.Reshape((h, w, c))(attended)])


def unet(v: dict, shape: tuple, classes: int, time_width: int, name: str) -> keras.Model:
    """The denoiser: ``levels`` resolutions down and up with skips, widths doubling per level."""
    h, w, c = shape
    width, levels = int(v["width"]), min(int(v["levels"]), twos(h), twos(w))
    dropout = float(v.get("dropout", 0.0))
    noisy = keras.Input(shape, name=NOISY)
    t = keras.Input((time_width,), name=TIME)
    emb = keras.layers.Dense(4 * width, activation="swish")(t)
    inputs = {NOISY: noisy, TIME: t}
    if classes:
        label = keras.Input((), dtype="int32", name=LABEL)
        emb = keras.layers.Add()([emb, keras.layers.Flatten()(keras.layers.Embedding(classes, 4 * width)(label))])
        inputs[LABEL] = label
    emb = keras.layers.Dense(4 * width)(emb)
    x = keras.layers.Conv2D(width, 3, padding="same")(noisy)
    skips = []
    for i in range(levels):
        x = _res_block(x, emb, min(MAX_WIDTH, width * 2 ** i), dropout)
        skips.append(x)
        x = keras.layers.AveragePooling2D(2)(x)
    x = _res_block(x, emb, min(MAX_WIDTH, width * 2 ** levels), dropout)
    x = _attention(x) if v.get("attention") else x
    x = _res_block(x, emb, min(MAX_WIDTH, width * 2 ** levels), dropout)
    for i in reversed(range(levels)):
        x = keras.layers.Concatenate()([upsample(x), skips[i]])
        x = _res_block(x, emb, min(MAX_WIDTH, width * 2 ** i), dropout)
    x = keras.layers.Activation("swish")(keras.layers.GroupNormalization(_groups(x.shape[-1]))(x))
    out = keras.layers.Conv2D(c, 3, padding="same", kernel_initializer="zeros", dtype="float32")(x)
    return keras.Model(inputs, out, name=name)


def build(v: dict, spec: Any, epochs: int) -> DiffusionModel:
    """The family's whole model, compiled (the families catalog's ``build`` for a generative family)."""
    return build_generative(DiffusionModel, v, spec, epochs)
