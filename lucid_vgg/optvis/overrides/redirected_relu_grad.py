"""Lucid's `redirected_relu_grad` module: the redirected ReLU/ReLU6 gradients keyed on the global step.

The math lives in `redirected_relu` (shared with the render step, which passes its own step
counter). Lucid's functions take only `(op, grad)` and switch back to the plain gradient once
the graph's global step (`tf.compat.v1.train.get_or_create_global_step()`) exceeds 16; so do
these, unless a `global_step` is passed explicitly. The global step is created, as in Lucid,
when the graph has none: in a `tf.compat.v1` graph initialise it with the other variables;
inside a `tf.function` it is an eager variable (0 until you increment it). Increment it each
step (`optimizer.minimize(loss, global_step=...)` in Lucid's code) to end the warm-up.
"""
from typing import Any, Optional

import tensorflow as tf

from lucid_vgg.optvis.overrides.redirected_relu import redirected_relu6_grad as _relu6_grad
from lucid_vgg.optvis.overrides.redirected_relu import redirected_relu_grad as _relu_grad

__all__ = ["redirected_relu_grad", "redirected_relu6_grad"]


def _global_step() -> tf.Variable:
    """The graph's global step, created outside any function trace when missing (as Lucid)."""
    step = tf.compat.v1.train.get_global_step()
    if step is None:
        with tf.init_scope():
            step = tf.compat.v1.train.get_or_create_global_step()
    return step


def _check_type(op: Any, expected: str) -> None:
    if op.type != expected:
        raise ValueError(f"{expected.lower()}-redirecting gradient got a {op.type!r} op ({op.name}); "
                         f"map it onto {expected!r} ops only, e.g. "
                         f"gradient_override_map({{{expected!r}: ...}})")


def redirected_relu_grad(op: Any, grad: tf.Tensor, global_step: Optional[Any] = None) -> tf.Tensor:
    """Redirected gradient of a Relu op while the global step is <= 16, the plain one after."""
    _check_type(op, "Relu")
    return _relu_grad(op, grad, global_step=global_step if global_step is not None else _global_step())


def redirected_relu6_grad(op: Any, grad: tf.Tensor, global_step: Optional[Any] = None) -> tf.Tensor:
    """Redirected gradient of a Relu6 op while the global step is <= 16, the plain one after."""
    _check_type(op, "Relu6")
    return _relu6_grad(op, grad, global_step=global_step if global_step is not None else _global_step())
