"""Adding a family is one module (plus its test and a YAML): a toy family, written into the families
package for one test, is picked up by the catalog, the schema, `automl validate`'s checks and the
contract suite, with no other file touched."""

from __future__ import annotations

import pytest

from automl.errors import SpecError
from automl.plugins.families import FAMILIES
from tests.builders import test_family_contract as contract
from tests.toy_plugins import install

# The whole of a new family: its `model:` schema, its builder (Keras imported inside), its entry.
TOY = '''
"""The toy family: one dense layer of `width` units."""

from typing import Any

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed


class ToyModel(FamilyModel):
    """One dense layer."""

    width: P(int, ge=1, le=64) = Fixed(4)


def build(x: Any, v: dict, spec: Any) -> Any:
    import keras

    return keras.layers.Dense(v["width"], activation=v["activation"])(x)


PLUGIN = FamilyPlugin(name="toy", summary="One dense layer", schema=ToyModel, inputs=("tabular",),
                      build=build, order=99)
'''
# Its search space, as it would ship in search_spaces/toy.yaml.
SPACE = """\
name: toy
family: toy
model:
  width: {choice: [2, 4]}
  activation: {choice: [relu, tanh]}
train:
  epochs: 1
"""


@pytest.fixture()
def toy(tmp_path, monkeypatch):
    """The toy module dropped into the families package (a second folder on its path), the catalog re-listed."""
    install(monkeypatch, tmp_path / "plugins", FAMILIES, "toy", TOY)
    (tmp_path / "toy.yaml").write_text(SPACE)
    return tmp_path


def test_the_catalog_and_the_schema_pick_up_a_new_module(toy):
    from automl.spec import load_space, validate_file

    assert FAMILIES.names()[-1] == "toy" and "toy" in FAMILIES
    contract.check_entry(FAMILIES.get("toy"), spaces=toy)
    assert validate_file(str(toy / "toy.yaml")) == f"{toy / 'toy.yaml'}: ok (search space 'toy', families toy)"
    (toy / "bad.yaml").write_text(SPACE.replace("width:", "depth:"))
    with pytest.raises(SpecError, match=r"bad.yaml:4:3: model.depth"):
        load_space(str(toy / "bad.yaml"))


def test_validate_refuses_an_input_kind_it_does_not_declare(toy):
    from automl.spec import check_fits, load_space

    with pytest.raises(SpecError, match=r"toy.yaml:2:9: family: expected families for image input "
                                        r"\(family 'toy' takes tabular\), received 'toy'"):
        check_fits(load_space(str(toy / "toy.yaml")), "image")


def test_the_contract_checks_run_on_it(toy, tmp_path):
    entry = FAMILIES.get("toy")
    assert ("toy", "tabular", "multiclass") in contract.family_kinds()
    model, x = contract.builds_and_trains("toy", "tabular", entry.tasks[0])
    contract.exports_and_reloads(model, x, "tabular", entry.tasks[0], tmp_path / "saved_model")
