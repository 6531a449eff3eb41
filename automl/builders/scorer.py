"""The feature network that scores generated images: a small classifier trained once per search.

A Fréchet distance needs a feature space. Inception-v3's would have to be
downloaded and knows nothing of 8x8 digits, so a search trains its own: a small
CNN on the training split, to tell the classes apart when the data has labels,
or else to tell which way each image was rotated (Gidaris et al., 2018), which
needs no labels. Its pooled features are the space; its class probabilities
score a conditional model's samples.
"""

from __future__ import annotations

import numpy as np

FEATURES, PROBABILITIES = "features", "probabilities"
# Enough images and epochs for stable features in seconds on two cores; more changes the space little.
MAX_IMAGES, EPOCHS, PATIENCE = 10_000, 12, 2


def train_scorer(x: np.ndarray, y: np.ndarray, classes: int, value_range: tuple[float, float], seed: int = 0):
    """Trains the scorer on training images ``x`` (labels ``y`` when ``classes`` >= 2).

    Returns:
        A Keras model from raw images to ``{"features": [n, 64], "probabilities": [n, classes]}``
        (with no labels, the classes are the four rotations).
    """
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    keep = rng.permutation(len(x))[:MAX_IMAGES]
    x, y = np.asarray(x, dtype="float32")[keep], np.asarray(y)[keep]
    if classes < 2:
        x, y, classes = rotations(x)
    model = scorer_net(x.shape[1:], classes, value_range)
    # Trained as a plain classifier; the model returned shares its layers and adds the features.
    classifier = keras.Model(model.input, model.output[PROBABILITIES])
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping("val_loss", patience=PATIENCE, restore_best_weights=True)
    order = rng.permutation(len(x))  # validation_split takes the last rows: rotations come in blocks
    classifier.fit(x[order], y[order].astype("int32"), batch_size=64, epochs=EPOCHS, validation_split=0.1,
                   callbacks=[stop], verbose=0)
    return model


def rotations(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Each image turned by 0, 90, 180 and 270 degrees (0 and 180 when not square), labelled by its turn."""
    turns = (0, 1, 2, 3) if x.shape[1] == x.shape[2] else (0, 2)
    images = np.concatenate([np.rot90(x, k, axes=(1, 2)) for k in turns])
    labels = np.repeat(np.arange(len(turns)), len(x))
    return images, labels, len(turns)


def scorer_net(shape: tuple, classes: int, value_range: tuple[float, float]):
    """Three conv blocks (pooling while the size halves evenly), global average pooling: the features."""
    import keras

    low, high = value_range
    image = keras.Input(shape, name="image")
    x = keras.layers.Rescaling(2.0 / max(high - low, 1e-12), offset=-1.0 - 2.0 * low / max(high - low, 1e-12))(image)
    for filters in (32, 64, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        if x.shape[1] % 2 == 0 and x.shape[2] % 2 == 0 and x.shape[1] > 2:
            x = keras.layers.MaxPooling2D(2)(x)
    features = keras.layers.GlobalAveragePooling2D(name=FEATURES)(x)
    out = keras.layers.Dense(classes, activation="softmax", name=PROBABILITIES)(features)
    return keras.Model(image, {FEATURES: features, PROBABILITIES: out}, name="sample_scorer")
