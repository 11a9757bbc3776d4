"""misc.io.collapse_channels against a direct NumPy transcription of the colouring rule."""
import math

import numpy as np
import pytest

from lucid_vgg.misc.io.collapse_channels import collapse_channels, hue_to_rgb, sparse_channels_to_rgb

CORNERS = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]], float)
CORNERS /= np.linalg.norm(CORNERS, axis=1, keepdims=True)


def reference_hue(ang, warp=True):
    ang = ang - 360 * math.floor(ang / 360)
    n = int(ang // 60)
    d = (ang - 60 * n) / 60
    if warp:
        d = math.sin(d * math.pi / 2) if n % 2 == 0 else 1 - math.sin((1 - d) * math.pi / 2)
    v = (1 - d) * CORNERS[n] + d * CORNERS[(n + 1) % 6]
    return v / np.linalg.norm(v)


def reference_sparse(X):
    """Per pixel, per channel, as a plain loop."""
    K = X.shape[-1]
    out = np.zeros(X.shape[:-1] + (3,))
    for idx in np.ndindex(X.shape[:-1]):
        x = X[idx]
        v = sum(x[i] * reference_hue(360 * i / K) for i in range(K)) + (x.sum() - x.max())
        out[idx] = v / (1e-4 + np.linalg.norm(v)) * np.linalg.norm(x)
    return out


def test_hue_corners_and_warp():
    np.testing.assert_allclose(hue_to_rgb(0), [1, 0, 0])
    np.testing.assert_allclose(hue_to_rgb(120), [0, 1, 0])
    np.testing.assert_allclose(hue_to_rgb(60), np.array([1, 1, 0]) / math.sqrt(2))
    for ang in [-725.5, -30, 12.5, 30, 90, 199, 359.99, 720]:
        for warp in (True, False):
            np.testing.assert_allclose(hue_to_rgb(ang, warp), reference_hue(ang, warp), atol=1e-12)
            assert np.isclose(np.linalg.norm(hue_to_rgb(ang, warp)), 1)
    assert not np.allclose(hue_to_rgb(30, True), hue_to_rgb(30, False))


def test_sparse_channels_match_reference():
    X = np.random.default_rng(0).uniform(0, 1, (4, 5, 7)) ** 3
    np.testing.assert_allclose(sparse_channels_to_rgb(X), reference_sparse(X), atol=1e-12)


def test_one_active_channel_gets_its_hue_at_its_strength():
    X = np.zeros((6, 6))
    X[np.arange(6), np.arange(6)] = 2.0
    rgb = sparse_channels_to_rgb(X)
    for i in range(6):
        np.testing.assert_allclose(rgb[i], 2.0 * hue_to_rgb(60 * i) / (1 + 1e-4 / 2), rtol=1e-6)


def test_negative_values_split_into_twice_the_channels():
    X = np.random.default_rng(1).normal(size=(3, 4, 5))
    split = np.concatenate([np.maximum(0, X), np.maximum(0, -X)], -1)
    np.testing.assert_allclose(collapse_channels(X), reference_sparse(split), atol=1e-12)
    pos = np.abs(X)
    np.testing.assert_allclose(collapse_channels(pos), reference_sparse(pos), atol=1e-12)
    assert collapse_channels(X.astype(np.float32)).shape == (3, 4, 3)


@pytest.mark.parametrize("bad, words", [
    (np.float64(3.0), "at least one channel"),
    (np.zeros((4, 0)), "at least one channel"),
    (np.array([[1.0, np.nan]]), "NaN"),
    (np.array(["a", "b"]), "numeric"),
])
def test_bad_arrays(bad, words):
    with pytest.raises(ValueError, match=words):
        collapse_channels(bad)


def test_sparse_refuses_negative_values():
    with pytest.raises(ValueError, match="non-negative.*collapse_channels"):
        sparse_channels_to_rgb(np.array([[0.5, -0.1]]))
    with pytest.raises(TypeError, match="angle"):
        hue_to_rgb("red")
