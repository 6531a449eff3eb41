"""Audio folders: raw waveforms of one length, one sampling rate, labels from folders."""

import numpy as np
import pytest

from automl.builders import InputSpec, build_model
from automl.data import load_dataset
from automl.errors import DataError
from automl.spec import card_for_path
from tests.builders.test_families import defaults
from tests.data.makers import tones_folder


def test_waveforms_are_padded_to_the_duration(tmp_path):
    data = load_dataset(card_for_path(str(tones_folder(tmp_path)), None))
    assert data.input_kind == "audio" and data.input_shape == (8000,)  # 1 s at 8 kHz, the clips padded
    assert data.class_names == ["high", "low"] and data.extras["sampling_rate"] == 8000
    assert np.abs(data.x_train).max() <= 1.0


def test_the_model_takes_raw_audio_and_sees_a_log_mel_image(tmp_path):
    data = load_dataset(card_for_path(str(tones_folder(tmp_path)), None))
    spec = InputSpec.from_bundle(data)
    assert spec.image_shape == (101, 40, 1)
    model = build_model(defaults("cnn", blocks=2, filters=8, learning_rate=3e-3), spec)
    assert model.input_shape == (None, 8000)
    model.fit(data.x_train, data.y_train, epochs=8, verbose=0)
    assert model.evaluate(data.x_train, data.y_train, verbose=0, return_dict=True)["accuracy"] >= 0.9


def test_mixed_sampling_rates_are_refused(tmp_path):
    from scipy.io import wavfile

    root = tones_folder(tmp_path)
    wavfile.write(root / "low" / "odd.wav", 16000, np.zeros(100, "int16"))
    with pytest.raises(DataError, match=r"expected one sampling rate for every file, received \[8000, 16000\]"):
        load_dataset(card_for_path(str(root), None))

