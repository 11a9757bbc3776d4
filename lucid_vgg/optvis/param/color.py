"""Map raw channels to valid RGB: optional ImageNet colour decorrelation, then sigmoid or clip.

Optimising in a decorrelated colour space (Feature Visualization, Olah et al. 2017) makes
steps in each channel roughly independent; the square root of ImageNet's colour correlation
matrix maps back to RGB.
"""
import numpy as np
import tensorflow as tf
from tensorflow.types.experimental import TensorLike

from lucid_vgg.optvis.param.unit_balls import constrain_L_inf

# Square root of the empirical ImageNet colour correlation matrix (Lucid's values).
color_correlation_svd_sqrt = np.asarray([[0.26, 0.09, 0.02],
                                         [0.27, 0.00, -0.05],
                                         [0.27, -0.09, 0.03]]).astype("float32")
max_norm_svd_sqrt = np.max(np.linalg.norm(color_correlation_svd_sqrt, axis=0))
color_mean = [0.48, 0.46, 0.41]


def _linear_decorrelate_color(t: TensorLike) -> tf.Tensor:
    """Multiply the last (size-3) axis by the normalised colour-correlation square root."""
    t = tf.convert_to_tensor(t, tf.float32)
    depth = tf.compat.dimension_value(t.shape[-1]) if t.shape.rank else None
    if depth is not None and depth != 3:
        raise ValueError(f"decorrelation needs 3 colour channels in the last axis, got shape {t.shape}")
    matrix = (color_correlation_svd_sqrt / max_norm_svd_sqrt).T
    flat = tf.matmul(tf.reshape(t, [-1, 3]), matrix)
    return tf.reshape(flat, tf.shape(t))


def to_valid_rgb(t: TensorLike, decorrelate: bool = False, sigmoid: bool = True) -> tf.Tensor:
    """Turn the last axis of ``t`` into colours in [0, 1].

    If ``decorrelate``, ``t`` is read as decorrelated colour and mapped to RGB. Values are then
    squashed by a sigmoid, or (``sigmoid=False``) clipped via the L-inf ball with Lucid's
    constrained gradient (adding ImageNet's mean colour first when decorrelating).
    """
    t = tf.convert_to_tensor(t, tf.float32)
    if decorrelate:
        t = _linear_decorrelate_color(t)
    if decorrelate and not sigmoid:
        t = t + color_mean
    if sigmoid:
        return tf.nn.sigmoid(t)
    return constrain_L_inf(2 * t - 1) / 2 + 0.5
