"""Random kills: searches SIGKILLed at random instants and resumed until they finish, then audited.

    .venv/bin/python benchmarks/kill_loop.py [--kills 24] [--trials 16] [--seed 0]

Each round is a fresh search (a small MLP on iris, every bookkeeping step of
a trial taking a fraction of a second); a process running it is killed after
a random delay, drawn anew for every process, until one finishes. Rounds go
on until at least ``--kills`` kills. Then `automl.faults.audit_search` counts
what each round left: trials completed, and what must all be zero: trials
trained again after they were committed, trials lost, runs left RUNNING,
trial runs without their artifacts, temporary export folders left behind.
The test suite kills at each bookkeeping step in turn
(tests/e2e/test_kill_points.py); this loop kills wherever chance lands.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

from common import result

from automl.faults import audit_search, trace_events

SPACE = """\
    name: loop_mlp
    family: mlp
    model:
      layers: {int: [1, 2]}
      units: {per_layer: {choice: [4, 8, 16, 32]}}
      dropout: {choice: [0.0, 0.1, 0.2]}
    train:
      learning_rate: {float: [1.0e-3, 1.0e-2], log: true}
      batch_size: 32
      epochs: 2
"""
ZERO = ("repeats", "losses", "runs_left_running", "artifacts_missing", "temporary_exports")
FINISHING = ("search.trials_done", "export.", "search.model_logged", "search.ended")


def landed(events: list[tuple[str, str]]) -> str:
    """Where a kill landed, from the points the killed process reached: start-up, trials or finishing."""
    if not events:
        return "kills_in_start_up"  # imports, loading the data, opening the store
    return "kills_finishing" if events[-1][0].startswith(FINISHING) else "kills_in_trials"


def round_of_kills(root: Path, experiment: str, trials: int, rng: random.Random, delays: tuple[float, float],
                   ) -> tuple[Counter, dict[str, int]]:
    """Runs one search, killing each process after a random delay, until one finishes; returns the kills
    (in all and by where they landed) and the audit."""
    trace = root / f"{experiment}.trace"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOML_", "MLFLOW_"))}
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "AUTOML_TRACE": str(trace)})
    command = [sys.executable, "-m", "automl.cli", "search", "--dataset", "iris", "--space", str(root / "space.yaml"),
               "--max-trials", str(trials), "--experiment", experiment, "--seed", "1"]
    kills: Counter = Counter()
    while True:
        before = len(trace_events(trace)) if trace.exists() else 0
        process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        try:
            process.wait(timeout=rng.uniform(*delays))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            kills.update(["kills", landed(trace_events(trace)[before:] if trace.exists() else [])])
            continue
        if process.returncode != 0:
            raise SystemExit(f"error: the search exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        return kills, audit_search(root, experiment, trials, trace)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=24, help="kill at least this many processes in all")
    parser.add_argument("--trials", type=int, default=16, help="trials per search")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill delays")
    parser.add_argument("--delays", type=float, nargs=2, default=(3.0, 14.0), metavar=("LOW", "HIGH"),
                        help="seconds after a process starts when it is killed, drawn uniformly (default 3 14)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals: Counter = Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kill-loop-") as folder:
        root = Path(folder)
        (root / "space.yaml").write_text(textwrap.dedent(SPACE))
        rounds = 0
        while totals["kills"] < args.kills:
            kills, audit = round_of_kills(root, f"round{rounds}", args.trials, rng, tuple(args.delays))
            rounds += 1
            totals.update(kills)
            totals.update(audit)
            print(f"round {rounds}: " + ", ".join(f"{k}={v}" for k, v in {**kills, **audit}.items()), flush=True)
    problems = sum(totals[k] for k in ZERO)
    where = ("kills_in_start_up", "kills_in_trials", "kills_finishing")
    print(f"{totals['kills']} kills over {rounds} searches of {args.trials} trials: "
          + ", ".join(f"{k}={totals[k]}" for k in (*where, "trials_completed", *ZERO)))
    result("kill_loop", problems=problems, kills=totals["kills"], **{k: totals[k] for k in where}, searches=rounds,
           **{k: totals[k] for k in ("trials_completed", *ZERO)}, seconds=round(time.perf_counter() - started, 1))


if __name__ == "__main__":
    main()
