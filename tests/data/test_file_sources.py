"""CSV, Parquet, .npz and image-folder sources, cards and ad-hoc paths, and bad data."""

import numpy as np
import pytest

from automl.data import load_dataset
from automl.errors import DataError, SpecError
from automl.spec import card_for_path, load_card
from tests.data.makers import arrays_npz, customers_csv, reviews_csv, shapes_folder


def test_csv_with_mixed_columns_becomes_named_columns(tmp_path):
    data = load_dataset(card_for_path(str(customers_csv(tmp_path)), "churn"))
    assert data.task == "binary" and data.class_names == ["no", "yes"] and data.input_kind == "tabular"
    assert data.columns == ["age", "monthly_spend", "city", "plan"]  # names made safe for model inputs
    assert data.x_train["city"].dtype == object and data.x_train["age"].dtype == np.float32
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 240


def test_text_column_card(tmp_path, write_yaml):
    reviews_csv(tmp_path)
    card = write_yaml("name: reviews\nsource: csv\noptions: {path: reviews.csv, target: positive, text: review}\n",
                      "reviews.yaml")
    data = load_dataset(load_card(str(card)))
    assert data.input_kind == "text" and data.task == "binary" and isinstance(data.x_train[0], str)


def test_image_folder(tmp_path):
    data = load_dataset(card_for_path(str(shapes_folder(tmp_path)), None))
    assert data.input_kind == "image" and data.input_shape == (12, 12, 3)
    assert data.class_names == ["bottom", "top"] and data.x_train.max() > 200  # raw 0-255 pixels


def test_image_folder_resized_and_grey(tmp_path, write_yaml):
    shapes_folder(tmp_path)
    card = write_yaml("name: s\nsource: image_dir\n"
                      "options: {path: shapes, image_size: [8, 6], color_mode: grayscale}\n", "s.yaml")
    assert load_dataset(load_card(str(card))).input_shape == (8, 6, 1)


def test_npz_with_and_without_its_own_test_split(tmp_path):
    data = load_dataset(card_for_path(str(arrays_npz(tmp_path)), None))
    assert data.input_kind == "tabular" and data.task == "multiclass" and data.num_classes == 3
    own = load_dataset(card_for_path(str(arrays_npz(tmp_path, with_test=True)), None))
    assert len(own.y_test) == 40 and len(own.y_train) + len(own.y_val) == 200


def bad_csv(tmp_path, text: str, name: str = "bad.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("make, target, words", [
    (lambda p: str(p / "missing.csv"), "y", "expected an existing csv file, received a missing path"),
    (lambda p: bad_csv(p, "a,b\n1,2\n2,3\n"), "y", "column 'y': expected a column of the file (a, b)"),
    (lambda p: bad_csv(p, "a,y\n1,x\n2,x\n3,x\n"), "y", "expected a target with at least 2 classes"),
    (lambda p: bad_csv(p, ""), "y", "expected a readable csv file"),
    (lambda p: bad_csv(p, "a,y\n"), "y", "expected at least one row of data, received an empty table"),
    (lambda p: bad_csv(p, "a,y\n1,x\n,z\n3,x\n"), "y", "column 'a': expected no missing values"),
    (lambda p: bad_csv(p, "y\nx\nz\nx\n"), "y", "expected at least one input column besides the target"),
])
def test_bad_tables_get_one_line(tmp_path, make, target, words):
    with pytest.raises(DataError) as err:
        load_dataset(card_for_path(make(tmp_path), target))
    assert words in str(err.value) and "\n" not in str(err.value)


def test_non_numeric_values_in_several_targets(tmp_path):
    path = bad_csv(tmp_path, "a,t1,t2\n1,x,1\n2,y,0\n3,x,1\n")
    with pytest.raises(DataError, match="expected numeric values in every target column, received text in 't1'"):
        load_dataset(load_card_for(tmp_path, path, ["t1", "t2"]))


def load_card_for(tmp_path, path, target):
    card = tmp_path / "card.yaml"
    card.write_text(f"name: t\nsource: csv\noptions: {{path: {path}, target: {target}}}\n")
    return load_card(str(card))


def test_missing_rows_can_be_dropped(tmp_path, write_yaml):
    bad_csv(tmp_path, "a,y\n1,x\n,z\n3,x\n4,z\n5,x\n6,z\n7,x\n8,z\n9,x\n10,z\n11,x\n12,z\n13,x\n14,z\n15,x\n16,z\n"
            "17,x\n18,z\n19,x\n20,z\n", "gaps.csv")
    card = write_yaml("name: g\nsource: csv\noptions: {path: gaps.csv, target: y, missing: drop}\n"
                      "splits: {validation: 0.25, test: 0.25}\n", "g.yaml")
    data = load_dataset(load_card(str(card)))
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 19


def test_images_of_mixed_sizes_need_an_image_size(tmp_path):
    from PIL import Image

    root = shapes_folder(tmp_path)
    Image.new("RGB", (20, 9)).save(root / "top" / "odd.png")
    with pytest.raises(DataError, match="expected images of one size or options.image_size"):
        load_dataset(card_for_path(str(root), None))


def test_npz_without_x(tmp_path):
    np.savez(tmp_path / "a.npz", features=np.zeros((4, 2)), y=np.zeros(4))
    with pytest.raises(DataError, match=r"expected arrays named x and y, received \['features', 'y'\]"):
        load_dataset(card_for_path(str(tmp_path / "a.npz"), None))


@pytest.mark.parametrize("path, target, words", [
    ("nowhere.csv", None, "--target: expected the column to predict"),
    ("nowhere.txt", None, "--data: expected an existing file or folder"),
])
def test_ad_hoc_paths_need_what_they_need(tmp_path, path, target, words):
    with pytest.raises(SpecError, match=words):
        card_for_path(str(tmp_path / path), target)


def test_balanced_class_weights(tmp_path, write_yaml):
    rows = "\n".join(f"{i},{'rare' if i % 5 == 0 else 'common'}" for i in range(100))
    (tmp_path / "skew.csv").write_text("a,y\n" + rows + "\n")
    card = write_yaml("name: s\nsource: csv\noptions: {path: skew.csv, target: y}\nclass_weight: balanced\n", "s.yaml")
    data = load_dataset(load_card(str(card)))
    weights = data.class_weights()
    common, rare = data.class_names.index("common"), data.class_names.index("rare")
    assert weights[rare] == pytest.approx(4 * weights[common], rel=0.15)
    plain = load_dataset(card_for_path(str(tmp_path / "skew.csv"), "y"))
    assert plain.class_weights() is None


def test_bad_data_from_the_cli_is_one_line_and_writes_nothing(tmp_path):
    from tests.conftest import run_cli

    (tmp_path / "one.csv").write_text("a,y\n1,x\n2,x\n3,x\n")
    done = run_cli("search", "--data", "one.csv", "--target", "y", "--space", "auto", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'one.csv'}: column y: expected a target with at least 2 classes, received only ['x']"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv"]
