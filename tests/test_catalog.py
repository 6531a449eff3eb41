"""The catalog mechanism itself: discovery, order, unknown names, lazy references."""

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from automl.catalog import Catalog, Plugin, resolve
from automl.errors import SpecError


@dataclass(frozen=True)
class ToyPlugin(Plugin):
    order: int = 100
    impl: str = ""


def toys() -> Catalog[ToyPlugin]:
    return Catalog("toy", "tests.catalog_toy", ToyPlugin)


def test_finds_every_module_with_a_plugin_in_order():
    assert toys().names() == ("alpha", "beta")
    assert "beta" in toys() and "helper" not in toys() and len(toys()) == 2


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(SpecError, match=r"toy: expected one of: alpha, beta, received 'gamma'"):
        toys().get("gamma")


def test_resolve_imports_the_heavy_half_on_use():
    assert resolve(toys().get("alpha").impl) is json.dumps


def test_a_wrong_entry_type_is_named():
    with pytest.raises(TypeError, match="tests.catalog_toy.alpha.PLUGIN: expected a int, received ToyPlugin"):
        Catalog("toy", "tests.catalog_toy", int).names()


def test_catalogs_load_without_tensorflow():
    """Every catalog the toolkit has must list its plug-ins without importing TensorFlow."""
    code = ("import sys, automl.catalogs as c\n"
            "for cat in c.ALL: cat.names()\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
