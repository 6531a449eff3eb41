"""Audio input: a raw waveform, turned into a normalized log-mel image inside the model."""

from __future__ import annotations

from automl.plugins.inputs import InputKindPlugin

PLUGIN = InputKindPlugin(name="audio", summary="A waveform (families see its log-mel image)", input_name="audio",
                         make="automl.builders.audio:audio_inputs", order=50)
