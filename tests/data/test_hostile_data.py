"""Data that would break trials or the reader later gets one line now: infinite numbers, images that
decode to billions of pixels, and a table written where no folder is."""

import struct
import zlib

import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset
from automl.data.images import read_image
from automl.data.tables import write_csv
from automl.errors import DataError
from automl.spec import card_for_path, load_card
from tests.data.makers import series_csv, shapes_folder


@pytest.mark.parametrize("text, target, words", [
    ("a,y\n1,x\n2,z\ninf,x\n4,z\n", "y", "column 'a': expected finite numbers, received inf in row 3"),
    ("a,y\n1,0.5\n2,-inf\n3,1.5\n", "y", "column 'y': expected finite numbers, received -inf in row 2"),
    ("a,b,y\n1,,x\n2,-inf,z\n3,4,x\n", "y", "column 'b': expected finite numbers, received -inf in row 2"),
])
def test_infinite_numbers_in_a_table_are_refused(tmp_path, text, target, words):
    (tmp_path / "t.csv").write_text(text)
    with pytest.raises(DataError) as err:
        load_dataset(card_for_path(str(tmp_path / "t.csv"), target))
    assert str(err.value) == f"{tmp_path / 't.csv'}: {words}"


def test_infinite_numbers_in_parquet_and_in_dropped_columns(tmp_path):
    frame = pd.DataFrame({"noise": [np.inf] * 20, "a": [1.0, 2.0, np.inf, 4.0] * 5, "y": ["x", "z"] * 10})
    frame.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(DataError, match=r"t.parquet: column 'noise': expected finite numbers, received inf in row 1"):
        load_dataset(card_for_path(str(tmp_path / "t.parquet"), "y"))
    (tmp_path / "c.yaml").write_text("name: t\nsource: parquet\noptions: {path: t.parquet, target: y, drop: [noise]}\n")
    with pytest.raises(DataError, match=r"column 'a': expected finite numbers, received inf in row 3"):
        load_dataset(load_card(str(tmp_path / "c.yaml")))


def test_infinite_numbers_in_a_series_name_the_row_of_the_file(tmp_path, write_yaml):
    path = series_csv(tmp_path)
    frame = pd.read_csv(path)
    frame.loc[6, "temp"] = -np.inf  # the file is newest first; the source sorts by time afterwards
    frame.to_csv(path, index=False)
    card = write_yaml("name: s\nsource: timeseries\noptions: {path: series.csv, time_column: time, target: load}\n",
                      "s.yaml")
    with pytest.raises(DataError, match=r"series.csv: column 'temp': expected finite numbers, received -inf in row 7$"):
        load_dataset(load_card(str(card)))


def png_header(width: int, height: int) -> bytes:
    """A 65-byte PNG that declares ``width`` x ``height`` pixels: Pillow learns the size before decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side, pixels", [(30000, "900,000,000"), (10000, "100,000,000")])  # Pillow errs, warns
def test_a_decompression_bomb_in_an_image_folder_is_one_line(tmp_path, side, pixels):
    root = shapes_folder(tmp_path)
    (root / "top" / "bomb.png").write_bytes(png_header(side, side))
    with pytest.raises(DataError) as err:
        load_dataset(card_for_path(str(root), None))
    assert str(err.value) == (f"{root / 'top' / 'bomb.png'}: expected an image of at most 89,478,485 pixels, "
                              f"received {pixels} pixels (a possible decompression bomb)")


def test_read_image_still_reads_and_resizes_as_predict_asks(tmp_path):
    root = shapes_folder(tmp_path)
    pixels = read_image(root / "top" / "0.png", "grayscale", (6, 4))
    assert pixels.shape == (6, 4, 1) and pixels.dtype == np.uint8


def test_an_npz_declaring_a_huge_array_is_one_line(tmp_path):
    import io
    import zipfile

    header = io.BytesIO()  # 73 TiB of float64 declared, nothing stored
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**13,)})
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as archive:
        archive.writestr("x.npy", header.getvalue())
        archive.writestr("y.npy", header.getvalue())
    with pytest.raises(DataError, match=r"bomb.npz: expected arrays that fit in memory, received Unable to allocate"):
        load_dataset(card_for_path(str(tmp_path / "bomb.npz"), None))


@pytest.mark.parametrize("folder, why", [
    ("missing/dir", "does not exist"),
    ("file.txt", "is a regular file, not a folder"),
])
def test_write_csv_says_what_is_wrong_with_the_folder(tmp_path, folder, why):
    (tmp_path / "file.txt").write_text("x")
    path = str(tmp_path / folder / "out.csv")
    with pytest.raises(DataError) as err:
        write_csv(pd.DataFrame({"a": [1]}), path, "--output")
    assert str(err.value) == (f"--output: expected a file in an existing folder, received {path!r} "
                              f"(the folder {str(tmp_path / folder)!r} {why})")
    assert write_csv(pd.DataFrame({"a": [1]}), str(tmp_path / "ok.csv"), "--csv").read_text() == "a\n1\n"
