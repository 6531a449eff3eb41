"""The serving SavedModel (``serving_default``: named raw inputs, named outputs); always written."""

from automl.plugins.formats import FormatPlugin

PLUGIN = FormatPlugin("saved_model", "TensorFlow SavedModel with a serving_default signature",
                      write="automl.export.formats:saved_model", run="automl.export.runners:run_saved_model",
                      artifact="saved_model", default=True)
