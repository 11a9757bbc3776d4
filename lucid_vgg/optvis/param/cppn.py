"""Compositional Pattern Producing Network (xy -> rgb) as an image parameterisation.

A stack of 1x1 convolutions over the pixel coordinates; the variables are the network
weights, so the image is smooth and resolution independent.
"""
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis.param import _checks
from lucid_vgg.optvis.param.variables import make_variable, rng


def _composite_activation(x: tf.Tensor, biased: bool = True) -> tf.Tensor:
    """atan(x) and atan(x)^2, each normalised to unit RMS (biased) or unit variance; doubles channels."""
    x = tf.atan(x)
    coeffs, means = ((.67, .6), (.0, .0)) if biased else ((.67, .396), (.0, .45))
    return tf.concat([(x - means[0]) / coeffs[0], (x * x - means[1]) / coeffs[1]], -1)


def _relu_normalized_activation(x: tf.Tensor) -> tf.Tensor:
    """ReLU shifted and scaled to zero mean, unit variance for standard normal input."""
    return (tf.nn.relu(x) - 0.40) / 0.58


def _truncated_normal(gen: np.random.Generator, shape: tuple[int, ...],
                      stddev: float) -> np.ndarray:
    """Normal samples redrawn until within two standard deviations (TF's truncated normal)."""
    out = gen.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (out * stddev).astype(np.float32)


def _conv1x1(net: tf.Tensor, n_out: int, zero_weights: bool = False) -> tf.Tensor:
    """A 1x1 convolution with TF1 variance-scaling (fan-in, truncated normal) weights and N(0, 0.1) biases."""
    n_in = int(net.shape[-1])
    gen = rng()
    if zero_weights:
        kernel = np.zeros((n_in, n_out), np.float32)
    else:
        kernel = _truncated_normal(gen, (n_in, n_out), np.sqrt(1.0 / n_in) / 0.87962566103423978)
    bias = (0.1 * gen.standard_normal(n_out)).astype(np.float32)
    k = make_variable(kernel, name="cppn_kernel")
    b = make_variable(bias, name="cppn_bias")
    return tf.einsum("bhwi,io->bhwo", net, k) + b


def _instance_norm(x: tf.Tensor, eps: float = 1e-6) -> tf.Tensor:
    """slim.instance_norm defaults: per-example, per-channel spatial normalisation plus a learned offset."""
    mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True)
    beta = make_variable(np.zeros(int(x.shape[-1]), np.float32), name="cppn_instance_norm_beta")
    return (x - mean) * tf.math.rsqrt(var + eps) + beta


def cppn(width: int, batch: int = 1, num_output_channels: int = 3, num_hidden_channels: int = 24,
         num_layers: int = 8,
         activation_func: Callable[[tf.Tensor], tf.Tensor] = _composite_activation,
         normalize: bool = False) -> tf.Tensor:
    """A [batch, width, width, num_output_channels] image in [0, 1] from a CPPN over xy coordinates.

    All batch entries share the same weights (and so are identical), as in Lucid.
    """
    width = _checks.positive_int(width, "width")
    batch = _checks.positive_int(batch, "batch")
    num_output_channels = _checks.positive_int(num_output_channels, "num_output_channels")
    num_hidden_channels = _checks.positive_int(num_hidden_channels, "num_hidden_channels")
    num_layers = _checks.nonnegative_int(num_layers, "num_layers")
    r = 3.0 ** 0.5  # coordinates with unit standard deviation
    coords = tf.linspace(-r, r, width)
    y, x = tf.meshgrid(coords, coords, indexing="ij")
    net = tf.tile(tf.stack([x, y], -1)[None], [batch, 1, 1, 1])
    for _ in range(num_layers):
        h = _conv1x1(net, num_hidden_channels)
        if normalize:
            h = _instance_norm(h)
        net = activation_func(h)
    return tf.nn.sigmoid(_conv1x1(net, num_output_channels, zero_weights=True))


class _CallableModule(types.ModuleType):
    """Lets ``param.cppn`` be both this module (Lucid's ``param.cppn`` module) and the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> tf.Tensor:
        return cppn(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
