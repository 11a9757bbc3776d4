"""Optimise inside L2 / L-inf unit balls: forward projection plus Lucid's constrained gradients.

The returned tensor is the variable projected into the ball. Its gradient is Lucid's: left
alone inside the ball, with the outward component removed on (or past) the boundary; the
L-inf version can precondition the gradient to its sign (steepest descent under L-inf).
The matching post-step projections are recorded on the variable (``store.constraints``).
"""
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf
from tensorflow.types.experimental import TensorLike

from lucid_vgg.optvis.param import _checks
from lucid_vgg.optvis.param.variables import make_variable


def dot(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """Sum of the elementwise product of two tensors (a full inner product)."""
    return tf.reduce_sum(a * b)


def project_L2(x: tf.Tensor) -> tf.Tensor:
    """Project onto the L2 unit ball: ``x / max(1, ||x||)``."""
    return x / tf.maximum(1.0, tf.norm(x))


def project_L_inf(x: tf.Tensor) -> tf.Tensor:
    """Project onto the L-inf unit ball: ``x / max(1, |x|)`` elementwise (a clip to [-1, 1])."""
    return x / tf.maximum(1.0, tf.abs(x))


@tf.custom_gradient
def _constrain_L2(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
    def grad(dy: tf.Tensor) -> tf.Tensor:
        norm = tf.norm(x)
        unit = x / norm
        along = dot(unit, dy)
        keep = tf.logical_or(tf.less_equal(norm, 1.0), tf.less(along, 0.0))
        return tf.where(keep, dy, dy - unit * along)
    return project_L2(x), grad


def _make_constrain_L_inf(precondition: bool) -> Callable[[tf.Tensor], tf.Tensor]:
    @tf.custom_gradient
    def constrain(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        def grad(dy: tf.Tensor) -> tf.Tensor:
            at_edge = tf.greater_equal(tf.abs(x), 1.0)
            outward = tf.greater(x * dy, 0.0)
            g = tf.sign(dy) if precondition else dy
            return tf.where(tf.logical_and(at_edge, outward), tf.zeros_like(g), g)
        return project_L_inf(x), grad
    return constrain


_constrain_L_inf = _make_constrain_L_inf(precondition=False)
_constrain_L_inf_precondition = _make_constrain_L_inf(precondition=True)


def constrain_L2(x: TensorLike) -> tf.Tensor:
    """Project ``x`` into the L2 unit ball; the gradient drops its outward part on the boundary."""
    return _constrain_L2(tf.convert_to_tensor(x, tf.float32))


def constrain_L_inf(x: TensorLike) -> tf.Tensor:
    """Clip ``x`` into the L-inf unit ball; gradients pushing an edge coordinate outward are zeroed."""
    return _constrain_L_inf(tf.convert_to_tensor(x, tf.float32))


def constrain_L_inf_precondition(x: TensorLike) -> tf.Tensor:
    """As ``constrain_L_inf`` but the gradient is replaced by its sign (L-inf steepest descent)."""
    return _constrain_L_inf_precondition(tf.convert_to_tensor(x, tf.float32))


def unit_ball_L2(shape: Sequence[int]) -> tf.Tensor:
    """A zero-initialised variable of ``shape`` constrained to the L2 unit ball (experimental, as in Lucid)."""
    shape = _checks.shape_any(shape)
    x = make_variable(np.zeros(shape, np.float32), name="unit_ball_L2", constraint=project_L2)
    return constrain_L2(x)


def unit_ball_L_inf(shape: Sequence[int], precondition: bool = True) -> tf.Tensor:
    """A zero-initialised variable of ``shape`` constrained to the L-inf unit ball (experimental)."""
    shape = _checks.shape_any(shape)
    x = make_variable(np.zeros(shape, np.float32), name="unit_ball_L_inf", constraint=project_L_inf)
    return constrain_L_inf_precondition(x) if precondition else constrain_L_inf(x)
