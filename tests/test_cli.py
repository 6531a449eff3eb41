"""Bad input: one line naming what was expected and what was received, exit code 2."""

import pytest

from tests.conftest import ROOT, run_cli


@pytest.mark.parametrize("args, words", [
    (["search", "--dataset", "nope", "--space", "cnn"],
     "--dataset: expected one of: block_model, breast_cancer, cifar10, diabetes, digits"),
    (["search", "--dataset", "digits", "--space", "nope"],
     "--space: expected one of: auto_audio, auto_generation, auto_graph, auto_image"),
    (["search", "--dataset", "digits", "--space", "cnn", "--max-trials", "0"],
     "argument --max-trials: expected a positive integer, received '0'"),
    (["search", "--dataset", "digits", "--space", "cnn", "--epochs", "ten"],
     "argument --epochs: expected a positive integer, received 'ten'"),
    (["search", "--dataset", "digits", "--space", "cnn", "--controller", "magic"],
     "argument --controller: invalid choice: 'magic'"),
    (["search", "--dataset", "digits", "--space", "missing/space.yaml"],
     "missing/space.yaml: expected an existing space file"),
    (["search", "--space", "cnn"], "one of the arguments --dataset --data is required"),
    (["search", "--dataset", "digits", "--space", "cnn", "--format", "saved_model,pdf"],
     "argument --format: expected a comma-separated list of keras, onnx, saved_model, tflite, received 'pdf'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["search", "--dataset", "digits", "--space", "cnn", "--export-dir", "/proc/no/such"],
     "--export-dir: expected a folder that can be created, received '/proc/no/such'"),
    (["search", "--dataset", "digits", "--space", "cnn", "--export-dir", "/tmp", "--tracking-uri", "foo://bar"],
     "--tracking-uri: expected a URI MLflow can store runs in"),
    (["validate", str(ROOT / "search_spaces/cnn.yaml"), str(ROOT / "tests/no_such.yaml")],
     "tests/no_such.yaml: cannot read file"),
])
def test_bad_input_is_one_line_and_exit_2(args, words, tmp_path):
    # In a folder of its own: a search refused late (at the tracking URI) has made its state folder by then.
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]


def test_family_that_does_not_fit_the_data(tmp_path):
    done = run_cli("search", "--dataset", "iris", "--space", "cnn", "--export-dir", str(tmp_path),
                   "--no-tracking", cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: search_spaces/cnn.yaml:5:9: family: expected families for tabular input "
        "(family 'cnn' takes image, audio), received 'cnn'"]


def test_validate_against_a_dataset_checks_input_kind_and_task(write_yaml):
    done = run_cli("validate", "--dataset", "iris", "search_spaces/mlp.yaml", "search_spaces/cnn.yaml", cwd=ROOT)
    assert done.returncode == 2 and ": ok (" in done.stdout
    assert "cnn.yaml:5:9: family: expected families for tabular input" in done.stderr
    space = write_yaml("family: mlp\ntrain:\n  loss: huber\n")
    done = run_cli("validate", "--dataset", "iris", str(space), cwd=ROOT)
    assert "train.loss: expected auto or one of sparse_categorical_crossentropy" in done.stderr


def test_validate_reports_every_file():
    done = run_cli("validate", "search_spaces/cnn.yaml", "search_spaces/mlp.yaml", "datasets/digits.yaml",
                   cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok (") == 3
