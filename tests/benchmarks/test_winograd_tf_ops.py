"""benchmarks/winograd_tf_ops.py: its Winograd F(2x2,3x3) convolution is the 3x3 convolution."""
import numpy as np
import pytest
import tensorflow as tf

from benchmark_scripts import benchmark_module


@pytest.mark.parametrize("shape", [(1, 6, 6, 3, 4), (2, 7, 5, 8, 5), (1, 1, 2, 2, 2)])
def test_winograd_matches_conv2d(shape):
    wino = benchmark_module("winograd_tf_ops")
    n, h, w, c, k = shape
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, h, w, c)).astype(np.float32)
    weights = rng.normal(size=(3, 3, c, k)).astype(np.float32)
    ours = wino.winograd_conv(tf.constant(x), wino.winograd_weights(weights)).numpy()
    ref = tf.nn.conv2d(x, weights, 1, "SAME").numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)
