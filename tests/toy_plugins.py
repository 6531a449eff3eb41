"""Drop a plug-in module into a catalog's package for one test, as a user would add one.

The module is written to a temporary folder that joins the package's ``__path__``, so
the catalog finds it by listing the package like any shipped plug-in; the catalog,
the package and ``sys.modules`` are as they were after the test.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

from automl.catalog import Catalog


def install(monkeypatch, folder: Path, catalog: Catalog, module: str, text: str):
    """Writes ``module``.py into the catalog's package (``folder`` joins its path); returns the catalog."""
    package = importlib.import_module(catalog.package)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(textwrap.dedent(text))
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
    monkeypatch.setattr(catalog, "_entries", None)  # listed again, with the new module
    name = f"{catalog.package}.{module}"
    monkeypatch.setitem(sys.modules, name, None)
    del sys.modules[name]  # imported fresh now; monkeypatch removes it again afterwards
    return catalog
