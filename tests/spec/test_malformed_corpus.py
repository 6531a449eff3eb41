"""Every malformed space in tests/spec/malformed/ gets one line: file:line:col, key path,
expected and received; exit code 2; no traceback; TensorFlow never imported."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = sorted((Path(__file__).parent / "malformed").glob("*.yaml"))

# Runs `automl validate FILE` in-process for each file and reports what it printed,
# its exit code and whether any heavy library got imported.
PROBE = """
import contextlib, io, json, sys
from automl.cli import main
results = []
for path in sys.argv[1:]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["validate", path])
    results.append({"path": path, "rc": rc, "stderr": err.getvalue()})
heavy = [m for m in ("tensorflow", "keras", "keras_tuner", "mlflow") if m in sys.modules]
print(json.dumps({"results": results, "heavy": heavy}))
"""


@pytest.fixture(scope="module")
def answers() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, CORPUS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["heavy"] == []
    return {Path(r["path"]).name: r for r in report["results"]}


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_malformed_space_gets_one_line(answers, path):
    expected = path.read_bytes().splitlines()[0].decode().removeprefix("# expect: ")  # some files are not UTF-8
    answer = answers[path.name]
    lines = answer["stderr"].strip().splitlines()
    assert answer["rc"] == 2
    assert len(lines) == 1 and "Traceback" not in answer["stderr"], answer["stderr"]
    assert lines[0].startswith(f"error: {path}") or "extends" in expected, lines[0]
    assert expected in lines[0], lines[0]
    assert "expected" in lines[0] and ("received" in lines[0] or "unknown key" in lines[0])


def test_cli_exit_code_for_one_malformed_file():
    done = subprocess.run([sys.executable, "-m", "automl.cli", "validate", str(CORPUS[0])],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
