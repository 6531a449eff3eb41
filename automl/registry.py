"""A name -> implementation table with a decorator, for families, controllers and sources."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from automl.errors import AutoMLError, SpecError

T = TypeVar("T")


class Registry(dict, Generic[T]):
    """Implementations by name; adding one is a decorated function in its own module.

    Args:
        what: How a user names the choice in errors (``--controller``, ``family``).
        error: The error class raised for an unknown name.
    """

    def __init__(self, what: str, error: type[AutoMLError] = SpecError) -> None:
        super().__init__()
        self.what, self.error = what, error

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers its function under ``name``."""
        def add(fn: T) -> T:
            self[name] = fn
            return fn
        return add

    def lookup(self, name: str) -> T:
        """Returns the implementation, or raises an error listing the known names."""
        if name not in self:
            raise self.error(f"{self.what}: expected one of: {', '.join(sorted(self))}, received {name!r}")
        return self[name]
