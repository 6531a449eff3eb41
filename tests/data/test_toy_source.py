"""A new source is one module: a toy one, written here into the sources package, is listed by the
catalog, accepted by the card schema, `automl validate` and ``--data``, loaded by `load_dataset`, and passes the
sources contract suite (tests/data/test_source_contract.py) like a shipped source."""

from __future__ import annotations

import pytest
import yaml

from automl.cli import main
from automl.data import load_dataset
from automl.errors import SpecError
from automl.plugins.sources import SOURCES
from automl.spec import card_for_path, load_card
from tests.data import test_source_contract as contract
from tests.toy_plugins import install

# The whole plug-in: its options, the files it reads, its loader (imports inside), its examples.
TOY = '''
    """Whitespace-separated numbers, one example a line, the label last."""

    from automl.plugins.sources import SourcePlugin
    from automl.spec.families import Strict


    class ToyOptions(Strict):
        path: str


    def load(loaded):
        import numpy as np

        from automl.data.sources import RawData, data_path
        from automl.errors import DataError

        path = data_path(loaded)
        try:
            table = np.loadtxt(path, ndmin=2, dtype="float32")
        except ValueError as err:
            why = str(err).splitlines()[0]
            raise DataError(f"{path}: expected lines of numbers, received an error ({why})") from None
        return RawData(table[:, :-1], table[:, -1].astype("int32"), "binary", "tabular", ["0", "1"])


    def example(folder):
        lines = [f"{i % 7} {i % 3} {i % 2}" for i in range(40)]
        (folder / "rows.txt").write_text("\\n".join(lines))
        return {"name": "rows", "source": "toy", "options": {"path": "rows.txt"}, "task": "binary",
                "input": "tabular"}


    def broken(folder):
        (folder / "broken.txt").write_text("1 2 x\\n")
        return {"name": "broken", "source": "toy", "options": {"path": "broken.txt"}}


    PLUGIN = SourcePlugin("toy", "lines of numbers", options=ToyOptions, load=load, reads="file",
                          suffixes=(".txt",), noun="text file of numbers", example=example, broken=broken,
                          guess=lambda path: path.suffix == ".txt")
'''


@pytest.fixture()
def toy(monkeypatch, tmp_path):
    return install(monkeypatch, tmp_path / "plugins", SOURCES, "toy", TOY).get("toy")


def test_the_catalog_lists_it(toy):
    assert "toy" in SOURCES.names() and SOURCES.get("toy") is toy


def test_the_schema_and_validate_take_it(toy, tmp_path, capsys):
    card = contract.write_card(tmp_path, toy.example(tmp_path))
    assert main(["validate", str(card)]) == 0
    assert "source toy" in capsys.readouterr().out
    assert load_dataset(load_card(str(card))).input_kind == "tabular"
    assert card_for_path(str(tmp_path / "rows.txt"), None).card.source == "toy"  # automl search --data rows.txt
    wrong = {"name": "r", "source": "toy", "options": {"path": "rows.txt", "file": "x"}}
    (tmp_path / "card.yaml").write_text(yaml.safe_dump(wrong))
    with pytest.raises(SpecError, match=r"options.file: unknown key; expected one of: path"):
        load_card(str(tmp_path / "card.yaml"))


def test_it_passes_the_contract(toy, tmp_path):
    checks = (contract.test_loads_the_example_it_makes, contract.test_a_broken_file_is_one_line_naming_it,
              contract.test_validate_refuses_a_path_it_cannot_take)
    for i, check in enumerate(checks):
        (tmp_path / str(i)).mkdir()
        check(tmp_path / str(i), toy)


def test_without_it_the_name_is_unknown(tmp_path):
    (tmp_path / "card.yaml").write_text(yaml.safe_dump({"name": "r", "source": "toy", "options": {}}))
    with pytest.raises(SpecError, match=r"source: expected one of: sklearn, .*csv, .*, received 'toy'"):
        load_card(str(tmp_path / "card.yaml"))
