"""Helpers the objectives are built from (Lucid's `objectives_util`): views of `T` (batch entry,
NHWC), dot products, positions, blur, and the checks that turn bad arguments into clear errors.

Everything here builds TensorFlow ops or raises at trace time; nothing holds state.
"""
from typing import Any, Callable, Optional

import numpy as np
import tensorflow as tf

# T is Lucid's name for the tensor accessor; keep it.
# pylint: disable=invalid-name

TensorAccessor = Callable[[str], Any]
"""`T`: a layer name (or "input", "labels") -> the tensor a render step sees."""


def dim(t: Any, axis: int) -> Optional[int]:
    """The static size of `t` along `axis` as an int or None, in TF2 and in TF1 graph mode (where
    `t.shape[axis]` is a `Dimension`, which takes no `-`, `range` or NumPy arithmetic)."""
    return tf.compat.dimension_value(t.shape[axis])


def _make_arg_str(arg: Any) -> str:
    """An argument as it appears in an objective's description ("..." when long)."""
    arg = str(arg)
    too_big = len(arg) > 15 or "\n" in arg
    return "..." if too_big else arg


def _T_force_NHWC(T: TensorAccessor) -> TensorAccessor:
    """Let NHWC objectives read dense layers: [N, C] tensors become [N, 1, 1, C]."""
    def T2(name):
        t = T(name)
        if isinstance(t, tf.Tensor) and t.shape.rank == 2:
            return t[:, None, None, :]
        return t
    return T2


def _T_handle_batch(T: TensorAccessor, batch: Optional[int] = None) -> TensorAccessor:
    """Restrict every tensor T returns to batch entry `batch` (kept as a batch of one)."""
    def T2(name):
        t = T(name)
        if isinstance(batch, (int, np.integer)) and isinstance(t, (tf.Tensor, tf.Variable)):
            n = dim(t, 0) if t.shape.rank else None
            if n is not None and not 0 <= batch < n:
                raise ValueError(f"batch={batch} is out of range for {name!r}, which has a batch of "
                                 f"{n} (valid: 0..{n - 1}); render with param.image(..., batch={batch + 1}) "
                                 "or more")
            return t[batch:batch + 1]
        return t
    return T2


def check_channel(t: Any, layer: str, n: Any) -> None:
    """Raise if channel `n` is not an int or does not exist in `t` (static channel count)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"channel index for layer {layer!r} must be an int, got {type(n).__name__} {n!r}")
    depth = dim(t, -1)
    if depth is not None and not -depth <= n < depth:
        raise ValueError(f"channel {n} is out of range for layer {layer!r}, which has depth {depth}: "
                         f"valid channels are 0..{depth - 1}")


def check_vec(t: Any, layer: str, vec: np.ndarray) -> None:
    """Raise if direction `vec` has not one entry per channel of `t`."""
    depth = dim(t, -1)
    if depth is not None and vec.shape[-1] != depth:
        raise ValueError(f"direction vector has {vec.shape[-1]} entries but layer {layer!r} "
                         f"has depth {depth}")


def static_batch(t: Any, layer: str, what: str) -> int:
    """The static batch size of `t`; `what` (the objective) needs it, so raise when unknown."""
    n = dim(t, 0) if t.shape.rank else None
    if n is None:
        raise ValueError(f"{what} needs the static batch size of layer {layer!r}, which is unknown "
                         f"(shape {t.shape}); render with a param_f of fixed batch size")
    return n


def _dot(x, y):
    """Dot product over the last (channel) axis."""
    return tf.reduce_sum(x * y, -1)


def _dot_cossim(x, y, cossim_pow=0):
    """Mean of <x, y> over all positions, optionally weighted by max(0.1, cos(x, y))**cossim_pow."""
    eps = 1e-4
    xy_dot = _dot(x, y)
    if cossim_pow == 0:
        return tf.reduce_mean(xy_dot)
    x_mags = tf.sqrt(_dot(x, x))
    y_mags = tf.sqrt(_dot(y, y))
    cossims = xy_dot / (eps + x_mags) / (eps + y_mags)
    floored_cossims = tf.maximum(0.1, cossims)
    return tf.reduce_mean(xy_dot * floored_cossims ** cossim_pow)


def _extract_act_pos(acts, x=None, y=None):
    """acts[:, x:x+1, y:y+1] with x, y defaulting to the centre (x indexes axis 1, as Lucid)."""
    shape = tf.shape(acts)
    x_ = shape[1] // 2 if x is None else x
    y_ = shape[2] // 2 if y is None else y
    return acts[:, x_:x_ + 1, y_:y_ + 1]


def _tf_blur(x, w=3):
    """Per-channel w x w blur (centre weight 1, border 0.5), normalised at the image edges."""
    depth = dim(x, -1)
    if depth is None:
        raise ValueError(f"blur needs a static channel count, got shape {x.shape}")
    k = np.zeros([w, w, depth, depth], np.float32)
    for ch in range(depth):
        k_ch = k[:, :, ch, ch]
        k_ch[:, :] = 0.5
        k_ch[1:-1, 1:-1] = 1.0
    conv_k = lambda t: tf.nn.conv2d(t, k, [1, 1, 1, 1], "SAME")  # noqa: E731
    return conv_k(x) / conv_k(tf.ones_like(x))
