"""Anytime benchmark: which controller finds a good model soonest under the same wall-clock budget.

    .venv/bin/python benchmarks/anytime.py [--seeds 5] [--controllers random,bayesian,...]
        [--budget digits=45 --budget diabetes=30] [--target digits=0.98] [--out benchmarks/out/anytime]
        [--report-only]

For each seed, dataset and controller (interleaved in that order, so drift in
the machine's speed falls on every controller alike) it runs one search in
this process with ``--time-budget`` and tracking off, recording when each trial
ended and its validation objective. Every run is appended to ``runs.jsonl``
as it finishes, so ``--report-only`` can redraw from a partial benchmark.

Datasets: digits (images, space ``cnn``, validation accuracy) and diabetes
(tabular regression, space ``mlp``, validation loss; the space's initial point
is left out, since the shipped baseline alone reaches what 30 s of any
controller finds, and the benchmark compares the controllers). A target of ``auto`` is
the median over all runs of the best value each reached, so about half of the
runs reach it and the time to it separates the controllers.

Writes ``anytime.png`` (median best-so-far validation objective against
seconds, with the range over seeds shaded) and ``anytime.md``, the table of
median time to the target and median final test score, and prints the table.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CONTROLLERS = ("random", "bayesian", "hyperband", "evolution", "rl", "asha")


@dataclass(frozen=True)
class Case:
    """One dataset of the benchmark: its space, budget, objective and target."""

    space: str
    budget: float
    objective: str
    direction: str  # "max" or "min"
    target: str  # a number, or "auto"
    test_metric: str
    settings: tuple[str, ...] = ()  # --set pins


# Both leave out their space's shipped initial point: it alone reaches the target, and hides
# the controllers' differences that this benchmark compares.
DATASETS = {"digits": Case("cnn", 45.0, "val_accuracy", "max", "0.98", "test_accuracy", ("search.initial_points=[]",)),
            "diabetes": Case("mlp", 30.0, "val_loss", "min", "auto", "test_mae", ("search.initial_points=[]",))}


class Recorder:
    """A tracker that keeps, for each finished trial, its end time and validation objective."""

    def __init__(self, objective: str) -> None:
        from automl.tracking import NullTracker

        self.inner, self.objective = NullTracker(), objective
        self.started = time.perf_counter()
        self.points: list[tuple[float, float]] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def start_search(self, *args, **kwargs):
        self.started = time.perf_counter()
        return None

    def end_trial(self, record) -> None:
        value = record.metrics.get(self.objective)
        if record.status != "failed" and value is not None and math.isfinite(value):
            self.points.append((round(time.perf_counter() - self.started, 3), float(value)))


def run_one(dataset: str, case: Case, controller: str, seed: int, budget: float, root: Path) -> dict:
    """One budgeted search; returns its trial points and the best model's test score."""
    from automl.app.search import SearchOptions, load_inputs, run_search

    folder = root / f"{dataset}-{controller}-{seed}"
    opts = SearchOptions(dataset=dataset, space=case.space, controller=controller, max_trials=1000, seed=seed,
                         time_budget=budget, experiment="anytime", export_dir=str(folder / "exports"),
                         state_dir=str(folder / "state"), device="cpu", fresh=True, tracking=False,
                         settings=case.settings)
    inputs = load_inputs(opts)
    recorder = Recorder(case.objective)
    result = run_search(opts, progress_stream=io.StringIO(), inputs=inputs, tracker=recorder)
    return {"dataset": dataset, "controller": controller, "seed": seed, "budget": budget,
            "points": recorder.points, "trials": result.completed, "failed": result.failed,
            "test": result.test_metrics.get(case.test_metric)}


def better(direction: str):
    """``max`` or ``min``, as the objective's direction says."""
    return max if direction == "max" else min


def best_so_far(points: list[list[float]], grid: list[float], direction: str) -> list[float]:
    """The best objective reached by each time of ``grid`` (NaN before the first trial ends)."""
    out, best, i, pick = [], float("nan"), 0, better(direction)
    ordered = sorted(points)
    for t in grid:
        while i < len(ordered) and ordered[i][0] <= t:
            best = ordered[i][1] if math.isnan(best) else pick(best, ordered[i][1])
            i += 1
        out.append(best)
    return out


def final_best(run: dict, direction: str) -> float:
    """The best objective of a run (NaN when no trial finished)."""
    return better(direction)((v for _, v in run["points"]), default=math.nan)


def time_to_target(points: list[list[float]], target: float, direction: str) -> float:
    """Seconds until a trial first reached ``target`` (infinity when none did)."""
    reached = (lambda v: v >= target) if direction == "max" else (lambda v: v <= target)
    return min((t for t, v in points if reached(v)), default=math.inf)


def resolve_targets(runs: list[dict], cases: dict[str, Case]) -> dict[str, float]:
    """Each dataset's target; ``auto`` is the median over all its runs of their best value."""
    targets = {}
    for dataset in dict.fromkeys(r["dataset"] for r in runs):
        case = cases[dataset]
        if case.target == "auto":
            finals = [final_best(r, case.direction) for r in runs if r["dataset"] == dataset]
            targets[dataset] = statistics.median(v for v in finals if not math.isnan(v))
        else:
            targets[dataset] = float(case.target)
    return targets


