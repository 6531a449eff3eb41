"""Sample-quality scores of `automl.quality`: Fréchet distance, precision/recall, coverage, collapse, image grids."""

from __future__ import annotations

import io

import numpy as np
import pytest
import scipy.linalg
from PIL import Image
from scipy.spatial.distance import cdist, pdist

from automl import quality
from automl.quality import (
    coverage,
    diversity,
    frechet_distance,
    image_grid,
    png_bytes,
    precision_recall,
)


def _gaussian(n: int, d: int, seed: int, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


def _two_clusters(n: int, seed: int) -> np.ndarray:
    """``n`` points around (0, 0) then ``n`` around (20, 0), far apart compared with their spread."""
    return np.concatenate([_gaussian(n, 2, seed), _gaussian(n, 2, seed + 1) + [20.0, 0.0]])


def _reference_frechet(a: np.ndarray, b: np.ndarray) -> float:
    """The textbook formula on the samples' own statistics, with scipy's general matrix square root."""
    mean_gap = a.mean(axis=0) - b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(mean_gap @ mean_gap + np.trace(cov_a + cov_b - 2.0 * root))


# Fréchet distance


def test_frechet_distance_of_a_set_with_itself_is_zero():
    a = _gaussian(500, 8, seed=0)
    assert abs(frechet_distance(a, a)) < 1e-6


def test_frechet_distance_matches_the_formula_on_the_empirical_statistics():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + rng.normal(size=6)
    assert frechet_distance(a, b) == pytest.approx(_reference_frechet(a, b), rel=1e-6)


def test_frechet_distance_of_diagonal_gaussians_matches_the_closed_form():
    # With diagonal covariances the distance is sum (mu_a - mu_b)^2 + sum (sqrt(v_a) - sqrt(v_b))^2.
    rng = np.random.default_rng(2)
    mean_a, var_a = np.array([0.0, 0.0, 0.0]), np.array([1.0, 4.0, 0.25])
    mean_b, var_b = np.array([1.0, 0.0, -0.5]), np.array([4.0, 1.0, 1.0])
    a = mean_a + rng.normal(size=(200_000, 3)) * np.sqrt(var_a)
    b = mean_b + rng.normal(size=(200_000, 3)) * np.sqrt(var_b)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    assert expected == pytest.approx(3.5)
    assert frechet_distance(a, b) == pytest.approx(expected, abs=0.05)


def test_frechet_distance_is_symmetric():
    a, b = _gaussian(300, 5, seed=3), _gaussian(200, 5, seed=4, shift=0.7) * 2.0
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_frechet_distance_of_a_translated_set_is_the_squared_shift_and_grows_with_it():
    a = _gaussian(300, 4, seed=5)
    shifts = [0.5, 1.0, 2.0, 4.0]
    distances = [frechet_distance(a, a + shift) for shift in shifts]
    # Same covariance, so only the mean term remains: 4 dimensions each shifted by `shift`.
    assert distances == pytest.approx([4 * shift**2 for shift in shifts], rel=1e-6)
    assert distances == sorted(distances)


def test_frechet_distance_of_one_dimensional_features():
    a, b = _gaussian(1000, 1, seed=6), _gaussian(1000, 1, seed=7, shift=3.0)
    assert frechet_distance(a, b) == pytest.approx(_reference_frechet(a, b), rel=1e-6)


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((5, 3), (5, 4)), ((5,), (5,)), ((1, 3), (5, 3)), ((5, 3), (5, 3, 1))],
)
def test_frechet_distance_rejects_bad_shapes_naming_them(a_shape, b_shape):
    with pytest.raises(ValueError, match="same width with at least 2 rows") as raised:
        frechet_distance(np.zeros(a_shape), np.zeros(b_shape))
    assert str(a_shape) in str(raised.value) and str(b_shape) in str(raised.value)


# Precision, recall, coverage


def test_identical_sets_have_full_precision_recall_and_coverage():
    real = _gaussian(200, 4, seed=8)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert coverage(real, real) == 1.0


def test_samples_of_one_of_two_clusters_are_precise_but_reach_half_the_real_set():
    real = _two_clusters(200, seed=9)
    fake = _gaussian(200, 2, seed=20)
    precision, recall = precision_recall(real, fake)
    assert precision >= 0.9
    # No sample near the second cluster, so at most its first half is recalled.
    assert 0.4 <= recall <= 0.5
    assert 0.4 <= coverage(real, fake) <= 0.5


def test_far_away_samples_score_zero():
    real = _gaussian(200, 4, seed=10)
    fake = _gaussian(200, 4, seed=11, shift=1000.0)
    assert precision_recall(real, fake) == (0.0, 0.0)
    assert coverage(real, fake) == 0.0


def test_one_outlying_sample_inflates_recall_but_not_coverage():
    # The outlier's own k-NN ball is huge and swallows the second cluster; coverage uses real radii only.
    real = _two_clusters(200, seed=12)
    fake = np.concatenate([_gaussian(200, 2, seed=21), [[14.0, 0.0]]])
    assert precision_recall(real, fake)[1] > 0.9
    assert coverage(real, fake) <= 0.5


