"""misc.stimuli: rounded corners and binary images checked against their implicit functions."""
import numpy as np
import pytest

from lucid_vgg.misc.stimuli import rmin, rounded_corner, sample_binary_image

N = 32
COORDS = np.arange(N) - N // 2
X, Y = COORDS[None, :], COORDS[:, None]


def test_sharp_corner_is_a_wedge_away_from_its_edges():
    np.random.seed(0)
    img = rounded_corner(0, 0, size=N)
    assert img.shape == (N, N, 3) and img.min() >= 0 and img.max() <= 1
    wedge = (X >= np.abs(Y)).astype(float)  # orientation 0, 90 degrees: white where x >= |y|
    away = np.abs(np.abs(X) - np.abs(Y)) > 1.5  # pixels not anti-aliased by the edges
    np.testing.assert_allclose(img[..., 0][away], wedge[away])
    assert ((img[..., 0] > 0) & (img[..., 0] < 1)).any()  # the edges are anti-aliased
    np.testing.assert_allclose(img[..., 0], img[..., 2])  # grey levels between the two colours


def test_orientation_rotates_and_seed_repeats():
    np.random.seed(1)
    a = rounded_corner(90, 4, size=N)
    np.random.seed(1)
    b = rounded_corner(90, 4, size=N)
    np.testing.assert_array_equal(a, b)
    np.random.seed(1)
    c = rounded_corner(0, 4, size=N)
    assert a[N - 2, N // 2, 0] == 1.0 and c[N - 2, N // 2, 0] == 0.0  # 90 degrees points down


def test_colours_boundary_and_fade():
    np.random.seed(0)
    disc = sample_binary_image(N, color_a=(1, 0, 0), color_b=(0, 0, 1))(lambda x, y: x ** 2 + y ** 2 - 64.0)
    np.testing.assert_allclose(disc[N // 2, N // 2], [0, 0, 1])  # inside: color_b
    np.testing.assert_allclose(disc[0, 0], [1, 0, 0])  # outside: color_a
    ring = sample_binary_image(N, boundary_line=True, alias_factor=1)(lambda x, y: x ** 2 + y ** 2 - 64.0)
    radius = np.sqrt(X ** 2 + Y ** 2)
    assert ring[..., 0][np.abs(radius - 8) < 0.3].max() < 1 and ring[..., 0][np.abs(radius - 8) > 3].min() == 1
    faded = sample_binary_image(N, fade_beyond_radius=4, fade_over_distance=2)(lambda x, y: x - 100.0)
    np.testing.assert_allclose(faded[0, 0], [.5, .5, .5])  # beyond radius 6: all fade colour
    np.testing.assert_allclose(faded[N // 2, N // 2], [0, 0, 0])


def test_rmin_is_min_away_from_the_diagonal_and_below_it_near():
    a, b = np.meshgrid(np.linspace(-3, 3, 61), np.linspace(-3, 3, 61))
    r = 1.0
    out = rmin(a, b, r)
    far = np.abs(a - b) > r
    np.testing.assert_allclose(out[far], np.minimum(a, b)[far])
    assert (out <= np.minimum(a, b) + 1e-12).all()
    np.testing.assert_allclose(rmin(a, b, 0), np.minimum(a, b))
    np.testing.assert_allclose(rmin(np.array(1.0 + r), np.array(1.0), r), 1.0)  # continuous at the seam


@pytest.mark.parametrize("kwargs, words", [({"size": 0}, "size"), ({"size": 8, "alias_factor": 0}, "alias_factor"),
                                           ({"size": 8, "color_a": (1, 0)}, "color_a")])
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        sample_binary_image(**kwargs)
