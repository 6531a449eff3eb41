"""The input itself, through a bottleneck (autoencoders), in the input's own units."""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="reconstruction", summary="the input itself, through a bottleneck",
    metrics={"mae": "min"}, losses=("mse", "mae", "huber"),
    objective="val_loss", head="automl.builders.compile:reconstruction_head", output="reconstruction",
    serving_output="reconstruction", order=50)
