"""Shared fixtures: seeds, small data, tiny spaces written to tmp_path."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]

TINY_CNN = """\
    name: tiny_cnn
    family: cnn
    model:
      blocks: {int: [1, 2]}
      filters: {choice: [8, 16]}
      kernel_size: 3
      dense_units: {choice: [16, 32]}
    train:
      learning_rate: {float: [1.0e-3, 1.0e-2], log: true}
      batch_size: 64
      epochs: 3
      early_stopping: {patience: 2}
    search:
      max_trials: 3
      # Exported as searched (AS_SEARCHED below): on digits (1,257 training rows) cross-validation never runs,
      # but the greedy ensemble and the refit would; no test of this space checks either.
      cross_validation: {folds: 0}
      ensemble: {size: 0}
      refit: never
"""

# `--set` pins that export a search's best trial as it was searched: no cross-validation of the best trials,
# no greedy ensemble and no refit after the trials (on a small table those retrain the best trials some 25
# times). For searches whose tests check something else: kills and resumes, Ray, MLflow, progress, state.
AS_SEARCHED_SETTINGS = ("search.cross_validation.folds=0", "search.ensemble.size=0", "search.refit=never")
AS_SEARCHED = tuple(arg for setting in AS_SEARCHED_SETTINGS for arg in ("--set", setting))


@pytest.fixture(autouse=True)
def _seed() -> None:
    random.seed(0)
    np.random.seed(0)


@pytest.fixture()
def write_yaml(tmp_path: Path):
    """Writes dedented YAML text to a file in tmp_path and returns its path."""
    def write(text: str, name: str = "file.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path
    return write


@pytest.fixture()
def tiny_cnn(write_yaml) -> Path:
    """A small CNN space that trains in about a second a trial on digits."""
    return write_yaml(TINY_CNN, "tiny_cnn.yaml")


@pytest.fixture(scope="session")
def digits():
    """The digits DataBundle (the shipped card)."""
    from automl.data import load_dataset
    from automl.spec import load_card

    return load_dataset(load_card(str(ROOT / "datasets" / "digits.yaml")))


def run_cli(*args: str, cwd: Path, timeout: int = 600, env: dict | None = None):
    """Runs `automl` in a fresh process; returns the CompletedProcess."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run([sys.executable, "-m", "automl.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=full_env)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium, installed with apt-get when it is missing."""
    found = shutil.which("chromium")
    if found:
        return found
    # Two pytest-xdist workers may both find it missing: one installs, the other waits on the lock.
    with open(Path(tempfile.gettempdir()) / "automl-tests-chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return shutil.which("chromium") or _apt_install_chromium()


def _apt_install_chromium() -> str:
    """Installs Debian's Chromium with apt-get (as root, or through sudo without a password); returns its path."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run([*sudo, *step], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            pytest.fail(f"Chromium is missing and `{' '.join(step)}` failed: {done.stderr.strip()[-500:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.fail("apt-get installed chromium but no `chromium` command is on PATH")
    return found
