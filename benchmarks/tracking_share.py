"""Tracking-cost benchmark: the share of a search's wall time spent in MLflow calls.

    .venv/bin/python benchmarks/tracking_share.py [--space cnn] [--max-trials 6] [--server]

Runs the same seeded search on the shipped digits card twice in one process:
once logging to a fresh MLflow SQLite store (or, with ``--server``, to a real
``mlflow server`` on 127.0.0.1) through a wrapper that times every tracker
call, and once with tracking off as the baseline. Prints the seconds spent in
each kind of call, tracking seconds / total seconds, and the search's wall time
with tracking as a ratio of the baseline's.

"Tracking seconds" are the seconds the search's own thread spent inside
tracker calls, waits for the tracker's background writer included. The
writer's own busy seconds (trial artifacts drawn and written while the next
trial trains) are printed beside them, and the wall-time ratio against the
untracked search shows what all of it costs together.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from common import result  # noqa: E402 - also puts the checkout on sys.path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TIMED = ("start_search", "log_dataset", "start_trial", "log_epoch", "end_trial", "trials_done", "log_model",
         "end_search")


class TimedTracker:
    """Wraps a tracker; adds up the wall time and count of each of its calls."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter = Counter()

    def __getattr__(self, name: str):
        attribute = getattr(self.inner, name)
        if name not in TIMED:
            return attribute

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1
        return timed


def search(args: argparse.Namespace, folder: Path, tracker) -> float:
    """One seeded search; returns its wall time (data already loaded, export included)."""
    from automl.app.search import SearchOptions, load_inputs, run_search

    opts = SearchOptions(dataset="digits", space=args.space, max_trials=args.max_trials, seed=0,
                         experiment="bench", export_dir=str(folder / "exports"), state_dir=str(folder / "state"),
                         device="cpu", fresh=True, tracking=tracker is not None)
    inputs = load_inputs(opts)
    started = time.perf_counter()
    run_search(opts, progress_stream=io.StringIO(), inputs=inputs, tracker=tracker)
    return time.perf_counter() - started


def main() -> None:
    """Prints the per-call breakdown, the tracking share and the ratio against no tracking."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", default="cnn")
    parser.add_argument("--max-trials", type=int, default=6)
    parser.add_argument("--server", action="store_true", help="log to a real mlflow server on 127.0.0.1")
    args = parser.parse_args()

    from automl.tracking import MlflowTracker
    from automl.tracking.server import free_port, start_server, stop, wait_ready

    with tempfile.TemporaryDirectory() as tmp:
        root, server = Path(tmp), None
        uri = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
        if args.server:
            port = free_port()
            server = start_server(f"sqlite:///{root / 'server.db'}", "127.0.0.1", port, root / "artifacts")
            uri = f"http://127.0.0.1:{port}"
            wait_ready(server, uri)
        try:
            search(args, root / "warm-up", None)  # TensorFlow's first graphs are traced here, in no one's time
            tracked = TimedTracker(MlflowTracker(uri))
            with_tracking = search(args, root / "tracked", tracked)
            without = search(args, root / "untracked", None)
        finally:
            if server is not None:
                stop(server)
    spent = sum(tracked.seconds.values())
    print(f"tracking benchmark: digits, space {args.space}, {args.max_trials} trials, store {uri.split(':')[0]}")
    print(f"{'call':14s} {'calls':>6s} {'seconds':>8s} {'ms/call':>8s}")
    for name in TIMED:
        calls = tracked.calls[name]
        print(f"{name:14s} {calls:6d} {tracked.seconds[name]:8.2f} {1000 * tracked.seconds[name] / max(calls, 1):8.1f}")
    print(f"search wall time with tracking: {with_tracking:.1f} s; tracking calls: {spent:.2f} s")
    print(f"tracking share (tracking seconds / total seconds): {spent / with_tracking:.3f}")
    print(f"  of which the best model (log_model, once per search): {tracked.seconds['log_model'] / with_tracking:.3f}")
    background, cpu = tracked.inner.writer.busy_seconds, tracked.inner.writer.cpu_seconds
    print(f"background writer (overlapping training): {background:.2f} s, of which CPU {cpu:.2f} s; "
          f"all tracking work / total seconds: {(spent + background) / with_tracking:.3f} "
          f"(with the writer's CPU seconds: {(spent + cpu) / with_tracking:.3f})")
    print(f"wall time with tracking / without (baseline {without:.1f} s, same run): {with_tracking / without:.2f}")
    result("tracking_share", store=uri.split(":")[0], share=round(spent / with_tracking, 4),
           tracking_s=round(spent, 2), background_s=round(background, 2),
           background_cpu_s=round(cpu, 2), total_s=round(with_tracking, 2),
           ratio_vs_untracked=round(with_tracking / without, 3))


if __name__ == "__main__":
    main()
