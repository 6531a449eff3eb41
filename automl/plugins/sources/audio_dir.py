"""A folder of WAV files, one subfolder per class: raw waveforms in (the model makes log-mel spectrograms)."""

from __future__ import annotations

from pydantic import Field

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict


class AudioDirOptions(Strict):
    """Options of a folder of WAV files, one subfolder per class, all at one sampling rate."""

    path: str
    duration: float = Field(1.0, gt=0.0, le=60.0)  # seconds: shorter clips are padded, longer ones cut
    num_mel_bins: int = Field(40, ge=8, le=256)


def tones(folder, per_class: int = 6, rate: int = 8000):
    import numpy as np
    from scipy.io import wavfile

    root = folder / "tones"
    t = np.arange(rate // 8) / rate
    for label, freq in (("low", 300.0), ("high", 2000.0)):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            wave = 0.5 * np.sin(2 * np.pi * freq * (1 + i / 100) * t)
            wavfile.write(root / label / f"{i}.wav", rate, (wave * 32767).astype("int16"))
    return root


def example(folder) -> dict:
    tones(folder)
    return {"name": "tones", "source": "audio_dir", "options": {"path": "tones", "duration": 0.125},
            "task": "binary", "input": "audio"}


def broken(folder) -> dict:
    (tones(folder) / "low" / "broken.wav").write_bytes(b"RIFF0000")
    return {"name": "broken", "source": "audio_dir", "options": {"path": "tones"}}


def guess(path) -> bool:
    return path.is_dir() and any(path.glob("*/*.wav"))


PLUGIN = SourcePlugin("audio_dir", "a folder of WAV files, one subfolder per class", options=AudioDirOptions,
                      load="automl.data.audio:audio_dir_source", reads="folder",
                      noun="folder of class subfolders", example=example, broken=broken, guess=guess, order=80)
