"""Scores for generated image samples, measured against real ones in a feature space.

Every function here takes feature arrays (``[n, d]``, one row per image) that the
caller has already computed, so this module needs only numpy (Pillow is imported
inside `png_bytes`, the one function that uses it) and never TensorFlow.

The Fréchet distances are computed in the feature space of a small classifier trained
on the user's own training split, not in Inception-v3's ImageNet feature space. They
are therefore NOT comparable to published FID numbers: use them to compare runs on one
data set with one feature extractor, never against a paper's table.

Besides the Fréchet distance: improved precision and recall (Kynkäänniemi et al., 2019),
coverage (Naeem et al., 2020), diversity (whose ratio to the real set's flags a collapsed generator), and
helpers that tile samples into one PNG for a human to look at.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import numpy as np

# Below this fraction of the real set's diversity the samples are taken to be nearly alike.
COLLAPSE_RATIO = 0.1

# Bytes one block of pairwise distances may take: 5000 x 5000 float64 would be 200 MB at once.
_BLOCK_BYTES = 1 << 25

# Generated tiles shorter than this are enlarged, so 8x8 digits are readable in the grid.
_MIN_TILE_HEIGHT = 32

# Gaps between tiles are white, so dark-background images (digits) stay visibly apart.
_GAP_VALUE = 255


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets.

    ``||mu_a - mu_b||^2 + Tr(C_a + C_b - 2 sqrt(C_a C_b))``, with the trace of the
    square root taken as ``sum(sqrt(eig(s C_b s)))`` where ``s = sqrt(C_a)``: that
    matrix is symmetric positive semi-definite and has the same eigenvalues as
    ``C_a C_b``, so no complex parts or negative round-off leak in as they can with
    a general ``sqrtm(C_a @ C_b)``.

    Args:
        a: Features ``[n, d]`` of one set.
        b: Features ``[m, d]`` of the other set.

    Returns:
        The distance, at least 0.

    Raises:
        ValueError: If the arrays are not two-dimensional, differ in width, or either
            has fewer than 2 rows (a covariance needs two).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(
            "expected two feature arrays of the same width with at least 2 rows each, "
            f"received shapes {a.shape} and {b.shape}"
        )
    mean_gap = a.mean(axis=0) - b.mean(axis=0)
    cov_a, cov_b = _covariance(a), _covariance(b)
    root_a = _sqrtm_psd(cov_a)
    product = root_a @ cov_b @ root_a
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2)
    trace_root = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    distance = mean_gap @ mean_gap + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root
    return float(max(distance, 0.0))


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of Kynkäänniemi et al. (2019).

    Each point owns a ball whose radius is the distance to its ``k``-th nearest
    neighbour in its own set. Precision is the fraction of fake points inside at least
    one real ball (fidelity); recall is the fraction of real points inside at least one
    fake ball (how much of the real distribution the samples reach).

    Args:
        real: Real features ``[n, d]``, ``n > k``.
        fake: Generated features ``[m, d]``, ``m > k``.
        k: Which neighbour sets the radius.

    Returns:
        ``(precision, recall)``, each in ``[0, 1]``.
    """
    real, fake = _feature_pair(real, fake, k)
    real_radii, fake_radii = _knn_radii(real, k), _knn_radii(fake, k)
    precision = _inside_any_ball(fake, real, real_radii).mean()
    recall = _inside_any_ball(real, fake, fake_radii).mean()
    return float(precision), float(recall)


def coverage(real: np.ndarray, fake: np.ndarray, k: int = 3) -> float:
    """Coverage of Naeem et al. (2020): the fraction of real balls holding at least one fake point.

    Unlike recall it uses only the real set's radii, so a few outlying samples with
    huge balls cannot inflate it.

    Args:
        real: Real features ``[n, d]``, ``n > k``.
        fake: Generated features ``[m, d]``.
        k: Which neighbour sets the radius.

    Returns:
        The fraction, in ``[0, 1]``.
    """
    real, fake = _feature_pair(real, fake, k, check_fake_rows=False)
    radii = _knn_radii(real, k)
    nearest = np.concatenate([block.min(axis=1) for _, block in _distance_blocks(real, fake)])
    return float((nearest <= radii).mean())


def diversity(features: np.ndarray, max_pairs: int = 2000, seed: int = 0) -> float:
    """Mean Euclidean distance between two distinct rows.

    Every pair is used when there are at most ``max_pairs`` of them; otherwise
    ``max_pairs`` pairs of distinct rows are drawn at random, with ``seed``, so the
    same features always give the same number.

    Args:
        features: Features ``[n, d]``, ``n >= 2``.
        max_pairs: Most pairs measured.
        seed: Seed of the pair sampling.

    Returns:
        The mean distance (0 when every row is the same).

    Raises:
        ValueError: If ``features`` is not ``[n, d]`` with ``n >= 2``.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"expected a feature array [n, d] with at least 2 rows, received shape {features.shape}")
    n = len(features)
    if n * (n - 1) // 2 <= max_pairs:
        first, second = np.triu_indices(n, k=1)
    else:
        rng = np.random.default_rng(seed)
        first = rng.integers(n, size=max_pairs)
        # Drawing from n - 1 values and skipping `first` gives a distinct row, uniformly.
        second = rng.integers(n - 1, size=max_pairs)
        second = second + (second >= first)
    return float(np.linalg.norm(features[first] - features[second], axis=1).mean())


def image_grid(
    images: np.ndarray,
    rows: int | None = None,
    low: float | None = None,
    high: float | None = None,
    pad: int = 1,
) -> np.ndarray:
    """Tiles images into one uint8 picture, row by row.

    Values are mapped linearly from ``[low, high]`` to ``[0, 255]`` (clipped), so
    generator outputs in any range can be shown. Tiles shorter than 32 pixels are
    enlarged by an integer factor (nearest neighbour); gaps and unused cells are white.

    Args:
        images: ``[n, h, w, c]`` with ``c`` 1 or 3, any float range.
        rows: Rows of tiles; ``ceil(sqrt(n))`` by default. Columns are ``ceil(n / rows)``.
        low: Value shown black; the images' minimum by default.
        high: Value shown white; the images' maximum by default. When ``high <= low``
            (a constant array) every pixel is mid grey.
        pad: Pixels between neighbouring tiles.

    Returns:
        ``[H, W, c]`` uint8.

    Raises:
        ValueError: On a shape other than ``[n, h, w, 1|3]`` with ``n >= 1``, ``rows < 1``
            or ``pad < 0``.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or min(images.shape) < 1:
        raise ValueError(f"expected images [n, h, w, 1 or 3] with n >= 1, received shape {images.shape}")
    if (rows is not None and rows < 1) or pad < 0:
        raise ValueError(f"expected rows >= 1 and pad >= 0, received rows={rows}, pad={pad}")
    tiles = _upscale(_to_uint8(images, low, high))
    n, height, width, channels = tiles.shape
    rows = rows if rows is not None else math.ceil(math.sqrt(n))
    columns = math.ceil(n / rows)
    grid = np.full(
        (rows * height + (rows - 1) * pad, columns * width + (columns - 1) * pad, channels), _GAP_VALUE, np.uint8
    )
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (height + pad), (index % columns) * (width + pad)
        grid[top : top + height, left : left + width] = tile
    return grid


