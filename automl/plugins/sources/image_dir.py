"""A folder of images, one subfolder per class, read with Pillow."""

from __future__ import annotations

from typing import Literal

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict


class ImageDirOptions(Strict):
    """Options of a folder of images, one subfolder per class."""

    path: str
    image_size: tuple[int, int] | None = None
    color_mode: Literal["rgb", "grayscale"] = "rgb"


def images(folder, per_class: int = 8):
    from PIL import Image
    import numpy as np

    rng = np.random.default_rng(2)
    root = folder / "images"
    for label in ("dark", "light"):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            level = 40 if label == "dark" else 200
            Image.fromarray((rng.integers(0, 30, (8, 8, 3)) + level).astype("uint8")).save(root / label / f"{i}.png")
    return root


def example(folder) -> dict:
    images(folder)
    return {"name": "images", "source": "image_dir", "options": {"path": "images"}, "task": "binary",
            "input": "image"}


def broken(folder) -> dict:
    (images(folder) / "dark" / "broken.png").write_bytes(b"not a png")
    return {"name": "broken", "source": "image_dir", "options": {"path": "images"}}


def guess(path) -> bool:
    return path.is_dir() and not any(path.glob("*/*.wav"))  # a folder of sounds is audio_dir's


PLUGIN = SourcePlugin("image_dir", "a folder of images, one subfolder per class", options=ImageDirOptions,
                      load="automl.data.images:image_dir_source", reads="folder",
                      noun="folder of class subfolders", example=example, broken=broken, guess=guess, order=50)
