"""High-level image parameterisation: Lucid's ``param.image`` and its grayscale variant."""
from typing import Any

import tensorflow as tf

from lucid_vgg.optvis.param import _checks
from lucid_vgg.optvis.param.color import to_valid_rgb
from lucid_vgg.optvis.param.spatial import fft_image, pixel_image


def image(w: int, h: int | None = None, batch: int | None = None, sd: float | None = None,
          decorrelate: bool = True, fft: bool = True, alpha: bool = False,
          channels: int | None = None) -> tf.Tensor:
    """A [batch, h, w, c] image in [0, 1]: FFT (or pixel) variables, decorrelated colour, sigmoid.

    ``c`` is 3, 4 with ``alpha`` (sigmoid alpha appended), or ``channels`` (then every channel
    is an independent sigmoid and colour decorrelation is not applied), as in Lucid.
    """
    w = _checks.positive_int(w, "w")
    h = _checks.positive_int(h, "h", allow_none=True) or w
    batch = _checks.positive_int(batch, "batch", allow_none=True) or 1
    channels = _checks.positive_int(channels, "channels", allow_none=True)
    ch = channels or (4 if alpha else 3)
    make = fft_image if fft else pixel_image
    t = make([batch, h, w, ch], sd=sd)
    if channels:
        return tf.nn.sigmoid(t)
    output = to_valid_rgb(t[..., :3], decorrelate=decorrelate, sigmoid=True)
    if alpha:
        output = tf.concat([output, tf.nn.sigmoid(t[..., 3:])], -1)
    return output


def grayscale_image_rgb(*args: Any, **kwargs: Any) -> tf.Tensor:
    """A one-channel ``image`` (same arguments) tiled to three identical RGB channels."""
    if "channels" in kwargs:
        raise ValueError("grayscale_image_rgb sets channels=1 itself; do not pass channels")
    return tf.tile(image(*args, **{**kwargs, "channels": 1}), (1, 1, 1, 3))
