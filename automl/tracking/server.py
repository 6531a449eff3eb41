"""Starting an MLflow tracking server / UI on this machine (``automl ui``, and tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from automl.errors import TrackingError


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``host:port`` (a port left in TIME_WAIT counts as free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the system says is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_server(store_uri: str, host: str, port: int, artifacts: Path,
                 log: Path | None = None) -> subprocess.Popen:
    """Starts ``mlflow server`` (one worker) on ``store_uri``, serving artifacts from ``artifacts``.

    Raises:
        TrackingError: The port is taken.
    """
    if not port_free(host, port):
        raise TrackingError(f"--port: port {port} on {host} is in use; choose another with --port")
    command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", store_uri,
               "--artifacts-destination", str(artifacts), "--host", host, "--port", str(port),
               "--workers", "1"]
    output = open(log, "ab") if log else subprocess.DEVNULL
    # Its own process group: mlflow starts the web server as a child, and both must stop together.
    return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(process: subprocess.Popen, url: str, timeout: float = 120.0) -> None:
    """Waits until ``url``/health answers, from the server ``process`` started.

    Two servers started on one port within a second both find it free; the second
    then fails to bind, but ``url`` answers (from the first). So an answer counts only
    once ``process`` or one of its children listens on the port.

    Raises:
        TrackingError: The server exited, another one answers on its port, or none
            answered within ``timeout`` seconds.
    """
    port = urllib.parse.urlsplit(url).port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TrackingError(f"mlflow server exited with code {process.returncode} before answering at {url}"
                                f"{' (is another server on its port?)' if not port_free('127.0.0.1', port) else ''}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200 and listens(process, port):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TrackingError(f"mlflow server did not answer at {url} within {timeout:.0f} s")


def listens(process: subprocess.Popen, port: int | None) -> bool:
    """Whether ``process`` or one of its children listens on TCP ``port``."""
    import psutil

    try:
        root = psutil.Process(process.pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for member in family:
        try:
            sockets = member.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr and s.laddr.port == port for s in sockets):
            return True
    return False


def stop(process: subprocess.Popen) -> None:
    """Stops a server started by `start_server`, killing it if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
