"""Search spaces and dataset cards: schema, safe loading, validation (no TensorFlow)."""

from automl.spec.files import (
    LoadedCard,
    LoadedSpace,
    available,
    check_fits,
    load_card,
    load_space,
    validate_file,
)

__all__ = ["LoadedCard", "LoadedSpace", "available", "check_fits", "load_card", "load_space",
           "validate_file"]
