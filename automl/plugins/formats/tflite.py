"""TFLite (LiteRT) flatbuffer of the serving function; no text vectorization in its builtins."""

from automl.plugins.formats import FormatPlugin

PLUGIN = FormatPlugin("tflite", "TFLite (LiteRT) flatbuffer, model.tflite", write="automl.export.formats:tflite",
                      run="automl.export.runners:run_tflite", artifact="model.tflite", refuses=("TextVectorization",))
