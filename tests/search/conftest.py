"""A short real search on digits, for each controller's end-to-end test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def short_search(tmp_path: Path, tiny_cnn: Path):
    """Runs ``tiny_cnn`` on digits (no tracking) with the given options; returns (result, progress text)."""
    from automl.app.search import SearchOptions, run_search

    def search(**options):
        opts = SearchOptions(dataset="digits", space=str(tiny_cnn), export_dir=str(tmp_path / "exports"),
                             state_dir=str(tmp_path / "state"), device="cpu", tracking=False, **options)
        with open(tmp_path / "progress.txt", "a") as progress:
            result = run_search(opts, progress_stream=progress)
        return result, (tmp_path / "progress.txt").read_text()
    return search
