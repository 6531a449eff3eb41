"""Parsing single search-space values."""

import pytest

from automl.spec.params import Bool, Choice, Domain, Fixed, FloatRange, IntRange, parse_param

INT = Domain(int, ge=1)
FLOAT = Domain(float, ge=0.0, le=1.0)
ACT = Domain(str, allowed=("relu", "tanh"))


@pytest.mark.parametrize("raw, domain, expected", [
    (3, INT, Fixed(3)),
    ({"choice": [16, 32]}, INT, Choice((16, 32))),
    ({"int": [1, 4], "step": 1}, INT, IntRange(1, 4, 1)),
    ({"float": [0.1, 0.5], "step": 0.1}, FLOAT, FloatRange(0.1, 0.5, 0.1, False)),
    ({"float": [0.001, 0.1], "log": True}, FLOAT, FloatRange(0.001, 0.1, None, True)),
    ({"bool": True}, Domain(bool), Bool(True)),
    ({"choice": ["relu", "tanh"]}, ACT, Choice(("relu", "tanh"))),
    (0, FLOAT, Fixed(0.0)),
])
def test_valid_values_parse(raw, domain, expected):
    assert parse_param(raw, domain) == expected


@pytest.mark.parametrize("raw, domain, words", [
    (0, INT, "expected an integer >= 1, received 0"),
    ({"choice": []}, INT, "non-empty list"),
    ({"choice": [16, 16]}, INT, "distinct"),
    ({"int": [4, 1]}, INT, "lo <= hi"),
    ({"float": [0.0, 0.5], "log": True}, FLOAT, "log range above zero"),
    ({"choice": ["relu", "softsign"]}, ACT, "expected one of relu, tanh, received 'softsign'"),
    ({"int": [1, 4], "log": True}, INT, "unknown key 'log'"),
    ({"choice": [1], "int": [1, 2]}, INT, "exactly one of"),
    (True, INT, "expected an integer"),
    ("3", INT, "received '3'"),
    ({"int": [1, 4]}, FLOAT, "received an int range"),
])
def test_invalid_values_say_expected_and_received(raw, domain, words):
    with pytest.raises(ValueError, match="expected") as err:
        parse_param(raw, domain)
    assert words in str(err.value)