def test_block_wise_distances_match_the_whole_matrix(monkeypatch):
    real, fake = _gaussian(120, 3, seed=13), _gaussian(90, 3, seed=14, shift=0.5)
    k = 3
    whole = cdist(real, real)
    np.fill_diagonal(whole, np.inf)
    radii_real = np.sort(whole, axis=1)[:, k - 1]
    whole = cdist(fake, fake)
    np.fill_diagonal(whole, np.inf)
    radii_fake = np.sort(whole, axis=1)[:, k - 1]
    expected_precision = (cdist(fake, real) <= radii_real).any(axis=1).mean()
    expected_recall = (cdist(real, fake) <= radii_fake).any(axis=1).mean()
    expected_coverage = (cdist(real, fake).min(axis=1) <= radii_real).mean()
    # Blocks of 7 rows against 120 columns: many blocks, the last one partial.
    monkeypatch.setattr(quality, "_BLOCK_BYTES", 8 * 120 * 7)
    precision, recall = precision_recall(real, fake, k=k)
    assert 0.0 < precision < 1.0 and 0.0 < recall < 1.0
    assert (precision, recall) == pytest.approx((expected_precision, expected_recall))
    assert coverage(real, fake, k=k) == pytest.approx(expected_coverage)


def test_duplicate_points_count_as_neighbours_but_a_point_is_not_its_own():
    # Each point appears twice: its nearest other point is its twin at distance 0.
    points = np.repeat(_gaussian(50, 2, seed=15), 2, axis=0)
    # Zero up to the round-off of computing distances by matrix products.
    np.testing.assert_allclose(quality._knn_radii(points, 1), 0.0, atol=1e-6)
    assert np.all(quality._knn_radii(points, 2) > 1e-3)


def test_k_must_leave_neighbours_in_each_set():
    real = _gaussian(4, 2, seed=16)
    with pytest.raises(ValueError, match="k=4"):
        precision_recall(real, _gaussian(10, 2, seed=17), k=4)
    with pytest.raises(ValueError, match="k=3"):
        precision_recall(_gaussian(10, 2, seed=17), real[:3], k=3)
    with pytest.raises(ValueError, match="same width"):
        coverage(real, _gaussian(10, 3, seed=17))


# Diversity and collapse


def test_diversity_averages_every_pair_of_a_small_set():
    features = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    # Pairs: 5, 0 (the two origins), 5.
    assert diversity(features) == pytest.approx(10.0 / 3.0)


def test_sampled_diversity_is_seeded_close_to_the_full_mean_and_never_pairs_a_row_with_itself():
    features = _gaussian(1000, 8, seed=18)
    assert diversity(features, seed=3) == diversity(features, seed=3)
    assert diversity(features) == pytest.approx(pdist(features).mean(), rel=0.05)
    # Distinct unit vectors are all sqrt(2) apart; a row paired with itself would pull the mean down.
    assert diversity(np.eye(100), max_pairs=50) == pytest.approx(np.sqrt(2.0))


def test_diversity_needs_two_rows():
    with pytest.raises(ValueError, match=r"\(1, 3\)"):
        diversity(np.zeros((1, 3)))


def test_small_images_are_enlarged_and_tiled_into_rows_and_columns():
    images = np.random.default_rng(25).uniform(size=(10, 8, 8, 1))
    grid = image_grid(images)
    # 8x8 tiles become 32x32; 10 images fill 4 rows of 3 columns, with 1-pixel gaps.
    assert grid.dtype == np.uint8
    assert grid.shape == (4 * 32 + 3, 3 * 32 + 2, 1)
    assert grid.min() == 0 and grid.max() == 255


def test_grid_pixel_layout_of_a_tiny_case():
    # Three 2x1 images; values 0..4 map to 0, 64, 128, 191, 255.
    images = np.array([[[[0.0]], [[1.0]]], [[[3.0]], [[3.0]]], [[[2.0]], [[2.0]]]])
    grid = image_grid(images, low=0.0, high=4.0)
    # Height 2 is enlarged 16 times: 32x16 tiles, 2 rows by 2 columns, white gaps and empty cell.
    expected = np.full((65, 33, 1), 255, np.uint8)
    expected[0:16, 0:16] = 0
    expected[16:32, 0:16] = 64
    expected[0:32, 17:33] = 191
    expected[33:65, 0:16] = 128
    np.testing.assert_array_equal(grid, expected)


def test_grid_rows_pad_and_clipping():
    images = np.stack([np.full((32, 32, 3), value) for value in (-1.0, 0.5, 2.0)])
    grid = image_grid(images, rows=1, low=0.0, high=1.0, pad=0)
    # 32-pixel tiles are not enlarged; values outside [low, high] are clipped.
    assert grid.shape == (32, 96, 3)
    assert [int(grid[0, column, 0]) for column in (0, 32, 64)] == [0, 128, 255]


def test_a_constant_image_is_mid_grey():
    grid = image_grid(np.full((1, 8, 8, 3), 7.0))
    assert grid.shape == (32, 32, 3)
    assert np.all(grid == 128)


def test_image_grid_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"\(2, 8, 8, 2\)"):
        image_grid(np.zeros((2, 8, 8, 2)))
    with pytest.raises(ValueError, match="rows"):
        image_grid(np.zeros((2, 8, 8, 1)), rows=0)


@pytest.mark.parametrize("channels", [1, 3])
def test_png_bytes_round_trip(channels):
    image = np.random.default_rng(26).integers(0, 256, size=(13, 21, channels), dtype=np.uint8)
    data = png_bytes(image)
    assert data.startswith(b"\x89PNG")
    decoded = np.asarray(Image.open(io.BytesIO(data)))
    np.testing.assert_array_equal(decoded.reshape(image.shape), image)
    assert decoded.ndim == (2 if channels == 1 else 3)


def test_png_bytes_rejects_floats():
    with pytest.raises(ValueError, match="uint8"):
        png_bytes(np.zeros((4, 4, 1)))
