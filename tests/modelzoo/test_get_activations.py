"""modelzoo.get_activations (Lucid's n-d function) against Model.get_activations, its engine."""
import numpy as np
import pytest

from modelzoo.get_activations import get_activations, get_activations_iter

C21 = "conv2_1/conv2_1"


@pytest.fixture(scope="module")
def grid():
    return np.random.default_rng(1).uniform(0, 1, (2, 3, 16, 16, 3)).astype(np.float32)


def test_nd_array_gives_index_shape_plus_layer_shape(tiny_model, grid):
    flat = tiny_model.get_activations(grid.reshape(6, 16, 16, 3), C21)
    acts = get_activations(tiny_model, C21, grid, batch_size=4)
    assert acts.shape == (2, 3) + flat.shape[1:]
    np.testing.assert_allclose(acts.reshape(flat.shape), flat, rtol=1e-5, atol=1e-6)


def test_center_only_and_dtype(tiny_model, grid):
    full = get_activations(tiny_model, C21, grid)
    center = get_activations(tiny_model, C21, grid, center_only=True, dtype="float16")
    h, w = full.shape[2:4]
    assert center.shape == (2, 3, full.shape[-1]) and center.dtype == np.float16
    np.testing.assert_allclose(center, full[:, :, h // 2, w // 2].astype(np.float16), rtol=1e-3)


def test_nested_generators_without_ind_shape(tiny_model, grid):
    nested = ((img for img in row) for row in grid)  # lazily made, shape found at the end
    acts = get_activations(tiny_model, C21, nested, batch_size=5, center_only=True)
    np.testing.assert_allclose(acts, get_activations(tiny_model, C21, grid, center_only=True), rtol=1e-5)


@pytest.mark.parametrize("reducer", ["mean", "rms", "max"])
def test_reducers_combine_images_sharing_an_index(tiny_model, grid, reducer):
    imgs = grid.reshape(6, 16, 16, 3)
    single = tiny_model.get_activations(imgs, C21)[:, 2, 2]  # [6, 16]
    pairs = [((i % 2,), img) for i, img in enumerate(imgs)]  # index 0: images 0, 2, 4; 1: 1, 3, 5
    for ind_shape in (None, (2,)):
        acts = get_activations_iter(tiny_model, C21, iter(pairs), reducer=reducer, batch_size=4,
                                    ind_shape=ind_shape)[:, 2, 2]
        for k in (0, 1):
            group = single[k::2]
            want = {"mean": group.mean(0), "rms": np.sqrt((group ** 2).mean(0)), "max": group.max(0)}[reducer]
            np.testing.assert_allclose(acts[k], want, rtol=1e-5, atol=1e-6)


def test_model_method_takes_lucids_argument_order(tiny_model, grid):
    """Lucid's model.get_activations(layer, examples) reaches the n-d function."""
    lucid = tiny_model.get_activations(C21, grid, center_only=True)
    np.testing.assert_allclose(lucid, get_activations(tiny_model, C21, grid, center_only=True), rtol=1e-6)
    flat = grid.reshape(6, 16, 16, 3)
    np.testing.assert_allclose(tiny_model.get_activations(C21, flat), tiny_model.get_activations(flat, C21),
                               rtol=1e-6)


def test_bad_arguments(tiny_model, grid):
    with pytest.raises(ValueError, match="reducer must be one of 'mean', 'rms', 'max'; got 'median'"):
        get_activations_iter(tiny_model, C21, [], reducer="median")
    with pytest.raises(ValueError, match="at least one index dimension"):
        get_activations(tiny_model, C21, grid[0, 0])
    with pytest.raises(ValueError, match="got no examples"):
        get_activations(tiny_model, C21, [])
    with pytest.raises(ValueError, match="must be in \\[0, 1\\]"):
        get_activations(tiny_model, C21, grid * 255)
