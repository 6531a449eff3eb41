"""The audio front end inside the model: raw waveform -> log-mel spectrogram as a one-channel image."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


def frontend(samples: int, sampling_rate: int, num_mel_bins: int) -> keras.Sequential:
    """25 ms windows every 10 ms, ``num_mel_bins`` mel bands in decibels, laid out (frames, mels, 1)."""
    window, stride = int(0.025 * sampling_rate), int(0.010 * sampling_rate)
    fft = 1 << (window - 1).bit_length()
    mel = keras.layers.MelSpectrogram(fft_length=fft, sequence_stride=stride, sequence_length=window,
                                      sampling_rate=sampling_rate, num_mel_bins=num_mel_bins)
    frames = mel.compute_output_shape((None, samples))[-1]
    return keras.Sequential([keras.Input((samples,)), mel, keras.layers.Permute((2, 1)),
                             keras.layers.Reshape((frames, num_mel_bins, 1))], name="log_mel")


def statistics(x_train: np.ndarray, sampling_rate: int, num_mel_bins: int, limit: int = 256) -> tuple:
    """Mean and variance of the log-mel values over (up to ``limit``) training clips, and their image shape."""
    front = frontend(x_train.shape[1], sampling_rate, num_mel_bins)
    mels = keras.ops.convert_to_numpy(front(x_train[:limit]))
    return np.array([mels.mean()], "float32"), np.array([max(mels.var(), 1e-6)], "float32"), mels.shape[1:]


def audio_inputs(spec: Any) -> tuple:
    """Raw waveform input, its log-mel image, normalized with training statistics."""
    inputs = keras.Input(shape=spec.shape, name="audio")
    image = frontend(spec.shape[0], spec.sampling_rate, spec.num_mel_bins)(inputs)
    return inputs, keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(image)
