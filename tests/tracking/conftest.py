"""Fixtures for tracking tests: a real `mlflow server` on 127.0.0.1 (Chromium is in tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from automl.tracking.server import free_port, start_server, stop, wait_ready


class Server:
    """A running `mlflow server` with a SQLite store in a test folder; restartable on its port."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> "Server":
        self.process = start_server(f"sqlite:///{self.root / 'server.db'}", "127.0.0.1", self.port,
                                    self.root / "artifacts", log=self.root / "server.log")
        wait_ready(self.process, self.url)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@pytest.fixture()
def mlflow_server(tmp_path: Path):
    """A fresh server per test."""
    (tmp_path / "server").mkdir()
    server = Server(tmp_path / "server").start()
    yield server
    server.stop()
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
