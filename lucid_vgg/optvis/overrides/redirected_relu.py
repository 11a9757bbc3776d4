"""Lucid's redirected ReLU gradient, for the first steps of a render.

A ReLU whose input is negative passes no gradient. If the unit being visualised (or everything
feeding it) is dead for the random starting image, the optimisation never starts. Lucid's fix
overrides the ReLU (and ReLU6) gradient for the first 16 steps:

- where the ordinary gradient is non-zero for a batch entry, use it unchanged;
- where it is zero everywhere for a batch entry, pass the incoming gradient through instead,
  except where it would push an input that is already negative further down (and, for ReLU6,
  an input already above 6 further up).

Gradients here are those of the *loss* (minus the objective), so "pushing down" is a positive
gradient. After step 16 (`global_step > 16`, Lucid's comparison) the plain ReLU gradient is
returned, through a `tf.cond` on the step counter (a `tf.Variable`): one traced step serves the
whole render, and the steps after the warm-up run only TensorFlow's own ReluGrad. The per-entry
choice keeps the [batch] flags as [batch, 1, 1, 1]: Lucid's TF2 code broadcast them against the
channel axis, which fails for batch > 1 (unless batch == channels). Lucid computed the plain and
the redirected gradient on every step and chose with `where`s; the result is the same (bar
inputs exactly 0, where TensorFlow's ReluGrad, like an unmodified ReLU, passes nothing).

Usage inside a traced function (`render.make_vis_T` does this):

    step = tf.Variable(0, dtype=tf.int64)
    with redirected_relu_override(step):
        T = model.import_graph(t_image)
    grads = tf.gradients(-objective(T), variables)   # GradientTape does not see imported ops
"""
import contextlib
import uuid

import tensorflow as tf
from tensorflow.python.ops import gen_nn_ops

REDIRECT_STEPS = 16


def _entry_has_gradient(passes, grad):
    """[batch, 1, 1, ...] flags: does the plain gradient let anything through for this entry?"""
    alive = tf.logical_and(passes, tf.not_equal(grad, 0.0))
    return tf.reduce_any(alive, axis=tf.range(1, tf.rank(grad)), keepdims=True)


def _warming_up(global_step, plain_grad, redirected_grad):
    """The redirected gradient while `global_step` <= REDIRECT_STEPS (always when it is None),
    then the plain one. `tf.cond` runs one branch, so later steps pay nothing for the redirect."""
    if global_step is None:
        return redirected_grad()
    done = tf.greater(tf.cast(global_step, tf.int64), tf.constant(REDIRECT_STEPS, tf.int64))
    return tf.cond(done, plain_grad, redirected_grad)


def redirected_relu_grad(op, grad, global_step=None):
    """Gradient of a Relu op: redirected while global_step <= 16 (always if global_step is None).

    Redirected = the incoming gradient, zeroed where the input is negative and (the entry's plain
    gradient is not all zero, or the gradient would push the input further down): one `where`.
    After the warm-up, TensorFlow's own ReluGrad kernel (zero where the input is <= 0).
    """
    tf.debugging.assert_rank_at_least(grad, 2, message="redirected ReLU gradient needs a batch axis")
    x = op.inputs[0]

    def redirected():
        negative = x < 0.0
        keep_plain = _entry_has_gradient(tf.logical_not(negative), grad)
        blocked = tf.logical_and(negative, tf.logical_or(keep_plain, grad > 0.0))
        return tf.where(blocked, tf.zeros_like(grad), grad)

    return _warming_up(global_step, lambda: gen_nn_ops.relu_grad(grad, op.outputs[0]), redirected)


def redirected_relu6_grad(op, grad, global_step=None):
    """Gradient of a Relu6 op: redirected while global_step <= 16 (always if global_step is None).

    As for Relu, with "outside" meaning below 0 or above 6, and an input above 6 blocked when
    the gradient would push it further up.
    """
    tf.debugging.assert_rank_at_least(grad, 2, message="redirected ReLU gradient needs a batch axis")
    x = op.inputs[0]

    def redirected():
        low, high = x < 0.0, x > 6.0
        keep_plain = _entry_has_gradient(tf.logical_not(tf.logical_or(low, high)), grad)
        pushed_out = tf.logical_or(tf.logical_and(low, grad > 0.0), tf.logical_and(high, grad < 0.0))
        blocked = tf.logical_or(tf.logical_and(tf.logical_or(low, high), keep_plain), pushed_out)
        return tf.where(blocked, tf.zeros_like(grad), grad)

    return _warming_up(global_step, lambda: gen_nn_ops.relu6_grad(grad, op.inputs[0]), redirected)


@contextlib.contextmanager
def gradient_override_map(override_dict, graph=None):
    """Like Lucid's gradient_override_map: `{op_type: python_grad_fn}` for ops created inside.

    Each function is registered under a fresh unique name (the gradient registry cannot be
    unregistered, so names are never reused) and mapped with the graph's override map. Only
    graph-mode ops see it: use inside a tf.function and differentiate with tf.gradients.
    """
    graph = graph or tf.compat.v1.get_default_graph()
    if tf.executing_eagerly():
        raise RuntimeError("gradient_override_map only affects graph ops: use it inside a tf.function")
    mapping = {}
    for op_type, fn in override_dict.items():
        name = f"{op_type}_override_{uuid.uuid4().hex}"
        tf.RegisterGradient(name)(fn)
        mapping[op_type] = name
    with graph.gradient_override_map(mapping):
        yield


def redirected_relu_override(global_step=None, graph=None):
    """Context manager: Relu and Relu6 ops created inside get the redirected gradient.

    `global_step` (an int tf.Variable or tensor) switches back to the plain gradient once it
    exceeds 16; with None the redirection is permanent.
    """
    return gradient_override_map({
        "Relu": lambda op, grad: redirected_relu_grad(op, grad, global_step),
        "Relu6": lambda op, grad: redirected_relu6_grad(op, grad, global_step),
    }, graph=graph)
