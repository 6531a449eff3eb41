"""Hostile files get one line from `automl validate`: exit code 2, within seconds and little memory,
never a traceback, and TensorFlow never imported. The big files are written at test time."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli

# Runs `automl validate FILE` in-process for each file; reports what it printed, its exit code,
# how long it took, the process's peak memory and whether any heavy library got imported.
PROBE = """
import contextlib, io, json, sys, time
from automl.cli import main
results = []
for path in sys.argv[1:]:
    err = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["validate", path])
    results.append({"path": path, "rc": rc, "stderr": err.getvalue(), "seconds": time.perf_counter() - start})
heavy = [m for m in ("tensorflow", "keras", "keras_tuner", "mlflow") if m in sys.modules]
try:  # this process's own peak (ru_maxrss would count the pytest process it was forked from)
    peak_mb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
except OSError:
    peak_mb = None
print(json.dumps({"results": results, "heavy": heavy, "peak_mb": peak_mb}))
"""


def laughs(levels: int) -> str:
    """"Billion laughs": each level is ten aliases of the one before (10**levels values once expanded)."""
    lines = ['a0: &a0 "lol"'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "family: mlp\n" + "\n".join(lines) + "\n"


# name -> (how to write it, what its one line must say)
HOSTILE = {
    "laughs6.yaml": (lambda p: p.write_text(laughs(6)), "values once aliases are expanded, received 111,111"),
    "laughs9.yaml": (lambda p: p.write_text(laughs(9)), "values once aliases are expanded, received 111,111"),
    "keys400k.yaml": (lambda p: p.write_text("family: mlp\n" + "".join(f"k{i}: {i}\n" for i in range(400_000))),
                      "expected a YAML file of at most 250,000 bytes, received 6,"),
    "values30k.yaml": (lambda p: p.write_text("family: mlp\nmodel: [" + "1," * 30_000 + "1]\n"),
                       "model: expected at most 10,000 YAML values, received more"),
    "deep3000.yaml": (lambda p: p.write_text("family: mlp\nmodel: " + "[" * 3000 + "]" * 3000 + "\n"),
                      "expected at most 32 levels of nesting, received more"),
    "latin1.yaml": (lambda p: p.write_bytes(b"family: mlp\ndescription: caf\xe9\n"),
                    ":2:17: expected UTF-8 text, received byte 0xe9"),
    "fifo.yaml": (lambda p: os.mkfifo(p), "expected a regular YAML file, received a FIFO"),
    "folder.yaml": (lambda p: p.mkdir(), "expected a regular YAML file, received a folder"),
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (write, _) in HOSTILE.items():
        write(folder / name)
    paths = [str(folder / name) for name in HOSTILE] + ["/dev/zero"]
    done = subprocess.run([sys.executable, "-c", PROBE, *paths], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["heavy"] == []
    assert (report["peak_mb"] or 0) < 400, report["peak_mb"]  # billion laughs took 11 GB before the limits
    return {os.path.basename(r["path"]): r for r in report["results"]}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("name", [*HOSTILE, "zero"])
def test_hostile_file_gets_one_line_quickly(answers, name):
    answer = answers[name]
    device = "/dev/zero: expected a regular YAML file, received a character device"
    words = HOSTILE[name][1] if name in HOSTILE else device
    lines = answer["stderr"].strip().splitlines()
    assert answer["rc"] == 2
    assert len(lines) == 1 and "Traceback" not in answer["stderr"], answer["stderr"]
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]
    assert answer["seconds"] < 10, answer["seconds"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_cli_never_blocks_on_a_fifo_or_a_device(tmp_path):
    os.mkfifo(tmp_path / "space.yaml")
    done = run_cli("validate", str(tmp_path / "space.yaml"), "/dev/zero", cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert [line.split(": expected")[1] for line in done.stderr.strip().splitlines()] == [
        " a regular YAML file, received a FIFO", " a regular YAML file, received a character device"]
