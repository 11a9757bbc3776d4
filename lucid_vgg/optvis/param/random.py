"""Fresh random images (not variables), e.g. backgrounds for ``transform.collapse_alpha_random``.

Unlike the parameterisations these draw new noise each time the op runs (inside a
tf.function: every step), from TF's random ops with an optional op-level ``seed``.
"""
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis.param.color import to_valid_rgb


def image_sample(shape: Sequence[int | tf.Tensor], decorrelate: bool = True,
                 sd: float | None = None, decay_power: float = 1,
                 seed: int | None = None) -> tf.Tensor:
    """A random natural-looking RGB image batch in [0, 1] of ``shape`` [b, h, w, 3]."""
    raw = rand_fft_image(shape, sd=sd, decay_power=decay_power, seed=seed)
    return to_valid_rgb(raw, decorrelate=decorrelate)


def _fftfreq(n: tf.Tensor) -> tf.Tensor:
    """``np.fft.fftfreq(n)`` for a (possibly dynamic) scalar int tensor ``n``."""
    k = tf.range(n)
    k = tf.where(k < (n + 1) // 2, k, k - n)
    return tf.cast(k, tf.float32) / tf.cast(n, tf.float32)


def _rfft2d_freqs_tf(h: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
    """TF twin of ``spatial.rfft2d_freqs`` for dynamic sizes."""
    fy = _fftfreq(h)[:, None]
    fx = _fftfreq(w)[: w // 2 + 1 + w % 2][None, :]
    return tf.sqrt(fx * fx + fy * fy)


def rand_fft_image(shape: Sequence[int | tf.Tensor], sd: float | None = None,
                   decay_power: float = 1, seed: int | None = None) -> tf.Tensor:
    """Random image with ``fft_image``'s spectrum scaling; ``shape`` may hold dynamic dims."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 4:
        raise ValueError(f"shape must have 4 entries [batch, height, width, channels], got {shape!r}")
    b, h, w, ch = (shape[i] for i in range(4))
    sd = 0.01 if sd is None else sd
    h = tf.cast(h, tf.int32)
    w = tf.cast(w, tf.int32)
    freqs = _rfft2d_freqs_tf(h, w)
    max_hw = tf.cast(tf.maximum(h, w), tf.float32)
    scale = 1.0 / tf.maximum(freqs, 1.0 / max_hw) ** decay_power
    scale *= tf.sqrt(tf.cast(h * w, tf.float32))
    fh, fw = tf.shape(freqs)[0], tf.shape(freqs)[1]
    noise = sd * tf.random.normal(tf.stack([2, b, ch, fh, fw]), dtype=tf.float32, seed=seed)
    spectrum = tf.complex(noise[0] * scale, noise[1] * scale)
    length = tf.stack([h, tf.maximum(2 * (fw - 1), w)])
    img = tf.transpose(tf.signal.irfft2d(spectrum, fft_length=length), (0, 2, 3, 1))
    img = img[:, :h, :w, :]
    if all(isinstance(s, (int, np.integer)) for s in (b, shape[1], shape[2], ch)):
        img.set_shape([int(b), int(shape[1]), int(shape[2]), int(ch)])
    return img / 4.0
