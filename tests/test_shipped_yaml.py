"""Every shipped search space and dataset card loads, and every space builds a model."""

from pathlib import Path

import numpy as np
import pytest

from automl.spec import load_card, load_space

ROOT = Path(__file__).resolve().parents[1]
SPACES = sorted((ROOT / "search_spaces").glob("*.yaml"))
CARDS = sorted((ROOT / "datasets").glob("*.yaml"))


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_card_loads_and_its_data_splits(path):
    from automl.data import load_dataset

    loaded = load_card(str(path))
    data = load_dataset(loaded)
    total = len(data.x_train) + len(data.x_val) + len(data.x_test)
    assert len(data.x_test) == pytest.approx(total * loaded.card.splits.test, abs=1)
    assert data.task == loaded.card.task


@pytest.mark.parametrize("path", SPACES, ids=lambda p: p.stem)
def test_space_builds_a_model_that_predicts(path, digits):
    from automl.builders import InputSpec, build_model
    from automl.space import build_hyperparameters

    space = load_space(str(path))
    hp = build_hyperparameters(space)
    model = build_model(hp.values, InputSpec.from_bundle(digits))
    probs = model.predict(digits.x_val[:4], verbose=0)
    assert probs.shape == (4, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
