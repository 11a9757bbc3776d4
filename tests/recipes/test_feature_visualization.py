"""recipes.feature_visualization: Lucid's return shapes, per-step objective values that rise,
signs, alpha, and the decorrelation matrix (identity = the plain units)."""
import numpy as np
import pytest

from lucid_vgg.recipes import feature_visualization as fv

L21 = "conv2_1/conv2_1"
FAST = dict(size=32, use_fixed_seed=0)


def test_channel_single_returns_image_and_rising_losses(tiny_model):
    image, losses = fv.channel(tiny_model, L21, 3, n_steps=24, **FAST)
    assert image.shape == (1, 32, 32, 3) and losses.shape == (1, 24)
    assert np.all(np.isfinite(image)) and image.min() >= 0 and image.max() <= 1
    assert losses[0, -4:].mean() > 5 * max(losses[0, :2].mean(), 1e-3)
    # the last value is the channel's mean on (a transformed view of) the final image: same scale
    plain = tiny_model.get_activations(image, L21)[..., 3].mean()
    assert 0.3 * losses[0, -1] < plain < 3 * losses[0, -1]


def test_neuron_batch_returns_one_pair_per_index(tiny_model):
    out = fv.neuron(tiny_model, tiny_model.get_layer(L21), [1, 2, 3], n_steps=3, **FAST)
    assert len(out) == 3
    for image, losses in out:
        assert image.shape == (32, 32, 3) and losses.shape == (3,)


def test_negative_minimises_and_alpha_adds_a_channel(tiny_model):
    out = fv.channel(tiny_model, L21, [0, 5], n_steps=3, negative=True, alpha=True, **FAST)
    for image, losses in out:
        assert image.shape == (32, 32, 4)
        assert np.all(losses <= 0)  # -mean of a post-ReLU channel


def test_identity_decorrelation_matrix_gives_the_plain_units(tiny_model):
    plain = fv.channel(tiny_model, L21, [1, 2], n_steps=4, **FAST)
    same = fv.channel(tiny_model, L21, [1, 2], n_steps=4, decorrelation_matrix=np.eye(16), **FAST)
    for (i1, l1), (i2, l2) in zip(plain, same):
        np.testing.assert_allclose(l1, l2, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(i1, i2, atol=1e-4)
    with pytest.raises(ValueError, match=r"square \[depth, depth\] = \[16, 16\]"):
        fv.neuron(tiny_model, L21, 1, n_steps=1, decorrelation_matrix=np.eye(8), **FAST)


def test_bad_arguments(tiny_model):
    with pytest.raises(ValueError, match="out of range"):
        fv.channel(tiny_model, L21, 16, n_steps=1, **FAST)
    with pytest.raises(ValueError, match="Layer object or a str"):
        fv.channel(tiny_model, 3, 1, n_steps=1, **FAST)
    with pytest.raises(ValueError, match="n_steps must be a non-negative integer"):
        fv.channel(tiny_model, L21, 1, n_steps=-2, **FAST)
    with pytest.raises(ValueError, match="channel_indices is empty"):
        fv.channel(tiny_model, L21, [], n_steps=1, **FAST)
