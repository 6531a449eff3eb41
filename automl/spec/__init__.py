"""Search spaces and dataset cards: schema, safe loading, validation (no TensorFlow)."""

from automl.spec.files import (
    LoadedCard,
    LoadedSpace,
    available,
    card_for_path,
    check_against_card,
    check_fits,
    check_metrics,
    check_task,
    effective_task,
    load_card,
    load_space,
    validate_file,
)
from automl.spec.flatten import Flat, flatten, searched

__all__ = ["Flat", "LoadedCard", "LoadedSpace", "available", "card_for_path", "check_against_card", "check_fits",
           "check_metrics", "check_task", "effective_task", "flatten", "load_card", "load_space", "searched",
           "validate_file"]
