"""Export: the best model out as a SavedModel and a .keras file, with a model card."""

from automl.export.saved_model import export_model

__all__ = ["export_model"]
