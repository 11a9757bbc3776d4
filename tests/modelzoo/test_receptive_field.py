"""modelzoo.receptive_field: VGG16's receptive fields from its graph (an architecture twin with
tiny random weights, and the real VGG16_caffe), hand-built graphs against the support of the input
gradient (an independent oracle), and clear errors for graphs that are not chains."""
import numpy as np
import pytest
import tensorflow as tf

from modelzoo.receptive_field import ReceptiveFieldError, receptive_field
from modelzoo.weights.graph_builder import VGG16_CONV_BLOCKS, build_frozen_graph, vgg_spec

from helpers import random_vgg_weights

#: VGG16's receptive fields (px), by hand: each 3x3 conv adds 2 * stride, each 2x2/2 pool adds
#: 1 * stride and doubles the stride (Simonyan & Zisserman's network; pool5 is the last).
VGG16_FIELDS = {
    "conv1_1/conv1_1": 3, "conv1_2/conv1_2": 5, "pool1": 6,
    "conv2_1/conv2_1": 10, "conv2_2/conv2_2": 14, "pool2": 16,
    "conv3_1/conv3_1": 24, "conv3_2/conv3_2": 32, "conv3_3/conv3_3": 40, "pool3": 44,
    "conv4_1/conv4_1": 60, "conv4_2/conv4_2": 76, "conv4_3/conv4_3": 92, "pool4": 100,
    "conv5_1/conv5_1": 132, "conv5_2/conv5_2": 164, "conv5_3/conv5_3": 196, "pool5": 212,
}
VGG16_STRIDES = {"conv1_1/conv1_1": 1, "conv2_1/conv2_1": 2, "conv3_1/conv3_1": 4,
                 "conv4_1/conv4_1": 8, "conv5_1/conv5_1": 16, "pool5": 32}


@pytest.fixture(scope="module")
def vgg16_twin():
    """VGG16's conv/pool architecture with 2 channels per layer: same receptive fields, tiny."""
    conv, _ = random_vgg_weights(VGG16_CONV_BLOCKS, (2, 2, 2, 2, 2))
    return build_frozen_graph(vgg_spec(conv, blocks=VGG16_CONV_BLOCKS))


def test_vgg16_architecture_fields_and_strides(vgg16_twin):
    assert {n: receptive_field(vgg16_twin, n).size for n in VGG16_FIELDS} == VGG16_FIELDS
    assert {n: receptive_field(vgg16_twin, n).stride for n in VGG16_STRIDES} == VGG16_STRIDES
    assert receptive_field(vgg16_twin, "conv5_1/conv5_1:0").size == 132  # ':N' names the node


def test_receptive_field_leaves_the_graph_unchanged(vgg16_twin):
    """Reading a missing attribute of a protobuf map inserts it: that once corrupted the graph."""
    before = vgg16_twin.SerializeToString(deterministic=True)
    receptive_field(vgg16_twin, "pool5")
    assert vgg16_twin.SerializeToString(deterministic=True) == before


@pytest.mark.weights
def test_real_vgg16_caffe_fields():
    import modelzoo.vision_models as models
    graph_def = models.VGG16_caffe().graph_def
    assert {n: receptive_field(graph_def, n).size for n in VGG16_FIELDS if n != "pool5"} == \
        {n: v for n, v in VGG16_FIELDS.items() if n != "pool5"}


def _graph(build):
    """A frozen GraphDef from `build(x) -> output` on a [1, None, None, 2] placeholder `input`."""
    rng = np.random.default_rng(0)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, None, None, 2], name="input")

        def kernel(k, cin=2, cout=2):
            return tf.constant(rng.uniform(0.5, 1.5, (k, k, cin, cout)).astype(np.float32))
        build(x, kernel)
    return graph.as_graph_def()


