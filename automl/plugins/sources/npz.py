"""A NumPy ``.npz`` file: ``x`` and ``y`` (and maybe the source's own ``x_test``, ``y_test``)."""

from __future__ import annotations

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict


class NpzOptions(Strict):
    """Options of a NumPy ``.npz`` file holding ``x`` and ``y`` (and maybe ``x_test``, ``y_test``)."""

    path: str


def example(folder) -> dict:
    import numpy as np

    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 4, 3)).astype("float32")
    np.savez(folder / "arrays.npz", x=x, y=(x[:, 0, 0] > 0).astype(int))
    return {"name": "arrays", "source": "npz", "options": {"path": "arrays.npz"}, "task": "binary",
            "input": "sequence"}


def broken(folder) -> dict:
    (folder / "broken.npz").write_bytes(b"not a zip file")
    return {"name": "broken", "source": "npz", "options": {"path": "broken.npz"}}


def guess(path) -> bool:
    return path.suffix.lower() == ".npz"


PLUGIN = SourcePlugin("npz", "a NumPy .npz file of x and y", options=NpzOptions,
                      load="automl.data.arrays:npz_source", reads="file", suffixes=(".npz",), noun=".npz file",
                      example=example, broken=broken, guess=guess, order=40)
