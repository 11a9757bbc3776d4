"""Build a frozen TF GraphDef with Lucid's Caffe-style node names from plain NumPy weights.

Every weights source (ONNX, Keras HDF5, the tests' random weights) ends here, so the graph layout
(`input` -> `convX_Y/convX_Y` ReLUs -> `poolN` -> `fc6/fc6` -> `fc7/fc7` -> `fc8/fc8` -> `prob`)
is defined exactly once.
"""
import numpy as np
import tensorflow as tf

from modelzoo.util import infuse_metadata

# VGG16's architecture as (kind, name) pairs; conv/fc entries are filled with weights.
VGG16_CONV_BLOCKS = ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))


def vgg16_conv_names():
    """The 13 conv layer names in order: conv1_1 ... conv5_3."""
    return [f"conv{b}_{i}" for b, n in VGG16_CONV_BLOCKS for i in range(1, n + 1)]


def vgg_spec(conv_weights, fc_weights=None, blocks=VGG16_CONV_BLOCKS):
    """Layer spec for a VGG-style net: conv blocks with pools, then optional fc6/fc7/fc8+prob.

    conv_weights: {"conv1_1": (kernel HWIO, bias), ...}; fc_weights: {"fc6": (W [in, out], b),
    "fc7": ..., "fc8": ...} or None for a conv-only graph.
    """
    spec = []
    for b, n in blocks:
        for i in range(1, n + 1):
            name = f"conv{b}_{i}"
            spec.append(("conv", name) + tuple(conv_weights[name]))
        spec.append(("pool", f"pool{b}"))
    if fc_weights:
        spec.append(("fc", "fc6") + tuple(fc_weights["fc6"]) + (True,))
        spec.append(("fc", "fc7") + tuple(fc_weights["fc7"]) + (True,))
        spec.append(("fc", "fc8") + tuple(fc_weights["fc8"]) + (False,))
        spec.append(("softmax", "prob"))
    return spec


def build_frozen_graph(spec, input_name="input", metadata=None):
    """Return a GraphDef for `spec` (see vgg_spec) whose input is a float32 NHWC placeholder.

    Conv layers are 3x3 SAME convolutions + bias + ReLU named `name/name`; pools are 2x2/2
    VALID max pools; the first fc layer flattens NHWC (Keras order). `metadata` (a dict) is
    infused (modelzoo.util.infuse_metadata) so a saved graph documents where its weights came from.
    """
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3], name=input_name)
        flat = False
        for entry in spec:
            kind, name = entry[0], entry[1]
            if kind == "conv":
                kernel, bias = (np.asarray(a, np.float32) for a in entry[2:4])
                with tf.name_scope(name):
                    k = tf.constant(kernel, name="weights")
                    b = tf.constant(bias, name="biases")
                    x = tf.nn.conv2d(x, k, strides=1, padding="SAME", name="Conv2D")
                    x = tf.nn.bias_add(x, b, name="BiasAdd")
                    x = tf.nn.relu(x, name=name)
            elif kind == "pool":
                x = tf.nn.max_pool2d(x, 2, 2, "VALID", name=name)
            elif kind == "fc":
                w, bias, relu = np.asarray(entry[2], np.float32), np.asarray(entry[3], np.float32), entry[4]
                with tf.name_scope(name):
                    if not flat:
                        x = tf.reshape(x, [-1, w.shape[0]], name="Reshape")
                        flat = True
                    x = tf.matmul(x, tf.constant(w, name="weights"), name="MatMul")
                    b = tf.constant(bias, name="biases")
                    x = tf.nn.bias_add(x, b, name="BiasAdd" if relu else name)
                    if relu:
                        x = tf.nn.relu(x, name=name)
            elif kind == "softmax":
                x = tf.nn.softmax(x, name=name)
            else:
                raise ValueError(f"unknown layer kind {kind!r} in graph spec")
    graph_def = graph.as_graph_def()
    if metadata is not None:
        infuse_metadata(graph_def, metadata)
    return graph_def
