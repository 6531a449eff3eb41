"""One-line messages from exceptions."""

from automl.errors import first_line


def test_first_line_skips_blank_lines_and_can_name_the_type():
    err = ValueError("\n\n  shapes differ  \nTraceback detail\n")
    assert first_line(err) == "shapes differ"
    assert first_line(err, typed=True) == "ValueError: shapes differ"
    assert first_line(KeyError()) == "KeyError" == first_line(KeyError(), typed=True)


def test_a_long_line_keeps_its_start_and_its_end():
    line = first_line(OSError("write failed " + "x" * 400 + " File too large"))
    assert len(line) < 250 and line.startswith("write failed") and line.endswith("File too large")
