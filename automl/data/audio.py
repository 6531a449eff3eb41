"""A folder of WAV files, one subfolder per class: raw waveforms in (the model makes log-mel spectrograms)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from automl.data.sources import RawData, data_path
from automl.errors import DataError
from automl.spec import LoadedCard
from automl.spec.filekind import describe


def audio_dir_source(loaded: LoadedCard) -> RawData:
    """Mono float waveforms of ``duration`` seconds, labels from folder names."""
    opts = loaded.options
    root = data_path(loaded)
    files = sorted(root.glob("*/*.wav")) if root.is_dir() else []
    if not files:
        raise DataError(f"{root}: expected .wav files in one subfolder per class, received none")
    classes = sorted({f.parent.name for f in files})
    if len(classes) < 2:
        raise DataError(f"{root}: expected at least 2 class subfolders, received {classes}")
    rates, waves = zip(*(_read(f) for f in files))
    if len(set(rates)) > 1:
        raise DataError(f"{root}: expected one sampling rate for every file, received {sorted(set(rates))}")
    length = int(round(opts.duration * rates[0]))
    x = np.stack([np.pad(w[:length], (0, max(0, length - len(w)))) for w in waves]).astype("float32")
    labels = np.array([classes.index(f.parent.name) for f in files], dtype="int32")
    raw = RawData(x, labels, "binary" if len(classes) == 2 else "multiclass", "audio", classes)
    raw.extras = {"sampling_rate": int(rates[0]), "num_mel_bins": opts.num_mel_bins}
    return raw


def _read(path: Path) -> tuple[int, np.ndarray]:
    from scipy.io import wavfile

    found = describe(path)
    if found != "a regular file":  # a FIFO would block the reader, a device would never end
        raise DataError(f"{path}: expected a regular WAV file, received {found}")
    try:
        rate, samples = wavfile.read(path)
    except (ValueError, OSError) as err:
        raise DataError(f"{path}: expected a readable WAV file, received an error ({err})") from None
    samples = samples.astype("float32")
    if np.issubdtype(samples.dtype, np.integer) or np.abs(samples).max() > 1.0:
        samples = samples / 32768.0
    return rate, samples.mean(axis=1) if samples.ndim == 2 else samples
