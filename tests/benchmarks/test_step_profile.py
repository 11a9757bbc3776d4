"""benchmarks/step_profile.py: reading TensorFlow's profiler trace into time per kind of work,
on a real trace of a small conv step (no timings asserted)."""
import numpy as np
import pytest
import tensorflow as tf

from benchmark_scripts import benchmark_module


@pytest.fixture(scope="module")
def prof():
    return benchmark_module("step_profile")


@pytest.mark.parametrize("label, kind", [
    ("gradients/import/conv1_2/Conv2D_grad/Conv2DBackpropInput:_MklNativeConv2DBackpropInput",
     "conv input gradient"),
    ("import/conv1_2/BiasAdd:_MklNativeFusedConv2D", "conv forward (+bias+ReLU)"),
    ("gradients/import/pool1_grad/MaxPoolGrad:MaxPoolGrad", "max-pool gradient"),
    ("import/pool1:MaxPool", "max-pool"),
    ("ImageProjectiveTransformV3:ImageProjectiveTransformV3", "rotation / scale (resampling)"),
    ("IRFFT2D:IRFFT2D", "FFT parameterisation"),
    ("adam/ResourceApplyAdam:ResourceApplyAdam", "Adam update"),
    ("mul_8:Mul", "other"),
])
def test_kind_of_a_kernel_label(prof, label, kind):
    assert prof.kind_of(label) == kind


def test_a_real_trace_is_read_into_conv_forward_and_input_gradient(prof):
    x = tf.Variable(np.random.default_rng(0).normal(size=(2, 24, 24, 8)).astype(np.float32))
    w = tf.constant(np.random.default_rng(1).normal(size=(3, 3, 8, 16)).astype(np.float32))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME"))
            loss = tf.reduce_sum(tf.nn.max_pool2d(y, 2, 2, "VALID"))
        x.assign_sub(1e-3 * tape.gradient(loss, x))
    step()
    times, wall_ms = prof.profile_calls(step, 3)
    kinds = prof.by_kind(times, 3)
    assert kinds["conv forward (+bias+ReLU)"] > 0 and kinds["conv input gradient"] > 0
    assert kinds["max-pool gradient"] > 0
    assert all(v >= 0 for v in kinds.values()) and wall_ms > 0
    assert list(kinds.values()) == sorted(kinds.values(), reverse=True)
    table = prof.format_table(kinds, wall_ms)
    assert "| conv input gradient |" in table and "**kernels summed**" in table
    assert next(iter(prof.top_kernels(times, 3, n=1))).split()[1] in times


def test_no_trace_is_a_clear_error(prof, tmp_path):
    with pytest.raises(FileNotFoundError, match="no .*xplane.pb"):
        prof.read_trace(str(tmp_path))