def summarize(runs: list[dict], cases: dict[str, Case], targets: dict[str, float]) -> list[dict]:
    """One row per dataset and controller: median time to target, seeds reaching it, scores."""
    rows = []
    for dataset in dict.fromkeys(r["dataset"] for r in runs):
        case = cases[dataset]
        for controller in dict.fromkeys(r["controller"] for r in runs if r["dataset"] == dataset):
            mine = [r for r in runs if r["dataset"] == dataset and r["controller"] == controller]
            times = [time_to_target(r["points"], targets[dataset], case.direction) for r in mine]
            finals = [v for v in (final_best(r, case.direction) for r in mine) if not math.isnan(v)]
            tests = [r["test"] for r in mine if r["test"] is not None]
            rows.append({"dataset": dataset, "controller": controller, "seeds": len(mine),
                         "reached": sum(math.isfinite(t) for t in times),
                         "time_to_target": statistics.median(times),
                         "best_val": statistics.median(finals) if finals else math.nan,
                         "test": statistics.median(tests) if tests else math.nan,
                         "trials": statistics.median(r["trials"] for r in mine)})
    return rows


def table(rows: list[dict], cases: dict[str, Case], targets: dict[str, float], budgets: dict[str, float]) -> str:
    """The summary as a Markdown table."""
    lines = ["| dataset | controller | reached target | median time to target | median best validation | "
             "median test | median trials |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        case, t = cases[r["dataset"]], r["time_to_target"]
        where = (f"{r['dataset']} ({budgets[r['dataset']]:.0f} s; {case.objective} "
                 f"{'≥' if case.direction == 'max' else '≤'} {targets[r['dataset']]:.4g}; test {case.test_metric})")
        shown = f"{t:.1f} s" if math.isfinite(t) else "not reached"
        lines.append(f"| {where} | {r['controller']} | {r['reached']}/{r['seeds']} | {shown} | "
                     f"{r['best_val']:.4f} | {r['test']:.4f} | {r['trials']:g} |")
    return "\n".join(lines)


def plot(runs: list[dict], cases: dict[str, Case], targets: dict[str, float], path: Path) -> None:
    """Median best-so-far validation objective per controller, one panel per dataset."""
    from matplotlib.figure import Figure

    datasets = list(dict.fromkeys(r["dataset"] for r in runs))
    figure = Figure(figsize=(6.5 * len(datasets), 4.5))
    for k, dataset in enumerate(datasets):
        case, axes = cases[dataset], figure.add_subplot(1, len(datasets), k + 1)
        budget = max(r["budget"] for r in runs if r["dataset"] == dataset)
        grid = [budget * 1.3 * i / 300 for i in range(301)]  # a running trial may end past the budget
        for controller in dict.fromkeys(r["controller"] for r in runs if r["dataset"] == dataset):
            curves = [best_so_far(r["points"], grid, case.direction) for r in runs
                      if r["dataset"] == dataset and r["controller"] == controller]
            columns = list(zip(*curves))
            line, = axes.step(grid, [_nanmedian(c) for c in columns], where="post", label=controller)
            axes.fill_between(grid, [_extreme(min, c) for c in columns], [_extreme(max, c) for c in columns],
                              step="post", alpha=0.12, color=line.get_color())
        axes.axhline(targets[dataset], color="grey", linestyle=":", linewidth=1)
        axes.axvline(budget, color="grey", linestyle="--", linewidth=1)
        axes.set_title(f"{dataset} ({case.space}): best {case.objective} so far, median of seeds")
        axes.set_xlabel("seconds since the search started")
        axes.set_ylabel(case.objective)
        if case.direction == "max":
            axes.set_ylim(max(0.0, targets[dataset] - 0.1), 1.0)
        else:
            axes.set_ylim(targets[dataset] * 0.8, targets[dataset] * 1.6)
        axes.legend(loc="lower right" if case.direction == "max" else "upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _nanmedian(values) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return statistics.median(kept) if len(kept) * 2 > len(values) else math.nan


def _extreme(pick, values) -> float:
    return pick((v for v in values if not math.isnan(v)), default=math.nan)


def _pairs(items: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items)


def main() -> None:
    """Runs the benchmark (or only the report) and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--controllers", default=",".join(CONTROLLERS))
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--budget", action="append", default=[], metavar="DATASET=SECONDS")
    parser.add_argument("--target", action="append", default=[], metavar="DATASET=VALUE|auto")
    parser.add_argument("--out", default="benchmarks/out/anytime")
    parser.add_argument("--report-only", action="store_true", help="redraw from OUT/runs.jsonl")
    args = parser.parse_args()
    cases = {name: Case(**{**case.__dict__, "target": _pairs(args.target).get(name, case.target)})
             for name, case in DATASETS.items()}
    budgets = {name: float(_pairs(args.budget).get(name, case.budget)) for name, case in cases.items()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "runs.jsonl"
    if not args.report_only:
        log.write_text("")
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(args.seeds):
                for dataset in args.datasets.split(","):
                    for controller in args.controllers.split(","):
                        run = run_one(dataset, cases[dataset], controller, seed, budgets[dataset], Path(tmp))
                        with log.open("a") as f:
                            f.write(json.dumps(run) + "\n")
                        print(f"seed {seed} {dataset} {controller}: {run['trials']} trials, best "
                              f"{cases[dataset].objective} {final_best(run, cases[dataset].direction):.4f}, "
                              f"{cases[dataset].test_metric} {run['test']:.4f}", flush=True)
    runs = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    targets = resolve_targets(runs, cases)
    text = table(summarize(runs, cases, targets), cases, targets, budgets)
    plot(runs, cases, targets, out / "anytime.png")
    (out / "anytime.md").write_text(text + "\n")
    print(text)
    print(f"plot: {out / 'anytime.png'}; runs: {log}")


if __name__ == "__main__":
    main()
