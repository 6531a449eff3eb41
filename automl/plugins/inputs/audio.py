"""Audio input: a raw waveform, turned into a normalized log-mel image inside the model."""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin


def statistics(data: Any, outputs: int) -> Any:
    """Mean and variance of the clips' log-mel values, and the image shape the families see."""
    from automl.builders.audio import statistics as mel_statistics
    from automl.builders.base import InputSpec

    rate, bins = data.extras["sampling_rate"], data.extras["num_mel_bins"]
    mean, variance, image = mel_statistics(data.x_train, rate, bins)
    return InputSpec(data.input_shape, "audio", data.task, outputs, mean, variance, len(data.y_train),
                     sampling_rate=rate, num_mel_bins=bins, image_shape=tuple(image))


PLUGIN = InputKindPlugin(name="audio", summary="A waveform (families see its log-mel image)", input_name="audio",
                         make="automl.builders.audio:audio_inputs", statistics=statistics, order=50)