def _strided_net(x, kernel):
    a = tf.nn.conv2d(x, kernel(5), 2, "VALID", name="a")                      # 5, stride 2
    b = tf.nn.avg_pool2d(tf.nn.relu(a), 3, 1, "SAME", name="b")             # +2*2 = 9
    c = tf.nn.conv2d(b, kernel(3), 1, "SAME", dilations=2, name="c")        # span 5: +4*2 = 17
    d = tf.nn.depthwise_conv2d(c, kernel(3, cout=1), [1, 2, 2, 1], "SAME", name="d")  # +2*2 = 21
    tf.nn.avg_pool2d(d + 1.0, 2, 2, "VALID", name="e")                      # +1*4 = 25


STRIDED = {"a": (5, 2), "b": (9, 2), "c": (17, 2), "d": (21, 4), "e": (25, 8)}


def _gradient_support(graph_def, name, side=64):
    """The extent (rows, cols) of input pixels with a nonzero gradient of the centre unit of
    `name`: the receptive field measured, not computed."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, side, side, 2])
        tf.graph_util.import_graph_def(graph_def, {"input": x}, name="m")
        out = graph.get_tensor_by_name(f"m/{name}:0")
        h, w = tf.shape(out)[1] // 2, tf.shape(out)[2] // 2
        grad = tf.gradients(tf.reduce_sum(out[0, h, w]), x)[0]
        with tf.compat.v1.Session(graph=graph) as sess:
            g = sess.run(grad, {x: np.ones([1, side, side, 2], np.float32)})
    ys, xs = np.nonzero(np.abs(g[0]).sum(-1))
    return ys.max() - ys.min() + 1, xs.max() - xs.min() + 1


@pytest.mark.parametrize("name", sorted(STRIDED))
def test_strided_dilated_depthwise_net_matches_the_gradient_support(name):
    graph_def = _graph(_strided_net)
    rf = receptive_field(graph_def, name)
    assert (rf.size, rf.stride) == STRIDED[name]
    assert _gradient_support(graph_def, name) == (rf.size, rf.size)


def test_nchw_attributes_are_read_on_their_axes():
    """data_format NCHW keeps ksize/strides as [1, 1, k, k]: the same pool, read right."""
    graph_def = _graph(lambda x, kernel: tf.nn.max_pool2d(x, 3, 2, "VALID", name="p"))
    (pool,) = [n for n in graph_def.node if n.name == "p"]
    pool.attr["data_format"].s = b"NCHW"
    pool.attr["ksize"].list.i[:] = [1, 1, 3, 3]
    pool.attr["strides"].list.i[:] = [1, 1, 2, 2]
    rf = receptive_field(graph_def, "p")
    assert (rf.size, rf.stride) == (3, 2)


def _branching(x, kernel):
    left = tf.nn.conv2d(x, kernel(3), 1, "SAME", name="left")
    right = tf.nn.conv2d(x, kernel(5), 1, "SAME", name="right")
    tf.concat([left, right], -1, name="joined")


def test_a_branching_graph_is_refused_naming_the_join():
    graph_def = _graph(_branching)
    with pytest.raises(ReceptiveFieldError, match=r"not a chain at 'joined' \(ConcatV2 joins"):
        receptive_field(graph_def, "joined")
    assert receptive_field(graph_def, "right").size == 5  # each branch alone is a chain


def test_an_op_that_moves_pixels_is_refused():
    graph_def = _graph(lambda x, kernel: tf.identity(
        tf.image.resize(tf.nn.conv2d(x, kernel(3), 1, "SAME"), [8, 8]), name="resized"))
    with pytest.raises(ValueError, match="depends on a ResizeBilinear op"):
        receptive_field(graph_def, "resized")


def test_unknown_node_and_a_node_not_fed_by_the_input():
    graph_def = _graph(lambda x, kernel: tf.identity(kernel(3), name="weights"))
    with pytest.raises(ReceptiveFieldError, match="no node 'nope'"):
        receptive_field(graph_def, "nope")
    with pytest.raises(ReceptiveFieldError, match="not computed from the model's input"):
        receptive_field(graph_def, "weights")
