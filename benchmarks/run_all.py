"""`make bench`: the six performance benchmarks, the graph, generation and quality benchmarks and the random-kill loop;
a table, appended to RESULTS.md.

    .venv/bin/python benchmarks/run_all.py [--only overhead,memory,...] [--note "what changed"]

Each benchmark runs in a fresh process (so one's memory or traced graphs do
not reach the next) and ends with a ``RESULT {json}`` line; this script reads
those lines, compares each headline figure with its target, and appends the
table to ``benchmarks/RESULTS.md`` under a heading with the date, the commit
and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# name -> (script and arguments, how its headline is read, target text, whether the figure meets it)
BENCHMARKS = {
    "overhead": (["overhead.py"], lambda r: r["ratio_trials"], "<= 1.05 (automl / plain Keras wall time)",
                 lambda v: v <= 1.05),
    "memory": (["memory.py"], lambda r: r["slope_mb_per_trial"], "<= 1 MB per trial", lambda v: v <= 1.0),
    "controller_latency": (["controller_latency.py"],
                           lambda r: max(v for k, v in r.items() if k.endswith("_ms_at_500")),
                           "< 50 ms per proposal at 500 trials (slowest controller)", lambda v: v < 50),
    "tracking_share": (["tracking_share.py", "--max-trials", "10"], lambda r: r["share"],
                       "< 0.02 of wall time in MLflow calls", lambda v: v < 0.02),
    "time_to_target": (["time_to_target.py"], lambda r: r["ratio"],
                       "<= 0.5 (automl / plain KerasTuner median time to 0.98)", lambda v: v <= 0.5),
    "parallel": (["parallel.py"], lambda r: r["speedup_two_workers_warm"],
                 ">= 1.6 (trials per hour once warm, 2 Ray workers / in process, 2 cores; the whole trial phase's "
                 "ratio and the dispatch overhead, <= 0.5 s a trial, are in the figures)", lambda v: v >= 1.6),
    "graphs": (["graphs.py"], lambda r: r["margin_block_model"],
               ">= 0.1 (block-model graph: median test accuracy of the best gnn minus the best mlp on node "
               "features alone, 3 seeds, same time budget; the wiring-only set's margin over logistic regression "
               "on graph statistics, and karate, are in the figures)", lambda v: v >= 0.1),
    "generation": (["generation.py"], lambda r: r["ratio_best_searched_to_dcgan"],
                   "<= 1.0 (digits: median test Fréchet distance of the better searched family, gan or diffusion, "
                   "over the fixed DCGAN's, 2 seeds, same time budget; each system's distance and the floor are in "
                   "the figures)", lambda v: v <= 1.0),
    "quality": (["quality.py"], lambda r: r["worst_margin_to_best_sklearn"],
                ">= 0 (median test score of `automl search --space auto` minus the best scikit-learn model's, on "
                "the worst of the 5 bundled datasets, 5 split seeds, 30 s / 60 s budgets; below_plain counts datasets "
                "where plain KerasTuner's median is higher)", lambda v: v >= 0),
    "kill_loop": (["kill_loop.py", "--kills", "24"], lambda r: r["problems"],
                  "0 trials repeated or lost, runs left RUNNING, artifacts or exports left half-written "
                  "(searches SIGKILLed at random)", lambda v: v == 0),
}


def run(name: str) -> dict:
    """Runs one benchmark, echoing its output; returns its RESULT figures."""
    script, *args = BENCHMARKS[name][0]
    print(f"== {name}: {script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(HERE / script), *args], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    figures: dict = {}
    for line in process.stdout:
        if line.startswith("RESULT "):
            figures = json.loads(line[len("RESULT "):])
        elif "W0000" not in line and "I0000" not in line:
            print("   " + line.rstrip(), flush=True)
    if process.wait() != 0 or not figures:
        raise SystemExit(f"error: benchmark {name} failed (exit {process.returncode}); its output is above")
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def machine() -> str:
    """The machine and versions, in one line."""
    import importlib.metadata as md

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 2**20 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    versions = ", ".join(f"{p} {md.version(p)}" for p in ("tensorflow-cpu", "keras", "keras-tuner", "mlflow", "optuna")
                         if _installed(p))
    cores = len(os.sched_getaffinity(0))
    return f"{cpu}, {cores} CPU cores, {memory} GiB; Python {platform.python_version()}, {versions}"


def _installed(package: str) -> bool:
    import importlib.metadata as md

    try:
        md.version(package)
        return True
    except md.PackageNotFoundError:
        return False


def table(results: dict[str, dict]) -> str:
    """The headline figure of each benchmark against its target, as Markdown."""
    lines = ["| benchmark | figure | target | met | details |", "|---|---|---|---|---|"]
    for name, figures in results.items():
        _, headline, target, meets = BENCHMARKS[name]
        value = headline(figures)
        details = ", ".join(f"{k}={v}" for k, v in figures.items() if k != "benchmark")
        lines.append(f"| {name} | {value:g} | {target} | {'yes' if meets(value) else 'no'} | {details} |")
    return "\n".join(lines)


def main() -> None:
    """Runs the chosen benchmarks and records the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    parser.add_argument("--note", default="", help="a line saying what this run measures (e.g. the change)")
    args = parser.parse_args()
    unknown = [n for n in args.only.split(",") if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"error: --only: expected names from {', '.join(BENCHMARKS)}, "
                         f"received {', '.join(unknown)}")
    results = {name: run(name) for name in args.only.split(",")}
    git = lambda *words: subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: E731
    commit, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain")
    text = table(results)
    where = f"{commit or 'unknown commit'}{' (uncommitted changes)' if dirty else ''}"
    heading = (f"## {time.strftime('%Y-%m-%d %H:%M')} at {where}"
               f"\n\n{machine()}\n" + (f"\n{args.note}\n" if args.note else ""))
    with open(HERE / "RESULTS.md", "a") as f:
        f.write(f"\n{heading}\n{text}\n")
    print(text)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
