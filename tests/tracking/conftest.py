"""Fixtures for tracking tests: a real `mlflow server` on 127.0.0.1 (Chromium is in tests/conftest.py)."""

from __future__ import annotations

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
