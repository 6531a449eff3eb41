"""The contract of a data source, checked for every source in the catalog (`automl.plugins.sources`).

Each source makes its own small example (``SourcePlugin.example``); the suite loads it
through a card, as `automl search` would. A new source module is checked here without a
line of this file changing:

- it loads the example it makes, with the task and input kind the example's card declares,
  into three non-empty splits with one label per example;
- a broken file (``SourcePlugin.broken``) is one line that names the file;
- a source that reads ``options.path`` refuses, when the card is validated, a path it cannot
  take (``/dev/zero``), in one line at ``options.path`` that says what it reads.
"""

from __future__ import annotations

import contextlib

import pytest
import yaml

from automl.data import load_dataset
from automl.errors import DataError, SpecError
from automl.plugins.sources import SOURCES
from automl.spec import load_card

ALL = list(SOURCES)
BROKEN = [p for p in ALL if p.broken]
READS_PATH = [p for p in ALL if p.reads]


def write_card(folder, card: dict):
    path = folder / "card.yaml"
    path.write_text(yaml.safe_dump(card))
    return path


def rows(x) -> int:
    return len(next(iter(x.values()))) if isinstance(x, dict) else len(x)


def test_every_source_is_checked():
    assert {p.name for p in ALL} >= {"sklearn", "csv", "parquet", "npz", "image_dir", "tfds", "timeseries",
                                     "audio_dir"}
    assert all(p.example for p in ALL), [p.name for p in ALL if not p.example]
    assert {p.name for p in BROKEN} >= {p.name for p in READS_PATH}  # every file it reads can be broken


@pytest.mark.parametrize("plugin", ALL, ids=[p.name for p in ALL])
def test_loads_the_example_it_makes(tmp_path, plugin):
    card = plugin.example(tmp_path)
    with plugin.offline() if plugin.offline else contextlib.nullcontext():
        data = load_dataset(load_card(str(write_card(tmp_path, card))))
    assert (data.task, data.input_kind) == (card["task"], card["input"])
    for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val), (data.x_test, data.y_test)):
        assert len(y) > 0 and rows(x) == len(y)


@pytest.mark.parametrize("plugin", BROKEN, ids=[p.name for p in BROKEN])
def test_a_broken_file_is_one_line_naming_it(tmp_path, plugin):
    card = plugin.broken(tmp_path)
    given = write_card(tmp_path, card)
    with pytest.raises((DataError, SpecError)) as err:
        load_dataset(load_card(str(given)))
    message = str(err.value)
    named = tmp_path / card["options"]["path"] if plugin.reads else given
    assert "\n" not in message and str(named) in message and "expected" in message, message


@pytest.mark.parametrize("plugin", READS_PATH, ids=[p.name for p in READS_PATH])
def test_validate_refuses_a_path_it_cannot_take(tmp_path, plugin):
    card = plugin.example(tmp_path)
    card["options"]["path"] = "/dev/zero"
    given = write_card(tmp_path, card)
    with pytest.raises(SpecError) as err:
        load_card(str(given))
    message = str(err.value)
    assert message.startswith(f"{given}:") and ": options.path: expected " in message, message
    assert plugin.noun in message and "\n" not in message, message
