"""Export: the best model out as a serving SavedModel plus Keras, TFLite and ONNX, with a model card."""

from automl.export.writer import DEFAULT_FORMATS, export_model
from automl.plugins.formats import FORMATS

__all__ = ["DEFAULT_FORMATS", "FORMATS", "export_model"]
