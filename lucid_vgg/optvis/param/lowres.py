"""A tensor parameterised by a lower-resolution variable, bilinearly upsampled (with optional offset)."""
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis.param import _checks
from lucid_vgg.optvis.param.resize_bilinear_nd import resize_bilinear_nd
from lucid_vgg.optvis.param.variables import make_variable, rng


def lowres_tensor(shape: Sequence[int], underlying_shape: Sequence[int],
                  offset: int | list[int] | tuple[int, ...] | None = None,
                  sd: float | None = None) -> tf.Tensor:
    """Tensor of ``shape`` made by bilinearly resizing a variable of ``underlying_shape``.

    ``offset`` shifts the interpolation grid like a phase: None/False for none, an int per
    axis (or one for all), or True for half the upsampling ratio. ``sd``: init noise scale.
    """
    shape = list(_checks.shape_any(shape, "shape"))
    underlying_shape = list(_checks.shape_any(underlying_shape, "underlying_shape"))
    if len(shape) != len(underlying_shape):
        raise ValueError(f"underlying_shape {underlying_shape} must have the rank of shape {shape}")
    sd = _checks.positive_number(sd, "sd", allow_none=True) or 0.01
    init_val = sd * rng().standard_normal(underlying_shape).astype(np.float32)
    t = resize_bilinear_nd(tf.convert_to_tensor(make_variable(init_val, name="lowres")), shape)
    if offset is not None:
        offsets = list(offset) if isinstance(offset, (list, tuple)) else len(shape) * [offset]
        if len(offsets) != len(shape):
            raise ValueError(f"offset must be a scalar or have {len(shape)} entries, got {offset!r}")
        # True: half the upsampling ratio; False (== 0) and ints: that many pixels
        pixels = [int(shape[n] / underlying_shape[n] / 2) if o is True else int(o)
                  for n, o in enumerate(offsets)]
        t = tf.pad(t, [(p, 0) for p in pixels], "SYMMETRIC")
        t = tf.slice(t, len(shape) * [0], shape)
    return t
