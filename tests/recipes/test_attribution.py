"""recipes.attribution: activation x gradient between layers, checked against a NumPy forward pass
of the tiny VGG (finite differences, scores, path completeness), the class logits of a tiny
graph with a dense head, the spatial-to-spatial maps, semantic dictionaries, and one real VGG16
attribution."""
import numpy as np
import pytest

from conftest import TinyVGGFC
from lucid_vgg.optvis import overrides
from lucid_vgg.recipes import attribution as attr

C21, C31 = "conv2_1/conv2_1", "conv3_1/conv3_1"


# -- a NumPy reference of the tiny net above conv2_1 (float64) -------------------------------------
def _conv(x, kernel, bias):
    """3x3 SAME convolution + bias + ReLU of one image [h, w, c]."""
    h, w = x.shape[:2]
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    out = sum(np.einsum("hwc,cd->hwd", padded[i:i + h, j:j + w], kernel[i, j].astype(np.float64))
              for i in range(3) for j in range(3))
    return np.maximum(out + bias, 0.0)


def _pool(x):
    h, w, c = x.shape
    return x[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c).max((1, 3))


def _above_conv2_1(model, acts):
    """{conv3_1, fc8} computed in NumPy from conv2_1's activations [h, w, 16]."""
    conv, fc = model.weights
    x = _conv(_pool(_conv(acts, *conv["conv2_2"])), *conv["conv3_1"])
    out = {C31: x}
    if fc:
        v = _pool(x).reshape(-1)
        v = np.maximum(v @ fc["fc6"][0] + fc["fc6"][1], 0)
        v = np.maximum(v @ fc["fc7"][0] + fc["fc7"][1], 0)
        out["fc8/fc8"] = v @ fc["fc8"][0] + fc["fc8"][1]
    return out


def _score(model, acts, target, unit=None, position=None):
    out = _above_conv2_1(model, acts.astype(np.float64))[target]
    if unit is None:
        per = np.sqrt((out ** 2).sum(-1))
    else:
        per = out[..., unit]
    if position is not None:
        return per[position]
    return per.sum()


def _finite_difference(model, acts, target, index, eps=1e-3, **kw):
    plus, minus = acts.astype(np.float64), acts.astype(np.float64)
    plus[index] += eps
    minus[index] -= eps
    return (_score(model, plus, target, **kw) - _score(model, minus, target, **kw)) / (2 * eps)


@pytest.fixture(scope="module")
def photo():
    return np.random.default_rng(1).uniform(0, 1, (32, 32, 3)).astype(np.float32)


def _check_gradient(model, result, target, n_checks=12, **kw):
    rng = np.random.default_rng(0)
    active = np.argwhere(result.acts > 0.05)  # away from the layer's own ReLU kink
    for index in map(tuple, active[rng.choice(len(active), n_checks, replace=False)]):
        expected = _finite_difference(model, result.acts, target, index, **kw)
        assert result.grads[index] == pytest.approx(expected, rel=2e-2, abs=2e-4), index


