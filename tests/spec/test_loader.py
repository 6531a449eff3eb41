"""Validation errors name file, line, column and key path; no TensorFlow needed."""

import subprocess
import sys

import pytest

from automl.errors import SpecError
from automl.spec import load_card, load_space, validate_file


@pytest.mark.parametrize("text, where, words", [
    ("family: cnn\nmodel:\n  filterz: 3\n", ":3:3: model.filterz", "unknown key; expected one of: activation, dropout"),
    ("family: cnn\nmodel:\n  filters: {int: [64, 16]}\n", ":3:12: model.filters", "lo <= hi"),
    ("family: cnn\nsearch:\n  max_trials: many\n", ":3:15: search.max_trials", "received 'many'"),
    ("family: rnnx\n", ":1:9: family", "received 'rnnx'"),
    ("family: mlp\ntrain:\n  learning_rate: {float: [0, 0.1], log: true}\n", ":3:18: train.learning_rate",
     "received 0.0"),
    ("family: mlp\nmodel:\n  units: 8\n  units: 9\n", ":4:3: model.units", "duplicate"),
    ("family: mlp\nmodel: [1\n", ":3:1:", "expected valid YAML"),
    ("family: mlp\nbogus: 1\n", ":2:1: bogus", "unknown key"),
    ("- a list\n", ":1:1: top level", "expected a mapping"),
])
def test_space_errors_point_at_the_key(write_yaml, text, where, words):
    path = write_yaml(text)
    with pytest.raises(SpecError) as err:
        load_space(str(path))
    message = str(err.value)
    assert message.startswith(str(path) + where), message
    assert words in message
    assert "\n" not in message


def test_scientific_notation_reads_as_float(write_yaml):
    path = write_yaml("family: mlp\ntrain:\n  learning_rate: {float: [1e-4, 1e-2], log: true}\n")
    assert load_space(str(path)).spec.train.learning_rate.lo == pytest.approx(1e-4)


def test_card_errors(write_yaml):
    path = write_yaml("name: x\nsource: sklearn\noptions: {dataset: mnist}\n")
    with pytest.raises(SpecError, match=r":3:20: options.dataset: expected 'digits'.*received 'mnist'"):
        load_card(str(path))
    path = write_yaml("name: x\nsource: sklearn\noptions: {dataset: iris}\nsplits: {validation: 0.6, test: 0.5}\n")
    with pytest.raises(SpecError, match="expected validation \\+ test < 1"):
        load_card(str(path))


def test_unknown_names_list_what_exists():
    with pytest.raises(SpecError, match=r"--space: expected one of: .*cnn.*mlp.*received 'nope'"):
        load_space("nope")
    with pytest.raises(SpecError, match=r"expected an existing card file, received a missing path"):
        load_card("missing/file.yaml")


def test_validate_tells_space_from_card(write_yaml):
    assert "search space" in validate_file("search_spaces/cnn.yaml")
    assert "dataset card" in validate_file("datasets/digits.yaml")
    with pytest.raises(SpecError, match="expected a search space .* or a dataset card"):
        validate_file(str(write_yaml("hello: 1\n")))


def test_validation_never_imports_tensorflow():
    code = ("import sys; from automl.cli import main; "
            "rc = main(['validate', 'search_spaces/cnn.yaml', 'datasets/digits.yaml']); "
            "assert rc == 0, rc; bad = [m for m in ('tensorflow', 'keras', 'keras_tuner', 'mlflow') "
            "if m in sys.modules]; assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
