"""Every shipped dataset card loads; every shipped space builds 20 random configurations."""

from pathlib import Path

import pytest

from automl.spec import check_fits, effective_task, load_card, load_space
from automl.plugins.inputs import INPUT_KINDS
from automl.spec.families import family_inputs
from tests.builders.conftest import make_spec

ROOT = Path(__file__).resolve().parents[1]
SPACES = sorted((ROOT / "search_spaces").glob("*.yaml"))
CARDS = sorted((ROOT / "datasets").glob("*.yaml"))


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_card_loads_and_its_data_splits(path, tmp_path):
    import contextlib

    from automl.data import load_dataset

    loaded = load_card(str(path))
    tfds = loaded.card.source == "tfds"
    if tfds:  # fake examples of the right shapes; nothing is downloaded
        import tensorflow_datasets

        loaded = loaded.__class__(loaded.path, loaded.card,
                                  loaded.options.model_copy(update={"data_dir": str(tmp_path)}))
    with tensorflow_datasets.testing.mock_data(num_examples=40) if tfds else contextlib.nullcontext():
        data = load_dataset(loaded)
    total = len(data.y_train) + len(data.y_val) + len(data.y_test)
    if not tfds:  # a tfds card uses the set's own test split
        assert len(data.y_test) == pytest.approx(total * loaded.card.splits.test, abs=1)
    assert data.task == loaded.card.task and data.input_kind == loaded.card.input


def input_kind_for(space) -> str:
    """The first input kind every family of the space takes."""
    return next(k for k in INPUT_KINDS.names() if all(k in family_inputs(f) for f in space.families))


@pytest.mark.parametrize("path", SPACES, ids=lambda p: p.stem)
def test_space_builds_twenty_random_configurations(path):
    from automl.builders import build_model
    from automl.space import random_configurations

    space = load_space(str(path))
    kind = input_kind_for(space)
    check_fits(space, kind)
    spec = make_spec(kind, effective_task(space, "multiclass"))
    configurations = random_configurations(space, 20, seed=0)
    for values in configurations:
        model = build_model(values, spec, epochs=space.spec.train.epochs)
        assert model.count_params() > 0
    assert len({tuple(sorted(map(str, v.items()))) for v in configurations}) > 1