def test_reference_reproduces_the_graph(tiny_model_fc, photo):
    acts = tiny_model_fc.get_activations(photo[None], [C21, C31, "fc8/fc8"])
    ref = _above_conv2_1(tiny_model_fc, acts[C21][0].astype(np.float64))
    np.testing.assert_allclose(ref[C31], acts[C31][0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ref["fc8/fc8"], acts["fc8/fc8"][0], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("unit, position", [(5, None), (5, (3, 2)), (None, None), (None, (1, 6))])
def test_conv_to_conv_gradient_and_score_match_numpy(tiny_model, photo, unit, position):
    result = attr.attribute(tiny_model, photo, C21, C31, unit, position=position)
    assert result.acts.shape == result.grads.shape == (16, 16, 16)
    assert result.score == pytest.approx(_score(tiny_model, result.acts, C31, unit, position),
                                         rel=1e-4)
    _check_gradient(tiny_model, result, C31, unit=unit, position=position)


def test_channel_and_spatial_attribution_are_sums_of_activation_times_gradient(tiny_model, photo):
    result = attr.attribute(tiny_model, photo, C21, C31, 7)
    product = result.acts * result.grads
    np.testing.assert_allclose(result.channels, product.sum((0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.spatial, product.sum(-1), rtol=1e-5, atol=1e-6)
    pos, neg = result.top_channels(3)
    assert list(pos) == list(np.argsort(-product.sum((0, 1)))[:3])
    assert list(neg) == list(np.argsort(product.sum((0, 1)))[:3])


def test_class_logit_attribution_on_a_dense_head(tiny_model_fc, photo):
    result = attr.attribute(tiny_model_fc, photo, C21, "fc8/fc8", 4)
    assert result.score == pytest.approx(_score(tiny_model_fc, result.acts, "fc8/fc8", 4), rel=1e-4)
    _check_gradient(tiny_model_fc, result, "fc8/fc8", unit=4)
    diff = attr.attribute(tiny_model_fc, photo, C21, "fc8/fc8", 4, minus=2)
    other = attr.attribute(tiny_model_fc, photo, C21, "fc8/fc8", 2)
    np.testing.assert_allclose(diff.grads, result.grads - other.grads, rtol=1e-4, atol=1e-6)
    assert attr.logits_layer(tiny_model_fc) == "fc8/fc8"


def test_path_integrated_attribution_adds_up_to_the_change_of_the_score(tiny_model_fc, photo):
    """Completeness: summed over positions and channels, the path-integrated attribution is the
    score at the activations minus the score at zero (the linear one is not)."""
    result = attr.attribute(tiny_model_fc, photo, C21, "fc8/fc8", 4, n_steps=256, batch_size=64)
    change = (_score(tiny_model_fc, result.acts, "fc8/fc8", 4)
              - _score(tiny_model_fc, np.zeros_like(result.acts), "fc8/fc8", 4))
    assert result.attr.sum() == pytest.approx(change, rel=2e-2, abs=1e-3)


def test_class_labels_name_units(tiny_model_fc, photo, tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"class {i}" for i in range(10)))
    model = type("LabelledTiny", (TinyVGGFC,), {"labels_path": str(labels)})()
    by_name = attr.attribute(model, photo, C21, "fc8/fc8", "class 4", minus="class 2")
    by_index = attr.attribute(tiny_model_fc, photo, C21, "fc8/fc8", 4, minus=2)
    np.testing.assert_allclose(by_name.grads, by_index.grads, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="class 4"):
        attr.attribute(model, photo, C21, "fc8/fc8", "class 44")


def test_direction_scores_a_channel_group(tiny_model, photo):
    direction = np.random.default_rng(2).uniform(0, 1, 32).astype(np.float32)
    result = attr.attribute(tiny_model, photo, C21, C31, direction)
    parts = [attr.attribute(tiny_model, photo, C21, C31, c).grads for c in range(32)]
    np.testing.assert_allclose(result.grads, np.tensordot(direction, parts, 1), rtol=1e-3, atol=1e-5)


def test_spatial_to_spatial_maps_are_per_position_spatial_attributions(tiny_model, photo):
    grid = attr.spatial_spatial_attribution(tiny_model, photo, C21, C31, batch_size=24)
    assert grid.shape == (8, 8, 16, 16)
    for y, x in [(0, 0), (3, 5), (7, 2)]:
        single = attr.attribute(tiny_model, photo, C21, C31, position=(y, x)).spatial
        np.testing.assert_allclose(grid[y, x], single, rtol=1e-4, atol=1e-6)
    listed = attr.spatial_spatial_attribution(tiny_model, photo, C21, C31, 3, positions=[(3, 5)])
    np.testing.assert_allclose(listed[0], attr.attribute(tiny_model, photo, C21, C31, 3,
                                                         position=(3, 5)).spatial, rtol=1e-4,
                               atol=1e-6)
    # a position of conv3_1 reads a 10 x 10 window of conv2_1 (two 3x3 convs and a 2x2 pool)
    far = np.abs(grid[0, 0])[10:, :].sum() + np.abs(grid[0, 0])[:, 10:].sum()
    assert far == 0 and np.abs(grid[0, 0]).sum() > 0


def test_smoothed_maxpool_override_changes_the_gradient(tiny_model, photo):
    plain = attr.attribute(tiny_model, photo, C21, C31)
    smooth = attr.attribute(tiny_model, photo, C21, C31,
                            override={"MaxPool": overrides.avg_smoothed_maxpool_grad})
    assert smooth.score == pytest.approx(plain.score, rel=1e-6) and plain.score > 0  # same forward
    # the max-pool passes gradient to one input of 4 per window, the smoothed one to all 4
    assert np.abs(smooth.grads - plain.grads).max() > 0.1 * np.abs(plain.grads).max()
    again = attr.attribute(tiny_model, photo, C21, C31)  # the override stays with its own function
    np.testing.assert_array_equal(again.grads, plain.grads)


def test_semantic_dictionary_lists_the_strongest_channels(tiny_model, photo):
    acts = tiny_model.get_activations(photo[None], C21)[0]
    d = attr.semantic_dictionary(tiny_model, photo, C21, n_top=3)
    assert d.channels.shape == d.values.shape == (16, 16, 3)
    np.testing.assert_array_equal(d.values[..., 0], acts.max(-1))
    np.testing.assert_array_equal(d.channels[5, 7], np.argsort(-acts[5, 7], kind="stable")[:3])
    assert (np.diff(d.values, axis=-1) <= 0).all()
    (y, x), *others = d.strongest_positions(3, min_distance=2)
    assert d.values[y, x, 0] == acts.max() and len(others) == 2
    assert all(max(abs(y - oy), abs(x - ox)) >= 2 for oy, ox in others)


def test_channel_icons_render_one_image_per_channel(tiny_model):
    icons = attr.channel_icons(tiny_model, C21, [3, 9], size=16, steps=2)
    assert icons.shape == (2, 16, 16, 3) and 0 <= icons.min() and icons.max() <= 1


@pytest.mark.weights
@pytest.mark.slow
def test_vgg16_conv4_3_to_conv5_3_attribution():
    """Real VGG16 on Chelsea: the score is conv5_3's summed magnitude, and conv4_3 adds to it
    overall (a positive total attribution)."""
    import skimage.data
    import skimage.transform

    from modelzoo.vision_models import VGG16_caffe

    model = VGG16_caffe()
    img = skimage.transform.resize(skimage.data.chelsea()[:, 75:375], (128, 128)).astype(np.float32)
    result = attr.attribute(model, img, "conv4_3/conv4_3", "conv5_3/conv5_3")
    assert result.acts.shape == (16, 16, 512) and result.score > 0
    top = model.get_activations(img[None], "conv5_3/conv5_3")[0]
    assert result.score == pytest.approx(np.sqrt((top ** 2).sum(-1)).sum(), rel=1e-3)
    assert result.spatial.sum() > 0 and result.channels.sum() == pytest.approx(result.attr.sum(),
                                                                               rel=1e-3)
    assert attr.logits_layer(model) in (None, "fc8/fc8")


def test_one_trace_serves_every_score_and_batch(tiny_model, photo):
    """Units, directions, the magnitude, positions and path lengths reuse one traced function."""
    attr.attribute(tiny_model, photo, C21, C31, 1)
    attr.attribute(tiny_model, photo, C21, C31, n_steps=3)
    attr.attribute(tiny_model, photo, C21, C31, np.ones(32), position=(2, 2))
    attr.spatial_spatial_attribution(tiny_model, photo, C21, C31, positions=[(0, 0), (1, 1)])
    fn = attr._gradient_fn(tiny_model, C21, C31, 4, attr._Frozen(None))
    assert fn.experimental_get_tracing_count() == 1


def test_pictures_bars_overlay_and_marker():
    picture = attr.bars([3.0, -1.0, 0.0, 1.5], height=10, bar_width=2)
    assert picture.shape == (20, 8, 3)
    blue, red = np.array([0.2, 0.4, 0.9], np.float32), np.array([0.9, 0.25, 0.2], np.float32)
    assert np.allclose(picture[1, 0:2], blue) and np.allclose(picture[0, 0:2], np.ones(3))
    assert np.allclose(picture[7, 2:4], blue) and np.allclose(picture[9, :], 0.5)  # middle line
    assert np.allclose(picture[19, 6:8], np.ones(3)) and np.allclose(picture[12, 6:8], red)
    photo = np.full((16, 16, 3), 0.5, np.float32)
    amap = np.zeros((4, 4), np.float32)
    amap[0, 0], amap[3, 3] = 1.0, -1.0
    shown = attr.overlay(photo, amap, scale=1.0)
    assert shown.shape == (16, 16, 3) and 0 <= shown.min() and shown.max() <= 1
    assert shown[0, 0, 2] > 0.9 > shown[0, 0, 0] and shown[15, 15, 0] > 0.9 > shown[15, 15, 2]
    assert np.allclose(shown[8, 2], shown[2, 8])  # zero attribution: only the faded photo
    marked = attr.mark_position(photo, (1, 2), (4, 4), color=(1.0, 0.0, 0.0), min_size=4)
    assert (marked[4, 8:12] == [1.0, 0.0, 0.0]).all() and (marked[6, 10] == 0.5).all()
