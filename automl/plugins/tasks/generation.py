"""New images like the training images (generative families), scored by how close their features come to real ones.

The metrics are measured on samples at the end of each epoch against the
validation images, in the feature space of a classifier the search trains once
on the training split (`automl.search.samples`): the Fréchet distance
(``fd``, lower is better), improved precision and recall (Kynkäänniemi et al.,
2019), coverage (Naeem et al., 2020), the samples' diversity as a fraction of the real images', and, for
class-conditional models, the classifier's accuracy on the samples' intended classes.
"""

from automl.plugins.tasks import TaskPlugin

PLUGIN = TaskPlugin(
    name="generation", summary="new images like the training images (GANs, diffusion)",
    metrics={"fd": "min", "precision": "max", "recall": "max", "coverage": "max", "diversity": "max",
             "class_accuracy": "max"},
    losses=("auto",), objective="val_fd", head="", output="images",
    serving_output="images", order=60)
