"""misc.convert_matplotlib.matplotlib_to_numpy on real matplotlib figures (Agg backend)."""
import matplotlib
import matplotlib.patches
import numpy as np
import pytest

matplotlib.use("Agg")  # matplotlib comes with the `test` extra
import matplotlib.pyplot as plt  # noqa: E402

from lucid_vgg.misc.convert_matplotlib import matplotlib_to_numpy  # noqa: E402


def test_pyplot_figure_becomes_rgb_in_0_1():
    fig = plt.figure(figsize=(2, 1), dpi=40, facecolor=(1.0, 0.0, 0.0))
    try:
        arr = matplotlib_to_numpy(plt)
    finally:
        plt.close(fig)
    assert arr.shape == (40, 80, 3) and arr.min() >= 0 and arr.max() <= 1
    np.testing.assert_allclose(arr, np.broadcast_to([1.0, 0.0, 0.0], arr.shape))


def test_figure_object_drawing_and_transparency_over_white():
    fig = plt.figure(figsize=(1, 1), dpi=32, facecolor=(0, 0, 0, 0))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.add_patch(matplotlib.patches.Rectangle((0, 0), 1, 1, color="black"))
    ax.set_xlim(0, 2)  # black fills the left half; the right half is transparent
    ax.set_ylim(0, 1)
    try:
        arr = matplotlib_to_numpy(fig)
    finally:
        plt.close(fig)
    np.testing.assert_allclose(arr[:, :14], 0, atol=1e-6)
    np.testing.assert_allclose(arr[:, 18:], 1, atol=1e-6)


def test_not_a_figure():
    with pytest.raises(TypeError, match="pyplot or a matplotlib Figure"):
        matplotlib_to_numpy(np.zeros(3))
