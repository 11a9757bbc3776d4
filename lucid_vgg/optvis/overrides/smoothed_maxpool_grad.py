"""Lucid's smoothed max-pool gradients: differentiate MaxPool as if it were a smoother pooling.

A max-pool passes gradient to one input per window, which makes visualisations blocky.
`avg_smoothed_maxpool_grad` spreads it evenly over the window (the gradient of an average
pool); `l2_smoothed_maxpool_grad` weights it by the inputs (the gradient of
`avg(x**2) / (epsilon + avg(|x|))`, a soft maximum). The forward pass is unchanged.
"""
from typing import Any, Callable

import tensorflow as tf

SMOOTH_TYPES = ("avg", "L2")


def _smoothed_pool(x: tf.Tensor, smooth_type: str, epsilon: float, ksize: Any, strides: Any,
                   padding: str, data_format: str) -> tf.Tensor:
    def avg(t: tf.Tensor) -> tf.Tensor:
        return tf.nn.avg_pool2d(t, ksize, strides, padding, data_format=data_format)
    if smooth_type == "L2":
        return avg(x ** 2) / (epsilon + avg(tf.abs(x)))
    return avg(x)


def _text(attr: Any) -> str:
    return attr.decode() if isinstance(attr, bytes) else str(attr)


def make_smoothed_maxpool_grad(smooth_type: str = "avg",
                               epsilon: float = 1e-2) -> Callable[[Any, tf.Tensor], tf.Tensor]:
    """A MaxPool gradient function `(op, grad) -> grad` smoothed by `smooth_type` ("avg" or "L2").

    The pooling's window, strides, padding and data format are read from the op.
    """
    if smooth_type not in SMOOTH_TYPES:
        raise ValueError(f"smooth_type must be one of {', '.join(map(repr, SMOOTH_TYPES))}, got "
                         f"{smooth_type!r}")

    def MaxPoolGrad(op: Any, grad: tf.Tensor) -> tf.Tensor:  # pylint: disable=invalid-name
        padding = _text(op.get_attr("padding"))
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"smoothed max-pool gradient: {op.name} has padding {padding!r}; only "
                             "'SAME' and 'VALID' have an average-pool counterpart")
        data_format = _text(op.get_attr("data_format"))
        # differentiate a copy of the input made in the current graph, so this works while
        # TensorFlow builds a backward function in a graph of its own
        x = tf.identity(op.inputs[0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            smooth = _smoothed_pool(x, smooth_type, epsilon, op.get_attr("ksize"),
                                    op.get_attr("strides"), padding, data_format)
        return tape.gradient(smooth, x, output_gradients=grad)

    return MaxPoolGrad


l2_smoothed_maxpool_grad = make_smoothed_maxpool_grad(smooth_type="L2")
avg_smoothed_maxpool_grad = make_smoothed_maxpool_grad(smooth_type="avg")
