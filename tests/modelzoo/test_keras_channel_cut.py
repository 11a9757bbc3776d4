"""A live Keras model computes only the channels an objective reads of its last Conv2D layer
(modelzoo.channel_subset, found by optvis.live_model's dry trace), with the same renders."""
import numpy as np
import pytest
import tensorflow as tf
import keras

from conftest import TINY_BLOCKS
from lucid_vgg.optvis import objectives, param, render
from modelzoo.channel_subset import conv_on_channels, why_not_cut
from modelzoo.keras_model import KerasModel
from modelzoo.vision_base import IMAGENET_MEAN_BGR
from modelzoo.weights.keras_vgg16 import keras_vgg

CAFFE_RANGE = (-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR)


@pytest.fixture(scope="module")
def tiny_keras(tiny_model):
    """The conftest TinyVGG as a live Keras model (block3_conv1: 16 -> 32 channels)."""
    return KerasModel(keras_vgg(tiny_model.weights[0], TINY_BLOCKS, name="tiny_vgg_cut"),
                      image_value_range=CAFFE_RANGE, is_BGR=True)


def _param():
    return param.image(32, batch=2)


def _conv_depths(vis):
    """Output depth of every Conv2D in the traced render step."""
    graph = vis._step.get_concrete_function().graph  # pylint: disable=protected-access
    return sorted(int(op.inputs[1].shape[-1]) for op in graph.get_operations() if op.type == "Conv2D")


def test_channel_objective_computes_two_channels_and_renders_the_same(tiny_keras):
    obj = objectives.channel("block3_conv1", 5) - objectives.channel("block3_conv1", 2)
    cut = render.make_vis_T(tiny_keras, obj, _param, seed=0, relu_gradient_override=True)
    full = render.make_vis_T(tiny_keras, obj, _param, seed=0, relu_gradient_override=True, prune=False)
    assert cut.run_model.computed_channels == {"block3_conv1": (2, 5)}
    assert _conv_depths(cut) == [2, 8, 8, 16, 16]
    assert 32 in _conv_depths(full)
    # the same objective values and images through the redirect steps and after them
    losses = [(cut.step(), full.step()) for _ in range(20)]
    np.testing.assert_allclose([a for a, _ in losses], [b for _, b in losses], rtol=1e-5)
    np.testing.assert_allclose(cut.image(), full.image(), atol=1e-5)
    assert cut.trace_count == 1


@pytest.mark.parametrize("obj, cuts", [
    # block2_conv1 feeds block3_conv1, which is also computed: only block3_conv1 is cut
    (objectives.channel("block2_conv1", 1) + objectives.channel("block3_conv1", 0),
     {"block3_conv1": (0,)}),
    (objectives.neuron("block2_conv2", 3) * 2.0, {"block2_conv2": (3,)}),
    # every channel read: no cut
    (objectives.channel("block3_conv1", 4) + objectives.direction("block3_conv1", np.ones(32)), {}),
    (objectives.channel("block3_conv1", 4) - 1e-3 * objectives.L1("block3_conv1"), {}),
    # a pooling layer is not a Conv2D: not cut
    (objectives.channel("block2_pool", 1), {}),
])
def test_what_is_cut_and_that_the_render_is_unchanged(tiny_keras, obj, cuts):
    cut = render.make_vis_T(tiny_keras, obj, _param, seed=1)
    full = render.make_vis_T(tiny_keras, obj, _param, seed=1, prune=False)
    assert cut.run_model.computed_channels == cuts
    for _ in range(3):
        np.testing.assert_allclose(cut.step(), full.step(), rtol=1e-5)
    np.testing.assert_allclose(cut.image(), full.image(), atol=1e-5)


@pytest.mark.parametrize("kwargs", [
    dict(activation="relu", padding="same"),
    dict(activation=None, padding="valid", strides=2),
    dict(activation="gelu", padding="same", dilation_rate=2, use_bias=False),
    dict(activation="tanh", padding="valid", strides=(1, 2)),
])
def test_conv_on_channels_equals_the_layer_sliced(kwargs):
    layer = keras.layers.Conv2D(6, 3, bias_initializer="random_normal", **kwargs)
    x = tf.random.stateless_normal([2, 9, 11, 4], seed=(1, 2))
    full = layer(x).numpy()
    for channels in ([4], [1, 3], [0, 1, 2]):
        np.testing.assert_allclose(conv_on_channels(layer, x, channels).numpy(),
                                   full[..., channels], rtol=1e-5, atol=1e-6)


def test_what_cannot_be_cut_says_why():
    inp = keras.Input((8, 8, 3))
    shared = keras.layers.Conv2D(4, 3, padding="same")
    keras.Model(inp, shared(shared(keras.layers.Conv2D(4, 1)(inp))))

    class MyConv(keras.layers.Conv2D):
        pass

    assert why_not_cut(keras.layers.Conv2D(4, 3, activation="softmax")) == "activation softmax"
    assert why_not_cut(keras.layers.Conv2D(4, 3, groups=2)) == "grouped convolution"
    assert why_not_cut(MyConv(4, 3)) == "MyConv is not keras.layers.Conv2D"
    assert why_not_cut(keras.layers.DepthwiseConv2D(3)) == "DepthwiseConv2D is not keras.layers.Conv2D"
    assert why_not_cut(shared) == "not called at exactly one place of a functional model"
    assert why_not_cut(keras.layers.Conv2D(4, 3, activation="gelu")(inp)._keras_history[0]) is None


def test_with_layers_refuses_channels_it_cannot_compute(tiny_keras):
    with pytest.raises(ValueError, match=r"channels must be in 0\.\.31"):
        tiny_keras.with_layers(["block3_conv1"], {"block3_conv1": [32]})
    with pytest.raises(ValueError, match=r"not among the layers \['block3_conv1'\]"):
        tiny_keras.with_layers(["block3_conv1"], {"block2_conv1": [0]})
    with pytest.raises(ValueError, match="MaxPooling2D is not keras.layers.Conv2D"):
        tiny_keras.with_layers(["block2_pool"], {"block2_pool": [0]})


def test_the_cut_reads_the_live_weights():
    inp = keras.Input((None, None, 3))
    layer = keras.layers.Conv2D(5, 3, activation="relu", name="conv")
    model = KerasModel(keras.Model(inp, layer(inp)), image_value_range=(0, 1))
    cut = model.with_layers(["conv"], {"conv": [1, 4]})

    @tf.function
    def act(x):
        return cut.import_graph(x)("conv")

    x = tf.random.stateless_uniform([1, 6, 6, 3], seed=(3, 4))
    for scale in (1.0, -2.0):  # the second call sees the edited kernel
        layer.kernel.assign(scale * tf.abs(layer.kernel))
        got, want = act(x).numpy(), layer(x).numpy()
        np.testing.assert_allclose(got[..., [1, 4]], want[..., [1, 4]], rtol=1e-5)
        assert not got[..., [0, 2, 3]].any()
    assert cut.graph_source != model.with_layers(["conv"]).graph_source