def png_bytes(image: np.ndarray) -> bytes:
    """Encodes a uint8 ``[H, W, 1|3]`` image as PNG.

    Args:
        image: Grey (one channel) or RGB pixels.

    Returns:
        The PNG file's bytes.

    Raises:
        ValueError: On another dtype or shape.
    """
    from PIL import Image

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"expected uint8 [H, W, 1 or 3], received {image.dtype} {image.shape}")
    # Pillow reads uint8 [H, W] as grey ("L") and [H, W, 3] as RGB, so a grey image stays one channel in the file.
    picture = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _covariance(x: np.ndarray) -> np.ndarray:
    """Sample covariance ``[d, d]`` (ddof 1), kept two-dimensional when ``d`` is 1."""
    return np.atleast_2d(np.cov(x, rowvar=False, ddof=1))


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a positive semi-definite matrix, negative round-off clipped to 0."""
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def _feature_pair(
    real: np.ndarray, fake: np.ndarray, k: int, check_fake_rows: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Both sets as float64 after checking they can have ``k``-NN radii."""
    real, fake = np.asarray(real, dtype=np.float64), np.asarray(fake, dtype=np.float64)
    fake_rows = k + 1 if check_fake_rows else 1
    if k < 1 or real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"expected two feature arrays of the same width and k >= 1, received shapes {real.shape} and "
            f"{fake.shape}, k={k}"
        )
    if len(real) <= k or len(fake) < fake_rows:
        raise ValueError(
            f"k={k} needs more than k real rows and at least {fake_rows} fake rows, "
            f"received shapes {real.shape} and {fake.shape}"
        )
    return real, fake


def _distance_blocks(x: np.ndarray, y: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Yields ``(start, distances)`` for successive row blocks of ``x`` against all of ``y``.

    Blocks keep memory bounded (a full 5000 x 5000 matrix is never held) while each
    block is still one matrix product.
    """
    # Distances do not change under a shared shift; centring shrinks the norms and so the round-off of the
    # expansion |x|^2 + |y|^2 - 2 x.y, which is about 1e-8 times the norms after the square root.
    centre = y.mean(axis=0)
    x, y = x - centre, y - centre
    y_norms = np.einsum("ij,ij->i", y, y)
    step = max(1, _BLOCK_BYTES // (8 * max(len(y), 1)))
    for start in range(0, len(x), step):
        block = x[start : start + step]
        squared = np.einsum("ij,ij->i", block, block)[:, None] + y_norms[None, :] - 2.0 * block @ y.T
        # The expansion can dip below 0 by round-off where two points coincide.
        yield start, np.sqrt(np.clip(squared, 0.0, None))


def _knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its ``k``-th nearest other row of ``x``."""
    radii = []
    for start, block in _distance_blocks(x, x):
        # A point is not its own neighbour; duplicates elsewhere in the set still count.
        block[np.arange(len(block)), start + np.arange(len(block))] = np.inf
        radii.append(np.partition(block, k - 1, axis=1)[:, k - 1])
    return np.concatenate(radii)


def _inside_any_ball(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Whether each point lies within at least one ball (``centres``, ``radii``)."""
    return np.concatenate([(block <= radii[None, :]).any(axis=1) for _, block in _distance_blocks(points, centres)])


def _to_uint8(images: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """Maps ``[low, high]`` linearly onto ``[0, 255]``; NaN shows black, a constant array mid grey."""
    # Defaults come from the finite values only: one NaN or inf must not wash out the rest.
    finite = images[np.isfinite(images)]
    if low is None:
        low = float(finite.min()) if finite.size else 0.0
    if high is None:
        high = float(finite.max()) if finite.size else low
    if high <= low:
        return np.full(images.shape, 128, np.uint8)
    scaled = (np.nan_to_num(images, nan=low) - low) / (high - low) * 255.0
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)


def _upscale(tiles: np.ndarray) -> np.ndarray:
    """Repeats pixels by the smallest integer factor that makes tiles at least 32 pixels high."""
    factor = math.ceil(_MIN_TILE_HEIGHT / tiles.shape[1])
    if factor <= 1:
        return tiles
    return np.repeat(np.repeat(tiles, factor, axis=1), factor, axis=2)
