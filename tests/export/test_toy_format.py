"""A new export format is one module: a toy one (Keras' legacy HDF5 file), written here into the
formats package, is listed by the catalog, taken by ``automl export --format``, written by the
exporter, and passes the formats contract suite (tests/export/test_format_contract.py): it carries
a family and reproduces it, and refuses in one line a model holding a layer it declines."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from automl.cli import _formats, build_parser
from automl.export import export_model
from automl.plugins.formats import FORMATS
from tests.export import test_format_contract as contract
from tests.export.reload_all import reload
from tests.toy_plugins import install

# The whole plug-in: the writer and the runner import Keras inside.
TOY = '''
    """Keras' legacy HDF5 file, model.h5."""

    from automl.plugins.formats import FormatPlugin


    def write(model, folder, facts):
        model.save(folder / "model.h5")
        return folder / "model.h5"


    def run(path, x):
        import keras
        import numpy as np

        return np.asarray(keras.saving.load_model(path)(x, training=False))


    PLUGIN = FormatPlugin("h5", "Keras' legacy HDF5 file, model.h5", write=write, run=run, artifact="model.h5",
                          refuses=("TextVectorization",))
'''


@pytest.fixture()
def toy(monkeypatch, tmp_path):
    return install(monkeypatch, tmp_path / "plugins", FORMATS, "h5", TOY).get("h5")


def test_the_catalog_and_the_cli_take_it(toy):
    assert "h5" in FORMATS.names()
    assert build_parser().parse_args(["export", "--format", "saved_model,h5"]).format == ("saved_model", "h5")
    with pytest.raises(argparse.ArgumentTypeError, match="list of h5, keras, onnx, saved_model, tflite, "):
        _formats("pt")


def test_it_carries_a_family_and_reproduces_it(toy, tmp_path):
    family, kind, task = contract.CASES[0]
    model, x = contract.trained(family, kind, task)
    folder = export_model(model, tmp_path, "toy", {"dataset": {"task": task}}, task=task,
                          class_names=contract.class_names(task), formats=("saved_model", "h5"))
    got = reload(folder, x, ["saved_model", "h5"])  # in this process: the toy's module is only here
    expected = np.asarray(model(x, training=False))
    assert np.abs(got["h5"] - expected).max() <= contract.TOLERANCE and (folder / "model.h5").exists()


def test_it_refuses_what_it_declines_in_one_line(toy, tmp_path):
    contract.test_a_layer_a_format_refuses_is_one_line_and_leaves_nothing(contract.trained(*contract.TEXT)[0],
                                                                          tmp_path, "h5")
