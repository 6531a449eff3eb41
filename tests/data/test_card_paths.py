"""What a card may read: a regular file with its source's suffix (a folder for image_dir and audio_dir),
relative to the card's folder; checked by `automl validate` and again when the data is loaded."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from automl.data import load_dataset
from automl.errors import SpecError
from automl.spec import load_card
from tests.conftest import ROOT
from tests.data.makers import customers_csv, shapes_folder, tones_folder

fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def card(write_yaml, source: str, path: str, extra: str = "") -> str:
    return str(write_yaml(f"name: c\nsource: {source}\noptions:\n  path: {path}\n{extra}", "card.yaml"))


@fifos
def test_validate_refuses_a_fifo_or_a_folder_under_a_data_name(tmp_path, write_yaml):
    os.mkfifo(tmp_path / "data.csv")
    (tmp_path / "data.parquet").mkdir()
    with pytest.raises(SpecError, match=r":4:9: options.path: expected a regular csv file, received a FIFO"):
        load_card(card(write_yaml, "csv", "data.csv", "  target: y\n"))
    with pytest.raises(SpecError, match=r"expected a regular parquet file, received a folder"):
        load_card(card(write_yaml, "parquet", "data.parquet", "  target: y\n"))


def test_data_that_is_not_there_yet_still_validates(write_yaml):
    assert load_card(card(write_yaml, "csv", "later/data.CSV", "  target: y\n")).card.source == "csv"
    assert load_card(card(write_yaml, "image_dir", "~/no/such/photos")).card.source == "image_dir"


def test_relative_paths_resolve_from_the_card_and_compressed_csv_reads(tmp_path, write_yaml):
    (tmp_path / "cards").mkdir()
    pd.read_csv(customers_csv(tmp_path)).to_csv(tmp_path / "customers.csv.gz", index=False)
    given = write_yaml("name: c\nsource: csv\noptions: {path: ../customers.csv.gz, target: churn}\n", "cards/c.yaml")
    assert load_dataset(load_card(str(given))).columns == ["age", "monthly_spend", "city", "plan"]


# Loads each case in a fresh process with a timeout: a FIFO opened for reading would block forever.
PROBE = """
import sys
from automl.data import load_dataset
from automl.errors import AutoMLError
from automl.spec import card_for_path
for path, target in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        load_dataset(card_for_path(path, target or None))
        print("loaded")
    except AutoMLError as err:
        print(err)
"""


@fifos
def test_loading_never_opens_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "rows.csv")
    os.mkfifo(tmp_path / "arrays.npz")
    os.mkfifo(shapes_folder(tmp_path) / "top" / "pipe.png")
    os.mkfifo(tones_folder(tmp_path) / "low" / "pipe.wav")
    cases = [tmp_path / "rows.csv", "y", tmp_path / "arrays.npz", "", tmp_path / "shapes", "", tmp_path / "tones", ""]
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, cases)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{tmp_path / 'rows.csv'}: expected a regular csv file, received a FIFO",
        f"{tmp_path / 'arrays.npz'}: expected a regular .npz file, received a FIFO",
        f"{tmp_path / 'shapes' / 'top' / 'pipe.png'}: expected a regular image file, received a FIFO",
        f"{tmp_path / 'tones' / 'low' / 'pipe.wav'}: expected a regular WAV file, received a FIFO",
    ]
