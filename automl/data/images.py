"""A folder of images, one subfolder per class, read with Pillow into raw pixel arrays."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from automl.data.sources import RawData, data_path
from automl.errors import DataError, first_line
from automl.spec import LoadedCard
from automl.spec.filekind import describe

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}


def image_dir_source(loaded: LoadedCard) -> RawData:
    """Images as raw 0-255 values (the model normalizes inside), labels from folder names."""
    opts = loaded.options
    root = data_path(loaded)
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
    """Reads one image as an (height, width, channels) array of 0-255 values.

    Used for a card's image folder and for ``automl predict`` on a folder.

    Raises:
        DataError: Not a regular file, not an image, or one that would decode
            to more pixels than Pillow allows (a decompression bomb).
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    found = describe(path)
    if found != "a regular file":  # a FIFO would block Pillow, a device would never end
        raise DataError(f"{path}: expected a regular image file, received {found}")
    try:
        with warnings.catch_warnings():
            # Pillow only warns up to twice its limit; a training image is far smaller anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image = image.convert("L" if color_mode == "grayscale" else "RGB")
                if size:
                    image = image.resize((size[1], size[0]))
                pixels = np.asarray(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise DataError(f"{path}: expected an image of at most {Image.MAX_IMAGE_PIXELS:,} pixels, "
                        f"received {_pixels(err)} (a possible decompression bomb)") from None
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError) as err:
        raise DataError(f"{path}: expected a readable image, received an error ({first_line(err)})") from None
    return pixels[..., np.newaxis] if pixels.ndim == 2 else pixels


def _pixels(err: Exception) -> str:
    """The size Pillow refused, from its message (``Image size (400000000 pixels) exceeds ...``)."""
    found = re.search(r"\((\d+) pixels\)", str(err))
    return f"{int(found.group(1)):,} pixels" if found else "more"
