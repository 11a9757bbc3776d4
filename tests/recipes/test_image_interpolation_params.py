"""recipes.image_interpolation_params: the documented symmetries of multi_interpolation_basis
hold exactly, and it works as a render's parameterisation (variables made once, trained)."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import objectives, render
from lucid_vgg.optvis.param.color import to_valid_rgb
from lucid_vgg.recipes.image_interpolation_params import multi_interpolation_basis

N, M, W = 3, 4, 16


def _check_symmetries(t):
    for a in range(N):
        for b in range(N):
            np.testing.assert_allclose(t[a, b], t[b, a, ::-1], atol=1e-6)   # the pair backwards
            np.testing.assert_allclose(t[a, b, 0], t[a, 0, 0], atol=1e-6)   # starts at a's image
            np.testing.assert_allclose(t[a, b, -1], t[b, b, 0], atol=1e-6)  # ends at b's image
        for i in range(M):
            np.testing.assert_allclose(t[a, a, i], t[a, a, 0], atol=1e-6)   # a to a: constant


def test_shape_and_symmetries():
    t = multi_interpolation_basis(N, M, W, channels=3).numpy()
    assert t.shape == (N, N, M, W, W, 3) and t.std() > 0
    _check_symmetries(t)
    # the interior frames of a pair are free: they differ from the straight blend of its ends
    s = 1 / 3
    blend = (1 - s) * t[0, 1, 0] + s * t[0, 1, -1]
    assert np.abs(t[0, 1, 1] - blend).max() > 1e-3


def test_as_a_render_parameterisation(tiny_model):
    def param_f():
        basis = multi_interpolation_basis(N, M, W)
        return to_valid_rgb(tf.reshape(basis, [N * N * M, W, W, 3]), decorrelate=True)

    vis = render.make_vis_T(tiny_model, objectives.channel("conv2_1/conv2_1", 1), param_f,
                            transforms=[], seed=0)
    n_vars = len(vis.variables)
    assert n_vars == 4 + 4 * N + 2 * 3  # lowres tensors: shared (4 scales), own (N x 4), pairs (3 x 2)
    before = vis.image()
    for _ in range(3):
        vis.step()
    after = vis.image()
    assert len(vis.variables) == n_vars and vis.trace_count == 1
    assert after.shape == (N * N * M, W, W, 3) and 0 <= after.min() and after.max() <= 1
    assert np.abs(after - before).max() > 1e-3  # trained
    _check_symmetries(after.reshape(N, N, M, W, W, 3))  # colour mapping is per pixel


@pytest.mark.parametrize("kwargs, words", [
    (dict(n_interp_steps=1), "at least 2"),
    (dict(n_objectives=0), "n_objectives"),
    (dict(width=12.5), "width"),
])
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        multi_interpolation_basis(**kwargs)
