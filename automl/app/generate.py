"""`automl generate`: images from an exported generator (a gan or diffusion search's best model).

A SavedModel is vetted as `automl predict` vets one, then its ``generate``
signature draws the noise from the seed inside the model, so the same seed
gives the same images here, in the search's process and on any machine with
the same TensorFlow. A ``.keras`` file is loaded in Keras' safe mode and
draws the same noise. The output is one PNG grid, a folder of PNG files (one
per image, at the model's own size) or a ``.npy`` array of the raw values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from automl import quality
from automl.errors import DataError, ExportError, first_line

MAX_IMAGES = 10_000


def check_request(model_path: str, n: int, out: str) -> None:
    """Fails in one line, before TensorFlow loads, on a missing model, a bad count or an output that is not one.

    Raises:
        AutoMLError: What is wrong, naming the flag.
    """
    if not Path(model_path).exists():
        raise ExportError(f"--model: expected an export folder, a SavedModel folder or a .keras file, "
                          f"received {model_path!r}, which does not exist")
    if not 1 <= n <= MAX_IMAGES:
        raise DataError(f"--n: expected a count from 1 to {MAX_IMAGES}, received {n}")
    target = Path(out)
    if target.suffix.lower() not in ("", ".png", ".npy"):
        raise DataError(f"--out: expected a .png file (a grid), a .npy file (the values) or a folder, "
                        f"received {out!r}")
    if target.suffix.lower() == "" and target.exists() and not target.is_dir():
        raise DataError(f"--out: expected a folder for one PNG per image, received {out!r}, which is a file")


def generate_images(model_path: str, n: int, out: str, seed: int = 0, label: int | None = None,
                    trust: bool = False) -> tuple[Path, int]:
    """Draws ``n`` images from the generator at ``model_path`` and writes them to ``out``.

    Args:
        model_path: An export folder, its ``saved_model`` folder, or its ``model.keras``.
        n: How many images.
        out: ``grid.png``, ``values.npy`` or a folder (one PNG per image).
        seed: The noise's seed.
        label: The class of every image (conditional models); by default they cycle through the classes.
        trust: Load a model that vetting would refuse.

    Returns:
        What was written, and how many images.

    Raises:
        AutoMLError: A model that is not a generator, a label it cannot take, or an output that cannot be written.
    """
    path = Path(model_path)
    card = _card(path)
    facts = card.get("generation") or {}
    _check_label(label, facts, card.get("class_names") or [])
    images = _draw(path, n, seed, label, trust)
    low, high = facts.get("value_range") or (float(images.min()), float(images.max()))
    rows = None
    if facts.get("conditional") and label is None:  # a column per class, as the search's grids
        rows = max(1, -(-n // int(facts.get("classes", 1))))
    return _write(images, Path(out), low, high, rows), len(images)


def _check_label(label: int | None, facts: dict, class_names: list) -> None:
    if label is None or not facts:
        return
    if not facts.get("conditional"):
        raise DataError(f"--label: expected no label for this generator, which is not class-conditional, "
                        f"received {label}")
    classes = int(facts.get("classes", 0))
    if not 0 <= label < classes:
        names = ", ".join(f"{i}: {name}" for i, name in enumerate(class_names[:12]))
        raise DataError(f"--label: expected a class id from 0 to {classes - 1} ({names}), received {label}")


def _draw(path: Path, n: int, seed: int, label: int | None, trust: bool) -> np.ndarray:
    if path.is_dir() and (path / "saved_model").is_dir():
        path = path / "saved_model"
    if path.is_dir() and (path / "saved_model.pb").exists():
        return _from_saved_model(path, n, seed, label, trust)
    if path.suffix == ".keras" and path.is_file():
        return _from_keras(path, n, seed, label, trust)
    raise ExportError(f"--model: expected an export folder, a SavedModel folder or a .keras file, "
                      f"received {str(path)!r}")


def _from_saved_model(path: Path, n: int, seed: int, label: int | None, trust: bool) -> np.ndarray:
    import tensorflow as tf

    from automl.export.vetting import vet_saved_model

    if not trust:
        vet_saved_model(path)  # reads the protobuf only: nothing of the model has run yet
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as err:  # noqa: BLE001 - a corrupt SavedModel fails in many ways
        raise ExportError(f"--model: expected a SavedModel that loads, received {path}: {first_line(err)}") from None
    if "generate" not in loaded.signatures:
        raise ExportError(f"--model: expected a generator's export (a 'generate' signature, from a gan or "
                          f"diffusion search), received {path}, whose signatures are "
                          f"{', '.join(sorted(loaded.signatures))}; use automl predict for it")
    out = loaded.signatures["generate"](seed=tf.constant(seed, tf.int32), count=tf.constant(n, tf.int32),
                                        label=tf.constant(-1 if label is None else label, tf.int32))
    return out["images"].numpy()


def _from_keras(path: Path, n: int, seed: int, label: int | None, trust: bool) -> np.ndarray:
    import keras

    import automl.builders.diffusion  # noqa: F401 - registers the generative models
    import automl.builders.gan  # noqa: F401
    from automl.builders.generative import GenerativeModel

    import warnings

    try:
        with warnings.catch_warnings():  # the file keeps the optimizers' state, which drawing images needs not
            warnings.simplefilter("ignore")
            model = keras.saving.load_model(path, safe_mode=not trust)
    except Exception as err:  # noqa: BLE001 - a crafted archive fails in many ways
        raise ExportError(f"--model: expected a .keras file that loads, received {path}: {first_line(err)}") from None
    if not isinstance(model, GenerativeModel):
        raise ExportError(f"--model: expected a generator (a gan or diffusion model), received {path}, a "
                          f"{type(model).__name__}; use automl predict for it")
    return model.generate(n, seed=seed, label=label)


def _write(images: np.ndarray, out: Path, low: float, high: float, rows: int | None) -> Path:
    try:
        if out.suffix.lower() == ".npy":
            out.parent.mkdir(parents=True, exist_ok=True)
            np.save(out, images)
        elif out.suffix.lower() == ".png":
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(quality.png_bytes(quality.image_grid(images, rows=rows, low=low, high=high)))
        else:
            out.mkdir(parents=True, exist_ok=True)
            for i, image in enumerate(images):
                (out / f"image_{i:04d}.png").write_bytes(quality.png_bytes(_pixels(image, low, high)))
    except OSError as err:
        raise DataError(f"--out: expected a place that can be written, received {str(out)!r} ({err.strerror})") \
            from None
    return out


def _pixels(image: np.ndarray, low: float, high: float) -> np.ndarray:
    """One image at its own size, from the data's range to 0-255."""
    scaled = (np.asarray(image, dtype="float64") - low) / max(high - low, 1e-12)
    return np.clip(np.round(scaled * 255.0), 0, 255).astype("uint8")


def _card(path: Path) -> dict[str, Any]:
    from automl.export.card import card_beside

    return card_beside(path)
