"""Trials per hour with 1 and with 2 workers, and the worker path's dispatch overhead, in one run.

    .venv/bin/python benchmarks/parallel.py [--trials 16] [--epochs 4]

Three searches of the same small, single-threaded trials (a small MLP on
digits, random controller, seed 0, every trial exactly ``--epochs`` epochs),
each ``automl search`` in a fresh process as a user runs it:

1. in process (the default ``--workers 1``), TensorFlow held to one thread;
2. one Ray worker (``--workers 1`` on a Ray runtime started beforehand with
   ``ray start``, so the trials go through the worker path);
3. two Ray workers on the same runtime.

A trial phase lasts from the first trial run's start to the last one's end
(read from the MLflow store). Trials per hour = trials / phase. The dispatch
overhead is (phase with one worker - phase in process) / trials: what the
worker path adds to each trial (the first trial's wait for its worker's
TensorFlow import included). "Once warm" counts only the trials that end
after every worker has ended its first one (a long search's rate, without
the one-time wait for the workers' TensorFlow import). Also: the local runtime's start and stop (a
``--workers 2`` search without ``--address``, whole command against the
runtime-backed one), and the resident memory of each worker process after
each of its trials (MB per trial: what bounds ``TRIALS_PER_PROCESS``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import ROOT, result, slope

SPACE = """\
    name: bench_mlp
    family: mlp
    model:
      layers: 2
      units: {per_layer: {choice: [32, 64, 128]}}
      dropout: {choice: [0.0, 0.1]}
    train:
      learning_rate: {float: [1.0e-3, 1.0e-2], log: true}
      batch_size: 32
      early_stopping: {patience: 10000}
"""
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}


def search(folder: Path, name: str, trials: int, epochs: int, *flags: str, env: dict | None = None) -> float:
    """One ``automl search`` in ``folder``; returns its wall seconds."""
    automl = str(Path(sys.executable).with_name("automl"))
    argv = [automl, "search", "--dataset", str(ROOT / "datasets" / "digits.yaml"), "--space",
            str(folder / "space.yaml"), "--experiment", name, "--controller", "random", "--seed", "0",
            "--max-trials", str(trials), "--epochs", str(epochs), "--device", "cpu", *flags]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def phase(folder: Path, name: str) -> tuple[float, float, dict[str, list[float]]]:
    """The trial phase's seconds, the steady rate (trials a second once every worker has ended a trial),
    and each worker process's memory after each of its trials, in order."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name(name).experiment_id], "tags.`automl.kind` = 'trial'",
                              max_results=1000)
    assert all(r.info.status == "FINISHED" for r in runs)
    span = (max(r.info.end_time for r in runs) - min(r.info.start_time for r in runs)) / 1000
    ends = sorted(r.info.end_time / 1000 for r in runs)
    workers = len({r.data.tags.get("worker", "").split(" ")[0] for r in runs})
    warm = ends[workers - 1]  # every worker has ended its first trial (its TensorFlow import paid)
    steady = (len(ends) - workers) / (ends[-1] - warm)
    memory: dict[str, list[float]] = {}
    for run in sorted(runs, key=lambda r: r.info.end_time):
        worker = run.data.tags.get("worker")
        if worker:
            memory.setdefault(worker.split(" ")[0], []).append(float(run.data.tags["worker_rss_mb"]))
    return span, steady, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    ray = str(Path(sys.executable).with_name("ray"))
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        folder = Path(tmp)
        (folder / "space.yaml").write_text(textwrap.dedent(SPACE))
        env = {"RAY_AUTH_MODE": "token", "RAY_USAGE_STATS_ENABLED": "0"}
        os.environ.update(env)
        subprocess.run([ray, "start", "--head", "--port", "6399", "--num-cpus", "2", "--include-dashboard",
                        "false", "--node-ip-address", "127.0.0.1", "--disable-usage-stats"], check=True,
                       capture_output=True)
        try:
            whole = {"in_process": search(folder, "in-process", args.trials, args.epochs, env=ONE_THREAD),
                     "one_worker": search(folder, "one-worker", args.trials, args.epochs, "--workers", "1",
                                          "--address", "127.0.0.1:6399"),
                     "two_workers": search(folder, "two-workers", args.trials, args.epochs, "--workers", "2",
                                           "--address", "127.0.0.1:6399")}
        finally:
            subprocess.run([ray, "stop", "--force"], capture_output=True)
        whole["two_workers_local"] = search(folder, "two-local", args.trials, args.epochs, "--workers", "2")
        spans = {name: phase(folder, experiment) for name, experiment in
                 (("in_process", "in-process"), ("one_worker", "one-worker"), ("two_workers", "two-workers"))}
    per_hour = {name: args.trials / span * 3600 for name, (span, _, _) in spans.items()}
    steady = {name: rate * 3600 for name, (_, rate, _) in spans.items()}
    overhead = (spans["one_worker"][0] - spans["in_process"][0]) / args.trials
    steady_overhead = 1 / steady["one_worker"] * 3600 - 1 / steady["in_process"] * 3600
    growth = [slope(series) for _, _, memory in spans.values() for series in memory.values() if len(series) >= 3]
    for name, (span, _, _) in spans.items():
        print(f"{name:12s} trial phase {span:7.1f} s  {per_hour[name]:7.0f} trials/hour ({steady[name]:5.0f} once "
              f"warm)  whole command {whole[name]:6.1f} s")
    print(f"two workers, local runtime started and stopped by the command: whole command "
          f"{whole['two_workers_local']:.1f} s (against {whole['two_workers']:.1f} s on a running runtime)")
    result("parallel", trials=args.trials, epochs=args.epochs,
           trials_per_hour={k: round(v) for k, v in per_hour.items()},
           speedup_two_workers=round(per_hour["two_workers"] / per_hour["in_process"], 3),
           speedup_two_workers_warm=round(steady["two_workers"] / steady["in_process"], 3),
           dispatch_overhead_s=round(overhead, 3), dispatch_overhead_warm_s=round(steady_overhead, 3),
           local_runtime_s=round(whole["two_workers_local"] - whole["two_workers"], 1),
           worker_rss_mb_per_trial=round(max(growth), 2) if growth else None,
           worker_rss_mb=max((s[-1] for _, _, m in spans.values() for s in m.values()), default=None))


if __name__ == "__main__":
    main()
