"""The Keras model itself (``model.keras``)."""

from automl.plugins.formats import FormatPlugin

PLUGIN = FormatPlugin("keras", "the Keras model file, model.keras", write="automl.export.formats:keras_file",
                      run="automl.export.runners:run_keras", artifact="model.keras", default=True)
