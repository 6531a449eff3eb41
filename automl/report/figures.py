"""The report's charts, as matplotlib figures (no pyplot state, so a search's process stays clean)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from automl.report.facts import SearchFacts

BEST, OTHER, FAILED = "#d62728", "#1f77b4", "#7f7f7f"


def history(facts: SearchFacts) -> Figure:
    """Every trial's objective and the best so far, against trial number and against wall time."""
    figure = Figure(figsize=(11, 3.6), dpi=90)
    ok = [t for t in facts.trials if t.ok]
    numbers = {t.trial: i + 1 for i, t in enumerate(facts.trials)}
    times = _minutes(facts)
    panels = [("trial", [numbers[t.trial] for t in ok])]
    if all(t.trial in times for t in ok):
        panels.append(("minutes since the first trial started", [times[t.trial] for t in ok]))
    better = max if facts.direction == "max" else min
    for index, (label, xs) in enumerate(panels, 1):
        axes = figure.add_subplot(1, 2, index)
        scores = [t.score for t in ok]
        order = np.argsort(xs, kind="stable")
        running = list(np.array(scores)[order])
        for i in range(1, len(running)):
            running[i] = better(running[i], running[i - 1])
        axes.scatter(xs, scores, color=OTHER, s=22, label="trial", zorder=3)
        axes.step(np.array(xs)[order], running, where="post", color=BEST, label="best so far")
        axes.set_xlabel(label)
        axes.set_ylabel(facts.objective)
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small", loc="best")
        if label == "trial":
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.95, wspace=0.22)
    return figure


def _minutes(facts: SearchFacts) -> dict[str, float]:
    """Each trial's end in minutes after the first trial started (its end less its training time)."""
    known = [t for t in facts.trials if t.ended_at is not None]
    if not known:
        return {}
    start = min(t.ended_at - (t.seconds or 0.0) for t in known)
    return {t.trial: (t.ended_at - start) / 60 for t in known}


def importance(weights: dict[str, float]) -> Figure:
    """A bar per searched value, most important on top."""
    names = list(weights)[::-1]
    figure = Figure(figsize=(7, 0.35 * len(names) + 1.2), dpi=90)
    axes = figure.add_subplot(1, 1, 1)
    axes.barh(names, [weights[n] for n in names], color=OTHER)
    axes.set_xlabel("importance (share of the forest's variance reduction)")
    axes.grid(axis="x", alpha=0.3)
    figure.subplots_adjust(left=0.32, right=0.97, bottom=0.8 / (0.35 * len(names) + 1.2), top=0.97)
    return figure


def parallel(facts: SearchFacts, names: list[str]) -> Figure:
    """One line per trial across an axis per searched value and the objective, coloured by the objective."""
    ranked = facts.ranked()
    columns = names + [facts.objective]
    figure = Figure(figsize=(max(6.0, 1.5 * len(columns)), 4.2), dpi=90)
    axes = figure.add_subplot(1, 1, 1)
    scaled, ticks = zip(*(_axis([_value(t, n, facts.objective) for t in ranked]) for n in columns))
    scores = np.array([t.score for t in ranked])
    low, high = float(scores.min()), float(scores.max())
    cmap = colormaps["viridis"]
    shade = (scores - low) / ((high - low) or 1.0)
    if facts.direction == "min":
        shade = 1.0 - shade  # yellow is always the better end
    xs = range(len(columns))
    for i in range(len(ranked) - 1, -1, -1):  # the best drawn last, on top
        axes.plot(xs, [col[i] for col in scaled], color=BEST if i == 0 else cmap(shade[i]),
                  linewidth=2.4 if i == 0 else 1.1, alpha=1.0 if i == 0 else 0.75)
    for x, labels in zip(xs, ticks):
        axes.axvline(x, color="black", linewidth=0.6)
        for position, text in labels:
            axes.text(x + 0.03, position, text, fontsize=7, va="center")
    axes.set_xticks(list(xs), columns, rotation=20, ha="right", fontsize=8)
    axes.set_yticks([])
    axes.set_ylim(-0.05, 1.05)
    axes.set_title("each line a trial; the best in red", fontsize=9)
    figure.subplots_adjust(left=0.03, right=0.95, bottom=0.22, top=0.92)
    return figure


def _value(trial, name: str, objective: str) -> Any:
    return trial.score if name == objective else trial.values.get(name)


def _axis(values: list[Any]) -> tuple[list[float], list[tuple[float, str]]]:
    """Values placed on 0..1, and the tick labels: numbers by value (log when they span decades), anything
    else evenly by sorted category; absent values at -0.02 labelled 'absent'."""
    present = [v for v in values if v is not None]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present) and present
    if numeric:
        log = min(present) > 0 and max(present) / min(present) >= 100
        f = (lambda v: math.log10(v)) if log else float
        low, high = f(min(present)), f(max(present))
        place = lambda v: 0.5 if high == low else (f(v) - low) / (high - low)  # noqa: E731
        labels = [(place(v), f"{v:.3g}") for v in sorted({min(present), max(present)})]
    else:
        order = sorted({repr(v): v for v in present}.items())
        spots = {k: (i / (len(order) - 1) if len(order) > 1 else 0.5) for i, (k, _) in enumerate(order)}
        place = lambda v: spots[repr(v)]  # noqa: E731
        labels = [(spots[k], str(v)) for k, v in order]
    placed = [-0.02 if v is None else place(v) for v in values]
    if any(v is None for v in values):
        labels.append((-0.02, "absent"))
    return placed, labels


def pareto(facts: SearchFacts) -> Figure:
    """The first two objectives of every trial, the Pareto front joined and marked."""
    from automl.pareto import pareto_front

    (first, d1), (second, d2) = facts.objectives[:2]
    ok = [t for t in facts.ranked() if second in t.others]
    points = {t.trial: [t.score, t.others[second]] for t in ok}
    front = set(pareto_front(points, [d1, d2]))
    figure = Figure(figsize=(6, 4.2), dpi=90)
    axes = figure.add_subplot(1, 1, 1)
    behind = [p for k, p in points.items() if k not in front]
    axes.scatter([p[0] for p in behind], [p[1] for p in behind], color=OTHER, s=22, label="trial")
    on = sorted((points[k] for k in front), key=lambda p: p[0])
    axes.plot([p[0] for p in on], [p[1] for p in on], color=BEST, marker="o", label="Pareto front")
    axes.set_xlabel(f"{first} ({d1})")
    axes.set_ylabel(f"{second} ({d2})")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.subplots_adjust(left=0.15, right=0.97, bottom=0.13, top=0.96)
    return figure


def curves(facts: SearchFacts, top: int = 5) -> Figure:
    """The objective per epoch of the best ``top`` trials, on one chart."""
    figure = Figure(figsize=(7, 4), dpi=90)
    axes = figure.add_subplot(1, 1, 1)
    others = [c for c in colormaps["tab10"].colors if c != colormaps["tab10"].colors[3]]  # red is the best's
    for rank, trial in enumerate([t for t in facts.ranked() if t.curve][:top]):
        epochs, values = zip(*trial.curve)
        axes.plot([e + 1 for e in epochs], values, marker=".", linewidth=2.2 if rank == 0 else 1.2,
                  color=BEST if rank == 0 else others[(rank - 1) % len(others)],
                  label=f"trial {trial.trial}" + (" (best)" if rank == 0 else ""))
    axes.set_xlabel("epoch")
    axes.set_ylabel(facts.objective)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.subplots_adjust(left=0.13, right=0.97, bottom=0.13, top=0.96)
    return figure
