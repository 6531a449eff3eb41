"""ONNX converted from the serving SavedModel by tf2onnx; no string lookups in its operator set."""

from automl.plugins.formats import FormatPlugin

PLUGIN = FormatPlugin("onnx", "ONNX by tf2onnx, model.onnx (the onnx extra)", write="automl.export.formats:onnx",
                      run="automl.export.runners:run_onnx", artifact="model.onnx",
                      refuses=("StringLookup", "TextVectorization", "Hashing", "IntegerLookup"),
                      extra=("tf2onnx", "onnx"))
