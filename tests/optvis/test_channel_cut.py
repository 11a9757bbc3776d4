"""channel_cut: the render computes only the channels the objective reads of its last layer."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import channel_cut, graph_mode, objectives, param, render
from lucid_vgg.recipes.unit_batches import unit_per_image
from modelzoo import channel_subset
from modelzoo.util import walk

DEPTH = 12
MASK = np.zeros((1, 1, 1, DEPTH), np.float32)
MASK[..., [1, 6]] = 2.0

# expressions reading a [2, h, w, DEPTH] layer, each with the channels its value can depend on
# (None: all or unknown, so no cut)
READS = [
    (lambda t: tf.reduce_mean(t[..., 3]), {3}),
    (lambda t: tf.reduce_sum(t[:, :, :, 2:5]), {2, 3, 4}),
    (lambda t: tf.reduce_sum(t[..., ::5]), {0, 5, 10}),
    (lambda t: tf.reduce_sum(t[..., -1]), {DEPTH - 1}),
    (lambda t: tf.reduce_sum(t[0, ..., 7]), {7}),
    (lambda t: tf.reduce_sum(t[:, 1:2, 1:2][..., 4]), {4}),
    (lambda t: tf.reduce_sum(t[:, tf.shape(t)[1] // 2:][..., 9]), {9}),
    (lambda t: tf.reduce_sum(t * MASK), {1, 6}),
    (lambda t: tf.reduce_sum(t[..., 3]) + tf.reduce_sum(t[..., 8]), {3, 8}),
    (lambda t: tf.reduce_sum(t), None),
    (lambda t: tf.reduce_sum(t[..., 3]) + tf.reduce_mean(t), None),
    (lambda t: tf.reduce_sum(t[..., :]), None),
    (lambda t: tf.reduce_sum(t * tf.ones([DEPTH])), set(range(DEPTH))),  # read, all of them
    # one channel at an index known only when run (begin_mask set, which TF ignores here)
    (lambda t: tf.reduce_sum(tf.strided_slice(
        t, tf.stack([0, 0, 0, tf.shape(t)[0]]), [2, 1, 1, 4], begin_mask=0b1000,
        shrink_axis_mask=0b1000)), None),
]


@pytest.mark.parametrize("expr, expected", READS)
def test_read_channels_matches_the_gradient(expr, expected):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, None, None, DEPTH])
        t = tf.nn.relu(x)
        out = expr(t)
        grad = tf.gradients(out, t)[0]
        reached = walk([out.op], lambda op: [i.op for i in op.inputs])
        found = channel_cut.read_channels(t, DEPTH, reached, {x.op, t.op})
        with tf.compat.v1.Session() as sess:
            g = sess.run(grad, {x: np.random.default_rng(0).uniform(0.1, 1, (2, 5, 5, DEPTH))})
    used = set(np.flatnonzero(np.abs(g).sum(axis=(0, 1, 2))).tolist())
    assert found == expected
    if found is not None:  # the reference: the channels the value depends on
        assert used == found


@pytest.mark.parametrize("channels", [(1, 4), (2, 3), (0, 1), (4, 5), (0, 5)])
def test_widen_puts_channels_back_at_their_indices(channels):
    t = tf.constant(np.arange(2 * 3 * 3 * 2, dtype=np.float32).reshape(2, 3, 3, 2) + 1)
    wide = channel_subset.widen(t, channels, 6).numpy()
    assert wide.shape == (2, 3, 3, 6)
    np.testing.assert_array_equal(wide[..., channels[0]], t.numpy()[..., 0])
    np.testing.assert_array_equal(wide[..., channels[1]], t.numpy()[..., 1])
    assert not np.delete(wide, channels, axis=-1).any()


def _param():
    return param.image(32, batch=2)


def _weights_shape(vis, layer):
    node = next(n for n in vis.run_model.graph_def.node if n.name == f"{layer}/weights")
    return tuple(d.size for d in node.attr["value"].tensor.tensor_shape.dim)


def test_channel_objective_cuts_its_layer_and_renders_the_same(tiny_model):
    obj = objectives.channel("conv3_1/conv3_1", 5) - objectives.channel("conv3_1/conv3_1", 2)
    cut = render.make_vis_T(tiny_model, obj, _param, seed=0, relu_gradient_override=True)
    full = render.make_vis_T(tiny_model, obj, _param, seed=0, relu_gradient_override=True, prune=False)
    assert cut.run_model.channel_cuts == {"conv3_1/conv3_1": ((2, 5), 32)}
    assert _weights_shape(cut, "conv3_1") == (3, 3, 16, 2)
    assert _weights_shape(full, "conv3_1") == (3, 3, 16, 32)
    # same objective values and images through the redirect steps and after them
    losses = [(cut.step(), full.step()) for _ in range(24)]
    np.testing.assert_allclose([a for a, _ in losses], [b for _, b in losses], rtol=1e-5)
    np.testing.assert_allclose(cut.image(), full.image(), atol=1e-5)


@pytest.mark.parametrize("obj, cuts", [
    (objectives.neuron("conv3_1/conv3_1", 4), {"conv3_1/conv3_1": ((4,), 32)}),
    (lambda: unit_per_image("conv3_1/conv3_1", [7, 3]), {"conv3_1/conv3_1": ((3, 7), 32)}),
    # conv2_1 feeds conv3_1, which is read too: only conv3_1 is cut
    (objectives.channel("conv2_1/conv2_1", 1) + objectives.channel("conv3_1/conv3_1", 0),
     {"conv3_1/conv3_1": ((0,), 32)}),
    (objectives.direction("conv3_1/conv3_1", np.ones(32, np.float32)), {}),
    (objectives.channel("conv3_1/conv3_1", 0) + objectives.deepdream("conv3_1/conv3_1"), {}),
    # the layer's pre-activation or weights read directly: they must stay whole
    (objectives.channel("conv3_1/conv3_1", 0) + objectives.channel("conv3_1/BiasAdd", 3), {}),
    (objectives.channel("conv3_1/conv3_1", 0)
     + objectives.Objective(lambda T: tf.reduce_sum(T("conv3_1/weights")[..., 5])), {}),
])
def test_which_layers_are_cut(tiny_model, obj, cuts):
    obj = obj() if not isinstance(obj, objectives.Objective) else obj
    vis = render.make_vis_T(tiny_model, obj, _param, transforms=[])
    assert getattr(vis.run_model, "channel_cuts", {}) == cuts
    assert np.isfinite(vis.step())


def test_bfloat16_graph_is_cut_too(tiny_model):
    vis = render.make_vis_T(tiny_model, "conv3_1/conv3_1:3", _param, precision="bfloat16")
    assert vis.run_model.channel_cuts == {"conv3_1/conv3_1": ((3,), 32)}
    assert np.isfinite(vis.step())


def test_graph_mode_T_keeps_every_channel_even_pruned(tiny_model):
    """Lucid's graph-mode T(layer) is the user's to run: pruning there never cuts channels."""
    v1 = tf.compat.v1
    with tf.Graph().as_default(), v1.Session() as sess:
        T = graph_mode.make_vis_T(tiny_model, "conv3_1/conv3_1:3", lambda: param.image(32),
                                  transforms=[], seed=0, prune=True)
        v1.global_variables_initializer().run()
        acts = sess.run(T("conv3_1/conv3_1"))
        img = T("input").eval()
    want = tiny_model.get_activations(img, "conv3_1/conv3_1")
    assert acts.shape[-1] == 32
    np.testing.assert_allclose(acts, want, rtol=1e-4, atol=1e-4)


def test_print_objectives_channels_are_kept_too(tiny_model):
    """The channels the printed objectives read are computed as well, with their true values."""
    printed = objectives.channel("conv3_1/conv3_1", 9)
    vis = render.make_vis_T(tiny_model, "conv3_1/conv3_1:3", _param, transforms=[], seed=0,
                            print_objectives=[printed])
    assert vis.run_model.channel_cuts == {"conv3_1/conv3_1": ((3, 9), 32)}
    vis.step()
    img = vis.image()
    vis.step()  # the printed value is of the image before this step
    want = tiny_model.get_activations(img, "conv3_1/conv3_1")[..., 9].mean()
    np.testing.assert_allclose(float(np.sum(vis.printed[0])), want, rtol=1e-4)
