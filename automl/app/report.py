"""The search report (`automl.report`): written at the end of every search, and by ``automl report``.

At a search's end the facts come from its own trial records, so a search with
``--no-tracking`` gets its report too; ``automl report`` reads them back from
the MLflow store, a tracking server's included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl.errors import first_line

FOLDER = "report"  # inside the export folder


@dataclass
class ReportOptions:
    """What ``automl report`` was asked for: a search (the latest by default) and where to write."""

    experiment: str | None = None
    run_id: str | None = None
    out: str | None = None
    tracking_uri: str | None = None


def report_from_store(opts: ReportOptions) -> Path:
    """Writes the report of a search in the store; returns the page's path.

    The default folder is ``reports/<experiment>``.
    """
    from automl.report.facts import from_records
    from automl.report.page import write_report
    from automl.tracking.query import stored_search
    from automl.tracking.uri import chosen

    stored = stored_search(chosen(opts.tracking_uri), opts.experiment, opts.run_id)
    facts = from_records(stored.records, stored.experiment, stored.objectives, stored.searched, stored.outcome)
    return write_report(facts, Path(opts.out or Path("reports") / stored.experiment))


def report_after_search(controller: Any, tracker: Any, outcome: dict[str, Any], names: list[str],
                        objectives: list[tuple[str, str]], say: Any) -> Path | None:
    """Writes the report of the search that just ended into its export folder and logs it on the parent run.

    Never raises: the search's outcome is saved before, so a report that cannot be written (or logged) is
    one line, and the search still succeeds.

    Args:
        controller: The search's controller (its trial records are the facts).
        tracker: The search's tracker.
        outcome: ``test_metrics``, ``exported``, ``export_path`` and ``source``.
        names: The searched values' names.
        objectives: ``(name, direction)`` pairs, the optimized one first.
        say: Prints a progress line.

    Returns:
        The page's path, or None when it could not be written.
    """
    from automl.report.facts import from_records
    from automl.report.page import write_report

    try:
        facts = from_records(controller.ended_records(), outcome["experiment"], objectives, names, outcome)
        page = write_report(facts, Path(outcome["export_path"]) / FOLDER)
    except Exception as err:  # noqa: BLE001 - a report is never worth a search
        say(f"report: could not be written ({type(err).__name__}: {first_line(err)})")
        return None
    try:
        for path in sorted(page.parent.iterdir()):
            tracker.log_bytes(f"{FOLDER}/{path.name}", path.read_bytes())
    except Exception as err:  # noqa: BLE001 - the page is on disk; the store missing it is one line
        say(f"report: written to {page}, but not logged to MLflow ({type(err).__name__}: {first_line(err)})")
    return page
