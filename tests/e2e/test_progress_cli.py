"""`automl search` on a terminal draws live bars; piped, it prints the plain lines alone."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.conftest import AS_SEARCHED, run_cli

pytestmark = pytest.mark.slow

# As searched: the bars and lines are the trials'; no ensemble or refit of iris's trials after them.
ARGS = ["search", "--dataset", "iris", "--max-trials", "2", "--epochs", "6", "--no-tracking", *AS_SEARCHED]


def on_a_terminal(cwd, *extra: str) -> tuple[int, str]:
    """Runs the search with its standard error on a pseudo-terminal (as in a real terminal); returns the exit
    code and everything drawn there."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(TERM="xterm-256color", COLUMNS="160", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.Popen([sys.executable, "-m", "automl.cli", *ARGS, *extra], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn.extend(chunk)
    os.close(leader)
    return proc.wait(timeout=600), drawn.decode(errors="replace")


def test_a_terminal_gets_live_bars_for_the_search_and_the_running_trial(tmp_path):
    code, drawn = on_a_terminal(tmp_path, "--time-budget", "10m")
    assert code == 0, drawn[-3000:]
    assert "\x1b[" in drawn and "━" in drawn  # drawn with cursor moves, as bars
    assert "2/2 trials, best val_accuracy=" in drawn  # the search bar at its end
    assert "of 0:10:00 budget" in drawn and "left" in drawn
    assert "of at most 6, val_accuracy=" in drawn  # the running trial's bar
    assert "trial 1/2 (id 0):" in drawn and "trial 2/2 done:" in drawn  # the plain lines above the bars


def test_piped_output_is_plain_lines(tmp_path):
    done = run_cli(*ARGS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "\x1b[" not in done.stderr and "━" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 4 and "trial 2/2 done:" in lines[-1]
