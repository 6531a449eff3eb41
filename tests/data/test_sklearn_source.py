"""The scikit-learn source and the seeded, stratified splits."""

import numpy as np
import pytest

from automl.data import load_dataset
from automl.errors import DataError
from automl.spec import load_card


def test_digits_is_an_8x8_image_set_split_three_ways(digits):
    assert digits.input_kind == "image" and digits.input_shape == (8, 8, 1)
    assert digits.num_classes == 10 and digits.task == "multiclass"
    assert len(digits.x_train) + len(digits.x_val) + len(digits.x_test) == 1797
    # Raw grey levels go in: the model normalizes inside.
    assert digits.x_train.max() == 16.0


def test_splits_are_stratified_seeded_and_disjoint(digits):
    again = load_dataset(load_card("digits"))
    np.testing.assert_array_equal(digits.x_test, again.x_test)
    assert digits.fingerprint() == again.fingerprint()
    for part in (digits.y_train, digits.y_val, digits.y_test):
        share = np.bincount(part, minlength=10) / len(part)
        assert share.min() > 0.07 and share.max() < 0.13
    rows = {a.tobytes() for a in digits.x_test}
    assert not rows & {a.tobytes() for a in digits.x_val}


@pytest.mark.parametrize("name, task, kind", [("iris", "multiclass", "tabular"),
                                              ("breast_cancer", "binary", "tabular"),
                                              ("diabetes", "regression", "tabular")])
def test_other_bundled_sets(write_yaml, name, task, kind):
    path = write_yaml(f"name: {name}\nsource: sklearn\noptions: {{dataset: {name}}}\n")
    data = load_dataset(load_card(str(path)))
    assert (data.task, data.input_kind) == (task, kind)


def test_card_that_contradicts_the_data_is_refused(write_yaml):
    path = write_yaml("name: iris\nsource: sklearn\noptions: {dataset: iris}\ninput: image\n")
    with pytest.raises(DataError, match="input: expected 'tabular' for this data, received 'image'"):
        load_dataset(load_card(str(path)))


def test_a_bundle_with_other_arrays_has_its_own_fingerprint(digits):
    first = digits.fingerprint()
    merged = digits.with_validation_in_train()
    assert merged.fingerprint() != first and digits.fingerprint() == first
    assert len(merged.y_train) == len(digits.y_train) + len(digits.y_val)
    assert digits.as_reconstruction().fingerprint() != first
