"""`create_session`: Lucid's interactive TF1 session, for notebooks written in session style and
run under `tf.compat.v1.disable_v2_behavior()`."""
from typing import Any


def create_session(target: str = "", timeout_sec: float = 10) -> Any:
    """A new `tf.compat.v1.InteractiveSession` on a fresh graph (made the default graph and
    session), with GPU memory allocated as needed and operations timing out after `timeout_sec`.

    Only graph mode has sessions: in TF2's default eager mode this raises a RuntimeError; call
    `tf.compat.v1.disable_v2_behavior()` first, or drop the session (lucid_vgg runs eagerly)."""
    import tensorflow as tf

    if tf.executing_eagerly():
        raise RuntimeError(
            "create_session() needs TF1 graph mode, but TensorFlow is executing eagerly (the TF2 "
            "default). Call `tf.compat.v1.disable_v2_behavior()` right after importing TensorFlow "
            "(before building anything) to run session-style Lucid code, or drop the session: "
            "lucid_vgg's render_vis, make_vis_T and model.get_activations need none.")
    if isinstance(timeout_sec, bool) or not isinstance(timeout_sec, (int, float)) or not timeout_sec > 0:
        raise ValueError("timeout_sec must be a positive number of seconds, got %r." % (timeout_sec,))
    config = tf.compat.v1.ConfigProto()
    config.gpu_options.allow_growth = True
    config.operation_timeout_in_ms = int(timeout_sec * 1000)
    return tf.compat.v1.InteractiveSession(target=target, graph=tf.Graph(), config=config)
