"""The search report: PNG charts and one self-contained HTML page (the charts inside it as data URIs).

Nothing on the page is fetched: no scripts, fonts or styles from a network,
so it opens offline, from an artifact store or an e-mail attachment alike.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
from pathlib import Path
from typing import Any

from automl import atomic
from automl.report import figures
from automl.report.facts import SearchFacts
from automl.report.importance import METHOD, MIN_TRIALS, importances

PAGE = "report.html"
SHOWN, AXES = 15, 8  # bars on the importance chart, axes on the parallel-coordinates chart
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9rem}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
img{max-width:100%;height:auto;display:block;margin:.5rem 0}.note{color:#555;font-size:.85rem}
.wide{overflow-x:auto}dt{font-weight:600}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;font-size:.9rem}
"""


def write_report(facts: SearchFacts, out: Path) -> Path:
    """Writes the charts as PNGs and ``report.html`` into ``out``; returns the page's path."""
    out.mkdir(parents=True, exist_ok=True)
    sections = [_outcome(facts), _chart(out, "history", "Optimization history", _history(facts))]
    weights = _weights(facts)
    sections += [_importance(out, facts, weights), _parallel(out, facts, weights)]
    if len(facts.objectives) > 1:
        sections.append(_chart(out, "pareto", "Pareto front", (figures.pareto(facts),
                        f"{facts.objectives[0][0]} against {facts.objectives[1][0]}; the front joined in red.")))
    sections += [_curves(out, facts), _leaderboard(facts), _failed(facts)]
    path = out / PAGE
    atomic.write_bytes(path, _page(facts, sections).encode())
    return path


def _page(facts: SearchFacts, sections: list[str]) -> str:
    ended = [t for t in facts.trials if t.ok]
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    title = f"Search report: {html.escape(facts.experiment)}"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
            f"<p class='meta'>objective {html.escape(facts.objective)} ({facts.direction}); {len(facts.trials)} "
            f"trials, {len(ended)} with a score, {len(facts.trials) - len(ended)} failed; from "
            f"{html.escape(facts.source)}; written {stamp}</p>" + "".join(sections) + "</body></html>")


def _section(key: str, title: str, body: str) -> str:
    return f"<section id='{key}'><h2>{html.escape(title)}</h2>{body}</section>"


def _chart(out: Path, key: str, title: str, made: tuple[Any, str] | str) -> str:
    """A chart's section: the PNG written beside the page and embedded in it, with its caption."""
    if isinstance(made, str):  # nothing to draw: say why
        return _section(key, title, f"<p class='note'>{html.escape(made)}</p>")
    figure, caption = made
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    atomic.write_bytes(out / f"{key}.png", buffer.getvalue())
    data = base64.b64encode(buffer.getvalue()).decode()
    return _section(key, title, f"<img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>"
                                f"<p class='note'>{html.escape(caption)}</p>")


def _history(facts: SearchFacts) -> tuple[Any, str] | str:
    if not any(t.ok for t in facts.trials):
        return "No trial ended with a score."
    return figures.history(facts), "Each dot a trial; the line, the best so far."


def _weights(facts: SearchFacts) -> dict[str, float]:
    ranked = facts.ranked()
    return importances([t.values for t in ranked], [t.score for t in ranked], facts.varying())


def _importance(out: Path, facts: SearchFacts, weights: dict[str, float]) -> str:
    if not weights:
        why = (f"Needs at least {MIN_TRIALS} trials with a score, values that vary and scores that differ "
               f"({len(facts.ranked())} trials, {len(facts.varying())} varying values).")
        return _chart(out, "importance", "Parameter importance", why)
    shown = dict(list(weights.items())[:SHOWN])
    caption = f"Method: {METHOD}." + (f" The chart shows the {SHOWN} most important." if len(weights) > SHOWN else "")
    section = _chart(out, "importance", "Parameter importance", (figures.importance(shown), caption))
    rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{w:.3f}</td></tr>" for n, w in weights.items())
    return section.replace("</section>", f"<table><tr><th>value</th><th>importance</th></tr>{rows}</table>"
                                         "</section>")


def _parallel(out: Path, facts: SearchFacts, weights: dict[str, float]) -> str:
    names = (list(weights) or facts.varying())[:AXES]  # the most important first, when they are known
    if len(facts.ranked()) < 2 or not names:
        return _chart(out, "parallel", "Searched values against the objective",
                      "Needs at least 2 trials with a score and a value that varies.")
    return _chart(out, "parallel", "Searched values against the objective",
                  (figures.parallel(facts, names), f"At most the {AXES} most important values. Numbers on their "
                                                   "own scale (log where they span decades); categories evenly "
                                                   "spaced; colour: the objective, yellow better."))


def _curves(out: Path, facts: SearchFacts) -> str:
    if not any(t.curve for t in facts.ranked()):
        return _chart(out, "curves", "Learning curves of the best trials", "No trial logged its epochs.")
    return _chart(out, "curves", "Learning curves of the best trials",
                  (figures.curves(facts), f"{facts.objective} per epoch, up to the 5 best trials."))


def _outcome(facts: SearchFacts) -> str:
    items = {"exported model": facts.exported, "export path": facts.export_path}
    items.update({k: f"{v:.4f}" for k, v in sorted(facts.test_metrics.items())})
    card = facts.card
    if card:
        items["dataset"] = ", ".join(f"{k} {v}" for k, v in card.get("dataset", {}).items()
                                     if isinstance(v, (str, int, float)))
        items["space"] = str(card.get("space", ""))
        items["selection"] = str(card.get("selection", {}).get("method", ""))
        items["versions"] = ", ".join(f"{k} {v}" for k, v in card.get("versions", {}).items())
    body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items.items() if v != "")
    note = "" if card else "<p class='note'>The model card is not at hand (the export folder is elsewhere).</p>"
    return _section("outcome", "Outcome: test score and export", f"<dl>{body}</dl>{note}")


def _leaderboard(facts: SearchFacts, top: int = 10) -> str:
    names = facts.varying()
    head = ["rank", "trial", facts.objective, "params", "epochs", "seconds", *names]
    rows = []
    for rank, t in enumerate(facts.ranked()[:top], 1):
        cells = [rank, t.trial, f"{t.score:.4f}", t.params, t.epochs,
                 None if t.seconds is None else f"{t.seconds:.1f}", *[_short(t.values.get(n)) for n in names]]
        rows.append("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in cells)
                    + "</tr>")
    table = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" + "".join(rows)
    return _section("leaderboard", f"Leaderboard (top {min(top, len(rows))})",
                    f"<div class='wide'><table>{table}</table></div>")


def _failed(facts: SearchFacts) -> str:
    failed = facts.failed()
    if not failed:
        return _section("failed", "Failed trials", "<p class='note'>None.</p>")
    rows = "".join(f"<tr><td>{html.escape(t.trial)}</td><td>{html.escape(t.status)}</td>"
                   f"<td>{html.escape(t.reason or '')}</td></tr>" for t in failed)
    return _section("failed", f"Failed trials ({len(failed)})",
                    f"<table><tr><th>trial</th><th>status</th><th>reason</th></tr>{rows}</table>")


def _short(value: Any) -> str:
    return "" if value is None else f"{value:.3g}" if isinstance(value, float) else str(value)
