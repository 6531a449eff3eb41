"""A folder of images, one subfolder per class, read with Pillow into raw pixel arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from automl.data.sources import RawData, register, source_path
from automl.errors import DataError
from automl.spec import LoadedCard

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}


@register("image_dir")
def image_dir_source(loaded: LoadedCard) -> RawData:
    """Images as raw 0-255 values (the model normalizes inside), labels from folder names."""
    opts = loaded.options
    root = source_path(loaded, opts.path)
    files = _files(root)
    classes = sorted({f.parent.name for f in files})
    if len(classes) < 2:
        raise DataError(f"{root}: expected one subfolder per class and at least 2 classes, received {classes}")
    images = [read_image(f, opts.color_mode, opts.image_size) for f in files]
    sizes = {im.shape for im in images}
    if len(sizes) > 1:
        raise DataError(f"{root}: expected images of one size or options.image_size: [height, width], "
                        f"received sizes {sorted(s[:2] for s in sizes)[:3]}")
    labels = np.array([classes.index(f.parent.name) for f in files], dtype="int32")
    task = "binary" if len(classes) == 2 else "multiclass"
    return RawData(np.stack(images).astype("float32"), labels, task, "image", classes)


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        raise DataError(f"{root}: expected a folder of class subfolders, received a missing folder")
    files = sorted(f for f in root.glob("*/*") if f.suffix.lower() in SUFFIXES)
    if not files:
        raise DataError(f"{root}: expected image files ({', '.join(sorted(SUFFIXES))}) in class subfolders, "
                        f"received none")
    return files


def read_image(path: Path, color_mode: str, size: tuple[int, int] | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = image.convert("L" if color_mode == "grayscale" else "RGB")
            if size:
                image = image.resize((size[1], size[0]))
            pixels = np.asarray(image)
    except (UnidentifiedImageError, OSError) as err:
        raise DataError(f"{path}: expected a readable image, received an error ({err})") from None
    return pixels[..., np.newaxis] if pixels.ndim == 2 else pixels
