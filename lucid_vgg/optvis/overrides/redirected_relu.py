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
returned. The per-entry choice reshapes the [batch] flags to [batch, 1, 1, 1]: Lucid's TF2 code
broadcast them against the channel axis, which fails for batch > 1 (unless batch == channels).
The step counter is a `tf.Variable` read inside the gradient function, so one traced
step serves the whole render.

Usage inside a traced function (`render.make_vis_T` does this):

    step = tf.Variable(0, dtype=tf.int64)
    with redirected_relu_override(step):
        T = model.import_graph(t_image)
    grads = tf.gradients(-objective(T), variables)   # GradientTape does not see imported ops
"""
import contextlib
import uuid

import tensorflow as tf

REDIRECT_STEPS = 16


def _per_entry_select(relu_grad, redirected_grad):
    """relu_grad for batch entries where it lets anything through, redirected_grad elsewhere."""
    tf.debugging.assert_rank_at_least(relu_grad, 2, message="redirected ReLU gradient needs a batch axis")
    batch = tf.shape(relu_grad)[0]
    mag = tf.norm(tf.reshape(relu_grad, [batch, -1]), axis=1)
    # one flag per batch entry, broadcast over the remaining axes
    keep = tf.reshape(mag > 0.0, tf.concat([[batch], tf.ones([tf.rank(relu_grad) - 1], tf.int32)], 0))
    return tf.where(keep, relu_grad, redirected_grad)


def _redirect_while_warming_up(relu_grad, redirected_grad, global_step):
    """Per batch entry, the redirected gradient where the true one is all zero; after
    REDIRECT_STEPS steps (or never, when global_step is None) the true gradient."""
    result_grad = _per_entry_select(relu_grad, redirected_grad)
    if global_step is None:
        return result_grad
    return_relu_grad = tf.greater(tf.cast(global_step, tf.int64), tf.constant(REDIRECT_STEPS, tf.int64))
    return tf.where(return_relu_grad, relu_grad, result_grad)


def redirected_relu_grad(op, grad, global_step=None):
    """Gradient of a Relu op: redirected while global_step <= 16 (always if global_step is None)."""
    x = op.inputs[0]
    relu_grad = tf.where(x < 0.0, tf.zeros_like(grad), grad)
    neg_pushing_lower = tf.logical_and(x < 0.0, grad > 0.0)
    redirected_grad = tf.where(neg_pushing_lower, tf.zeros_like(grad), grad)
    return _redirect_while_warming_up(relu_grad, redirected_grad, global_step)


def redirected_relu6_grad(op, grad, global_step=None):
    """Gradient of a Relu6 op: redirected while global_step <= 16 (always if global_step is None)."""
    x = op.inputs[0]
    relu6_cond = tf.logical_or(x < 0.0, x > 6.0)
    relu_grad = tf.where(relu6_cond, tf.zeros_like(grad), grad)
    neg_pushing_lower = tf.logical_and(x < 0.0, grad > 0.0)
    pos_pushing_higher = tf.logical_and(x > 6.0, grad < 0.0)
    dir_filter = tf.logical_or(neg_pushing_lower, pos_pushing_higher)
    redirected_grad = tf.where(dir_filter, tf.zeros_like(grad), grad)
    return _redirect_while_warming_up(relu_grad, redirected_grad, global_step)


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
