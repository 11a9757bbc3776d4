"""A conv layer computed on only some of its output channels, and those channels put back at
their indices in a tensor of the layer's full depth (`widen`).

A render whose objective reads one channel of a layer need not compute the layer's other
channels (lucid_vgg's `optvis.channel_cut` finds which are read). For a frozen graph that is a
slice of the layer's constant weights; for a live Keras `Conv2D` it is `conv_on_channels`, which
applies the layer's own convolution, bias and activation with the kernel and bias gathered to
those channels, so training or editing the model's variables is still seen by the next call.
"""
import functools
from typing import Any, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

_ELEMENTWISE = ("linear", "relu", "relu6", "sigmoid", "tanh", "elu", "selu", "gelu", "silu",
                "softplus", "softsign", "leaky_relu", "hard_sigmoid", "hard_silu", "exponential",
                "mish")


@functools.lru_cache(maxsize=None)
def _elementwise_activations() -> Sequence[Any]:
    """Keras activation functions that act on each value alone (so on each channel alone)."""
    found = []
    for name in _ELEMENTWISE:
        try:
            found.append(keras.activations.get(name))
        except ValueError:  # not in this Keras version
            continue
    return tuple(found)


def widen(t: tf.Tensor, channels: Sequence[int], depth: int) -> tf.Tensor:
    """The cut layer's tensor [..., len(channels)] as [..., depth]: channel channels[i] is t's
    channel i, every other channel 0 (a pad for a run of channels, whose gradient is a slice;
    a gather otherwise)."""
    edges = [[0, 0]] * (t.shape.rank - 1)
    first, k = channels[0], len(channels)
    if list(channels) == list(range(first, first + k)):
        return tf.pad(t, edges + [[first, depth - first - k]])
    index = np.full(depth, k, np.int32)
    index[list(channels)] = np.arange(k, dtype=np.int32)
    return tf.gather(tf.pad(t, edges + [[0, 1]]), index, axis=-1)


def why_not_cut(layer: Any) -> Optional[str]:
    """None when `conv_on_channels` computes `layer` exactly on some channels: a plain Keras
    `Conv2D` (not a subclass), channels_last, one group, float32, no LoRA or quantisation, an
    activation that acts on each value alone, called at one place of a functional model; else
    why not."""
    if type(layer) is not keras.layers.Conv2D:  # pylint: disable=unidiomatic-typecheck
        return f"{type(layer).__name__} is not keras.layers.Conv2D"
    checks = [
        (layer.data_format == "channels_last", f"data_format {layer.data_format}"),
        (getattr(layer, "groups", 1) == 1, "grouped convolution"),
        (layer.compute_dtype == "float32" and layer.variable_dtype == "float32",
         f"dtype {layer.compute_dtype}"),
        (not getattr(layer, "lora_enabled", False), "LoRA"),
        (getattr(layer, "quantization_mode", None) is None, "quantised"),
        (any(layer.activation is f for f in _elementwise_activations()),
         f"activation {getattr(layer.activation, '__name__', layer.activation)}"),
        (len(getattr(layer, "_inbound_nodes", ())) == 1,
         "not called at exactly one place of a functional model"),
    ]
    return next((reason for ok, reason in checks if not ok), None)


def conv_on_channels(layer: Any, x: tf.Tensor, channels: Sequence[int]) -> tf.Tensor:
    """`layer(x)[..., channels]`, computed with only those channels of the kernel and bias
    (`layer` must pass `why_not_cut`)."""
    index = tf.constant(list(channels), tf.int32)
    out = layer.convolution_op(x, tf.gather(layer.kernel, index, axis=-1))
    if layer.use_bias:
        out = out + tf.gather(layer.bias, index)
    return layer.activation(out)
