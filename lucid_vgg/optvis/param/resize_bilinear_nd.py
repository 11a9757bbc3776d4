"""Bilinear resize of an n-d tensor, two axes at a time, with TF1's resize_bilinear semantics.

TF1 ``resize_bilinear`` (align_corners=False, half_pixel_centers=False) is what Lucid used;
we call the same kernel through ``tf.raw_ops.ResizeBilinear`` so results match Lucid's.
"""
from collections.abc import Iterable, Sequence

import numpy as np
import tensorflow as tf
from tensorflow.types.experimental import TensorLike


def resize_bilinear_v1(images: TensorLike, size: TensorLike) -> tf.Tensor:
    """TF1-style bilinear resize of a [batch, h, w, c] tensor to ``size`` = (new_h, new_w)."""
    return tf.raw_ops.ResizeBilinear(images=images, size=tf.cast(size, tf.int32),
                                     align_corners=False, half_pixel_centers=False)


def product(values: Iterable[int]) -> int:
    """The product of `values` (1 for none): the size of a block of axes, as Python ints."""
    out = 1
    for v in values:
        out *= int(v)
    return out


def collapse_shape(shape: Sequence[int], a: int, b: int) -> list[int]:
    """Collapse ``shape`` to 4-d: product of axes before ``a``, axes a..b-1, product after ``b``."""
    shape = list(shape)
    if a < 0:
        return collapse_shape([1] * -a + shape, 0, b - a)
    if b > len(shape):
        return collapse_shape(shape + [1] * (b - len(shape)), a, b)
    return [product(shape[:a])] + shape[a:b] + [product(shape[b:])]


def resize_bilinear_nd(t: tf.Tensor, target_shape: Sequence[int]) -> tf.Tensor:
    """Bilinearly resize a statically shaped tensor ``t`` to ``target_shape`` (same rank)."""
    shape = t.shape.as_list()
    target_shape = [int(s) for s in target_shape]
    if len(shape) != len(target_shape):
        raise ValueError(f"target_shape {target_shape} must have the rank of the tensor {shape}")
    d = 0
    while d < len(shape):
        if shape[d] == target_shape[d]:
            d += 1
            continue
        new_shape = shape[:]
        new_shape[d:d + 2] = target_shape[d:d + 2]
        t4 = tf.reshape(t, collapse_shape(shape, d, d + 2))
        t4 = resize_bilinear_v1(t4, collapse_shape(new_shape, d, d + 2)[1:3])
        t = tf.reshape(t4, new_shape)
        shape = new_shape
        d += 2
    return t
