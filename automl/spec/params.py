"""Search-space values: a literal, or a choice, range or boolean to search over.

These are plain dataclasses so that validating a space never needs TensorFlow;
`automl.space` turns them into KerasTuner hyperparameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Fixed:
    """A value that is not searched."""

    value: Any


@dataclass(frozen=True)
class Choice:
    """One of a list of values."""

    values: tuple


@dataclass(frozen=True)
class IntRange:
    """An integer in ``[lo, hi]`` (inclusive), on a grid of ``step``."""

    lo: int
    hi: int
    step: int = 1


@dataclass(frozen=True)
class FloatRange:
    """A float in ``[lo, hi]``, optionally on a grid or sampled on a log scale."""

    lo: float
    hi: float
    step: float | None = None
    log: bool = False


@dataclass(frozen=True)
class Bool:
    """True or false; ``default`` is the value tried first."""

    default: bool = False


@dataclass(frozen=True)
class PerLayer:
    """One value per layer (``units_1``, ``units_2``...), each drawn from ``inner``."""

    inner: "Param"


Param = Union[Fixed, Choice, IntRange, FloatRange, Bool, PerLayer]

_KEYS = {
    "choice": {"choice"},
    "int": {"int", "step"},
    "float": {"float", "step", "log"},
    "bool": {"bool"},
    "per_layer": {"per_layer"},
}


@dataclass(frozen=True)
class Domain:
    """What values a parameter accepts: its type and optional bounds or names."""

    kind: type
    allowed: tuple | None = None
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    lt: float | None = None

    def describe(self) -> str:
        """Says in words what a single value must be."""
        if self.allowed is not None:
            return "one of " + ", ".join(map(str, self.allowed))
        words = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
        text = words[self.kind]
        bounds = [f">= {self.ge}" if self.ge is not None else "",
                  f"> {self.gt}" if self.gt is not None else "",
                  f"<= {self.le}" if self.le is not None else "",
                  f"< {self.lt}" if self.lt is not None else ""]
        bounds = [b for b in bounds if b]
        return text + (" " + " and ".join(bounds) if bounds else "")

    def check(self, value: Any) -> Any:
        """Returns ``value`` converted to this domain's type.

        Raises:
            ValueError: ``value`` is outside the domain.
        """
        if not self._type_ok(value):
            raise ValueError(f"expected {self.describe()}, received {value!r}")
        if self.kind is float:
            value = float(value)
        if self.allowed is not None and value not in self.allowed:
            raise ValueError(f"expected {self.describe()}, received {value!r}")
        if (self.ge is not None and value < self.ge) or (self.le is not None and value > self.le) \
                or (self.gt is not None and value <= self.gt) or (self.lt is not None and value >= self.lt):
            raise ValueError(f"expected {self.describe()}, received {value!r}")
        return value

    def _type_ok(self, value: Any) -> bool:
        if isinstance(value, bool):
            return self.kind is bool
        if self.kind is float:
            return isinstance(value, (int, float)) and math.isfinite(value)
        return isinstance(value, self.kind)


def parse_param(raw: Any, domain: Domain, per_layer: bool = False) -> Param:
    """Parses one value of a search space.

    Args:
        raw: The value as read from YAML: a literal or a one-key mapping such
            as ``{choice: [...]}``, ``{int: [lo, hi]}``, ``{float: [lo, hi]}``
            or ``{bool: default}``.
        domain: What a single value must be.
        per_layer: Whether ``{per_layer: value}`` is allowed (layer-wise keys only).

    Returns:
        The parsed parameter.

    Raises:
        ValueError: The value is malformed; the message says what was expected
            and what was received.
    """
    if not isinstance(raw, dict):
        return Fixed(domain.check(raw))
    if "per_layer" in raw and len(raw) == 1:
        if not per_layer:
            raise ValueError("expected one value for the whole model, received per_layer (this key is not layer-wise)")
        inner = parse_param(raw["per_layer"], domain)
        return PerLayer(inner)
    kinds = [k for k in _KEYS if k in raw]
    if len(kinds) != 1:
        raise ValueError(
            "expected a literal or a mapping with exactly one of choice, int, float, bool; "
            f"received keys {sorted(raw)}")
    kind = kinds[0]
    if kind == "per_layer":
        raise ValueError(f"expected per_layer alone in its mapping, received keys {sorted(raw)}")
    extra = set(raw) - _KEYS[kind]
    if extra:
        raise ValueError(
            f"unknown key {sorted(extra)[0]!r} in a {kind} value; expected only {sorted(_KEYS[kind])}")
    return _PARSERS[kind](raw, domain)


def _parse_choice(raw: dict, domain: Domain) -> Param:
    values = raw["choice"]
    if not isinstance(values, list) or not values:
        raise ValueError(f"expected choice to be a non-empty list, received {values!r}")
    checked = tuple(domain.check(v) for v in values)
    if len(set(checked)) != len(checked):
        raise ValueError(f"expected choice values to be distinct, received {values!r}")
    return Choice(checked)


def _bounds(raw: dict, key: str) -> tuple:
    pair = raw[key]
    if not isinstance(pair, list) or len(pair) != 2:
        raise ValueError(f"expected {key} to be a list [lo, hi], received {pair!r}")
    return pair[0], pair[1]


def _parse_int(raw: dict, domain: Domain) -> Param:
    if domain.kind is not int:
        raise ValueError(f"expected {domain.describe()}, received an int range")
    lo, hi = (domain.check(v) for v in _bounds(raw, "int"))
    step = raw.get("step", 1)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError(f"expected step to be a positive integer, received {step!r}")
    if lo > hi:
        raise ValueError(f"expected lo <= hi in int range, received [{lo}, {hi}]")
    return IntRange(lo, hi, step)


def _parse_float(raw: dict, domain: Domain) -> Param:
    if domain.kind is not float:
        raise ValueError(f"expected {domain.describe()}, received a float range")
    lo, hi = (domain.check(v) for v in _bounds(raw, "float"))
    step, log = raw.get("step"), raw.get("log", False)
    if not isinstance(log, bool):
        raise ValueError(f"expected log to be true or false, received {log!r}")
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0):
        raise ValueError(f"expected step to be a positive number, received {step!r}")
    if lo > hi:
        raise ValueError(f"expected lo <= hi in float range, received [{lo}, {hi}]")
    if log and lo <= 0:
        raise ValueError(f"expected a log range above zero, received [{lo}, {hi}]")
    return FloatRange(lo, hi, None if step is None else float(step), log)


def _parse_bool(raw: dict, domain: Domain) -> Param:
    if domain.kind is not bool:
        raise ValueError(f"expected {domain.describe()}, received a bool value")
    default = raw["bool"]
    if not isinstance(default, bool):
        raise ValueError(f"expected bool to be true or false, received {default!r}")
    return Bool(default)


def values_of(param: Param) -> list | None:
    """Every value a discrete parameter can take (None for a continuous range)."""
    if isinstance(param, Fixed):
        return [param.value]
    if isinstance(param, Choice):
        return list(param.values)
    if isinstance(param, IntRange):
        return list(range(param.lo, param.hi + 1, param.step))
    if isinstance(param, Bool):
        return [False, True]
    return None


def admits(param: Param, value: Any) -> bool:
    """Whether ``value`` is one the parameter can take."""
    if isinstance(param, FloatRange):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and param.lo <= value <= param.hi
    if isinstance(param, PerLayer):
        return admits(param.inner, value)
    return any(_same(value, choice) for choice in values_of(param))


def _same(value: Any, choice: Any) -> bool:
    # YAML's true is not the integer 1, but 3 is the float 3.0.
    if isinstance(value, bool) or isinstance(choice, bool):
        return value is choice
    return value == choice


_PARSERS = {"choice": _parse_choice, "int": _parse_int, "float": _parse_float, "bool": _parse_bool}
