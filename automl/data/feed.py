"""tf.data input pipelines: the same split for every trial, cached, shuffled per epoch, prefetched."""

from __future__ import annotations

from typing import Any

import numpy as np


def _tensor(array: np.ndarray) -> Any:
    import tensorflow as tf

    if array.dtype == object or array.dtype.kind in "US":
        return tf.constant(array.astype(str))
    return tf.constant(array)


def to_dataset(x: Any, y: np.ndarray | None, batch_size: int, shuffle: bool = False, seed: int = 0,
               cache: bool = True, prefetch: bool = True, augment: Any = None) -> Any:
    """A batched `tf.data.Dataset` over arrays, or dicts of named columns (strings included).

    Args:
        x: Inputs: an array, a dict of column arrays, or graph examples (batched as disjoint unions).
        y: Targets, or None for prediction.
        batch_size: Examples per batch.
        shuffle: Reshuffle the examples every epoch (training only).
        seed: Shuffle seed, so a trial's order is reproducible.
        cache: Keep the converted examples in memory after the first epoch.
        prefetch: Prepare the next batches while the model trains on this one.
        augment: A function applied to each batch of inputs (training only), or None.
    """
    import tensorflow as tf

    from automl.data.graphs import GraphExamples, graph_dataset

    if isinstance(x, GraphExamples):  # augmentation is for images and sequences
        return graph_dataset(x, y, batch_size, shuffle=shuffle, seed=seed, cache=cache, prefetch=prefetch)
    features = {k: _tensor(v) for k, v in x.items()} if isinstance(x, dict) else _tensor(x)
    data = tf.data.Dataset.from_tensor_slices(features if y is None else (features, _tensor(y)))
    data = data.cache() if cache else data
    if shuffle:
        size = len(y) if y is not None else len(next(iter(x.values())) if isinstance(x, dict) else x)
        data = data.shuffle(size, seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size)
    if augment is not None:
        data = data.map(lambda x, y: (augment(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE) if prefetch else data
