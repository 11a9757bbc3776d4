"""Build a frozen TF GraphDef with Lucid's Caffe-style node names from plain NumPy weights.

Every weights source (ONNX, Keras HDF5, random test weights) ends here, so the graph layout
(`input` -> `convX_Y/convX_Y` ReLUs -> `poolN` -> `fc6/fc6` -> `fc7/fc7` -> `fc8/fc8` -> `prob`)
is defined exactly once.
"""
import json

import numpy as np
import tensorflow as tf

METADATA_NODE = "lucid_meta_json"

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
    stored as a string constant so a saved graph documents where its weights came from.
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
        if metadata is not None:
            tf.constant(json.dumps(metadata, sort_keys=True), name=METADATA_NODE)
    return graph.as_graph_def()


def read_metadata(graph_def):
    """The metadata dict stored by build_frozen_graph / Model.save, or None."""
    for node in graph_def.node:
        if node.name == METADATA_NODE:
            return json.loads(node.attr["value"].tensor.string_val[0].decode("utf-8"))
    return None


def random_vgg_weights(blocks, widths, fc_dims=None, seed=0, image_size=None):
    """He-initialised random weights for a small VGG-like net (tests, examples).

    widths: channels per block; fc_dims: (fc6, fc7, fc8) sizes or None; image_size is needed
    with fc_dims to know the flattened size after the pools.
    """
    rng = np.random.default_rng(seed)
    conv, cin = {}, 3
    for (b, n), cout in zip(blocks, widths):
        for i in range(1, n + 1):
            k = rng.standard_normal((3, 3, cin, cout)).astype(np.float32) * np.sqrt(2.0 / (9 * cin))
            conv[f"conv{b}_{i}"] = (k, rng.uniform(-0.1, 0.2, cout).astype(np.float32))
            cin = cout
    fc = None
    if fc_dims:
        side = image_size // 2 ** len(blocks)
        din, fc = side * side * cin, {}
        for name, dout in zip(("fc6", "fc7", "fc8"), fc_dims):
            w = rng.standard_normal((din, dout)).astype(np.float32) * np.sqrt(2.0 / din)
            fc[name] = (w, rng.uniform(-0.1, 0.1, dout).astype(np.float32))
            din = dout
    return conv, fc
