"""`extends` names a shipped space or a .yaml/.yml file holding a search space; anything else is one
line at the `extends` value."""

import os

import pytest

from automl.errors import SpecError
from automl.spec import load_space, validate_file
from automl.spec.files import MAX_EXTENDS


def refused(path) -> str:
    with pytest.raises(SpecError) as err:
        load_space(str(path))
    message = str(err.value)
    assert message.startswith(f"{path}:1:10: extends: ") and "\n" not in message, message
    return message


@pytest.mark.parametrize("parent", ["/etc/passwd", "../search_spaces/cnn", "cnn.txt", "/dev/zero", "'~'", "''", "5"])
def test_only_a_shipped_name_or_a_yaml_path(write_yaml, parent):
    message = refused(write_yaml(f"extends: {parent}\nfamily: mlp\n"))
    assert "expected one of: auto_audio, " in message and ", cnn, " in message, message
    assert "(or a path to a .yaml or .yml file)" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_or_a_folder_named_yaml_is_not_read(tmp_path, write_yaml):
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "folder.yaml").mkdir()
    assert "expected a regular space file, received a FIFO ('fifo.yaml')" in refused(
        write_yaml("extends: fifo.yaml\nfamily: mlp\n", "a.yaml"))
    assert "expected a regular space file, received a folder ('folder.yaml')" in refused(
        write_yaml("extends: folder.yaml\nfamily: mlp\n", "b.yaml"))
    assert "expected an existing space file, received a missing path ('gone.yml')" in refused(
        write_yaml("extends: gone.yml\nfamily: mlp\n", "c.yaml"))


@pytest.mark.parametrize("base, received", [
    ("- family: mlp\n", "received a list value in "),
    ("", "received an empty file in "),
    ("just text\n", "received a str value in "),
    ("name: digits\nsource: sklearn\noptions: {dataset: digits}\n", "received a mapping without a 'family' key in "),
])
def test_the_base_must_be_a_search_space(write_yaml, base, received):
    write_yaml(base, "base.yaml")
    message = refused(write_yaml("extends: base.yaml\nfamily: mlp\n", "child.yaml"))
    assert "expected a search space (a mapping with a 'family' key), " + received in message


def test_relative_paths_resolve_beside_the_file_then_from_the_current_folder(tmp_path, write_yaml, monkeypatch):
    (tmp_path / "spaces").mkdir()
    write_yaml("family: mlp\nmodel: {units: 8}\n", "spaces/base.yml")
    child = write_yaml("extends: base.yml\n", "spaces/child.yaml")
    assert load_space(str(child)).model.units.value == 8
    monkeypatch.chdir(tmp_path)  # as before: a path the current folder resolves still works
    write_yaml("extends: spaces/base.yml\nmodel: {units: 16}\n", "elsewhere.yaml")
    assert load_space("elsewhere.yaml").model.units.value == 16
    assert "search space" in validate_file("elsewhere.yaml")


def test_a_chain_of_extends_has_a_length_limit(write_yaml):
    write_yaml("family: mlp\n", "s0.yaml")
    for i in range(1, MAX_EXTENDS + 1):
        last = write_yaml(f"extends: s{i - 1}.yaml\n", f"s{i}.yaml")
    with pytest.raises(SpecError, match=rf"s1.yaml:1:10: extends: expected at most {MAX_EXTENDS} spaces in a chain"):
        load_space(str(last))
    assert load_space(str(last.with_name(f"s{MAX_EXTENDS - 1}.yaml"))).families == ["mlp"]
