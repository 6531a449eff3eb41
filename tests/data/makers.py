"""Small datasets of every file kind, written by the tests themselves."""

from pathlib import Path

import numpy as np
import pandas as pd


def customers_csv(folder: Path, n: int = 240) -> Path:
    """Mixed numeric and categorical columns; churn depends on both."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"age": rng.integers(18, 80, n), "monthly spend": rng.normal(50, 15, n).round(1),
                          "city": rng.choice(["paris", "lyon", "nice"], n), "plan": rng.choice(["basic", "pro"], n)})
    frame["churn"] = np.where(((frame.age < 35) & (frame.plan == "basic")) | (frame["monthly spend"] < 35), "yes", "no")
    path = folder / "customers.csv"
    frame.to_csv(path, index=False)
    return path


def reviews_csv(folder: Path, n: int = 160) -> Path:
    """A free-text column whose words give the label away."""
    rng = np.random.default_rng(1)
    good = ["great", "lovely", "excellent", "fine", "superb"]
    bad = ["awful", "broken", "terrible", "poor", "useless"]
    labels = rng.integers(0, 2, n)
    texts = [" ".join(rng.choice(good if y else bad, 3)) + " product" for y in labels]
    path = folder / "reviews.csv"
    pd.DataFrame({"review": texts, "positive": labels.astype(bool)}).to_csv(path, index=False)
    return path


def shapes_folder(folder: Path, per_class: int = 24, size: int = 12) -> Path:
    """PNG images in two class folders: a bright square top-left, or bottom-right."""
    from PIL import Image

    rng = np.random.default_rng(2)
    root = folder / "shapes"
    for label, corner in (("top", 0), ("bottom", size // 2)):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 60, (size, size, 3)).astype("uint8")
            pixels[corner:corner + size // 2, corner:corner + size // 2] = 220
            Image.fromarray(pixels).save(root / label / f"{i}.png")
    return root


def arrays_npz(folder: Path, n: int = 200, with_test: bool = False) -> Path:
    """Four numeric features, three classes by the sign pattern of two of them."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    path = folder / "arrays.npz"
    extra = {"x_test": x[:40] * 1.01, "y_test": y[:40]} if with_test else {}
    np.savez(path, x=x, y=y, **extra)
    return path


def series_csv(folder: Path, n: int = 400) -> Path:
    """Two series (a noisy sine and a lagged copy) and a regime label, with a time column."""
    rng = np.random.default_rng(4)
    t = np.arange(n)
    sine = np.sin(t / 8.0) + rng.normal(0, 0.05, n)
    frame = pd.DataFrame({"time": t[::-1], "load": sine[::-1], "temp": np.roll(sine, 3)[::-1],
                          "regime": np.where(sine > 0, "high", "low")[::-1]})
    path = folder / "series.csv"
    frame.to_csv(path, index=False)  # written newest first: the source sorts by time
    return path


def tones_folder(folder: Path, per_class: int = 16, rate: int = 8000, seconds: float = 0.25) -> Path:
    """WAV files in two class folders: a low tone (300 Hz) or a high one (2 kHz), with noise."""
    from scipy.io import wavfile

    rng = np.random.default_rng(5)
    root = folder / "tones"
    t = np.arange(int(rate * seconds)) / rate
    for label, freq in (("low", 300.0), ("high", 2000.0)):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            wave = 0.5 * np.sin(2 * np.pi * freq * (1 + rng.normal(0, 0.02)) * t) + rng.normal(0, 0.05, len(t))
            wavfile.write(root / label / f"{i}.wav", rate, (wave * 32767).astype("int16"))
    return root
