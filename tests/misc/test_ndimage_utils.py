"""misc.ndimage_utils: resize, composite and soft_alpha_blend against NumPy references."""
import numpy as np
import pytest

from lucid_vgg.misc.ndimage_utils import composite, resize, soft_alpha_blend

IMG = np.random.default_rng(0).uniform(0, 1, (4, 6, 3))


def test_nearest_upscale_repeats_pixels():
    up = resize(IMG, (8, 12), order=0)
    np.testing.assert_allclose(up, IMG.repeat(2, 0).repeat(2, 1))
    np.testing.assert_allclose(resize(IMG, ratios=2, order=0), up)
    batch = np.stack([IMG, 1 - IMG])
    np.testing.assert_allclose(resize(batch, (8, 12), order=0)[1], 1 - up)


def test_target_size_first_entry_is_rows_and_noops_return_the_input():
    assert resize(IMG, (2, 9)).shape == (2, 9, 3)
    assert resize(IMG, 5).shape == (5, 5, 3)
    assert resize(IMG, (4, 6)) is IMG and resize(IMG, ratios=(1, 1)) is IMG
    assert resize(IMG, (3, 3), ratios=(1, 2)).shape == (3, 3, 3)  # zoom by ratios, crop to size


@pytest.mark.parametrize("args, kwargs, words", [
    ((np.zeros((4, 4)),), {"target_size": 2}, "shape"), ((IMG,), {}, "target_size or ratios"),
    ((IMG, "big"), {}, "target_size must be"), ((IMG, (0, 3)), {}, "positive"),
    ((IMG,), {"ratios": -1}, "positive")])
def test_resize_bad_input(args, kwargs, words):
    with pytest.raises(ValueError, match=words):
        resize(*args, **kwargs)


def test_composite_places_a_square_foreground():
    bg, fg = np.zeros((10, 20, 3)), np.ones((3, 3, 3))
    out = composite(bg, fg, foreground_width_ratio=0.25, foreground_position=(1.0, 0.0))
    expected = bg.copy()
    expected[5:10, 0:5] = 1  # width 5 = 0.25 * 20, square, at the bottom-left
    np.testing.assert_allclose(out, expected)
    assert bg.max() == 0  # the input is not modified
    np.testing.assert_allclose(composite(bg, fg, foreground_position=(0.5, 1.0))[2:7, 15:20], 1)
    assert composite(bg, fg, foreground_width_ratio=0) is bg
    with pytest.raises(ValueError, match="same number of channels"):
        composite(bg, np.ones((3, 3, 4)))


def test_soft_alpha_blend_formula():
    rgba = np.random.default_rng(1).uniform(0, 1, (5, 5, 4))
    rgb, a = rgba[..., :3], rgba[..., 3:]
    bg = 0.333 * rgb + 0.667
    expected = (a * rgb ** 2.2 + (1 - a) * bg ** 2.2) ** (1 / 2.2)
    np.testing.assert_allclose(soft_alpha_blend(rgba), expected)
    opaque = np.concatenate([rgb, np.ones_like(a)], -1)
    np.testing.assert_allclose(soft_alpha_blend(opaque), rgb)
    with pytest.raises(ValueError, match="RGBA"):
        soft_alpha_blend(rgb)
