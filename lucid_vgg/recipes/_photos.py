"""Photos in for the recipes: checked (float [0, 1] or uint8), resized, loaded from a folder.

One place for the image handling that caricature, image_activations and the activation atlas
share (Lucid used `misc.ndimage_utils.resize` and `misc.io.load` for this).
"""
import os
from typing import Any, Iterator, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from lucid_vgg.recipes import _common

#: The file types a folder of images may hold (what misc.io.load reads as images).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")

Size = Union[int, Sequence[int]]


def check_hw(size: Any, name: str = "size") -> Tuple[int, int]:
    """`size` (an int n for n x n, or (height, width)) as two positive ints."""
    if isinstance(size, (list, tuple)):
        if len(size) != 2:
            raise ValueError(f"{name} must be an int or a (height, width) pair, got {size!r}")
        return _common.check_size(size[0], 1, name), _common.check_size(size[1], 1, name)
    side = _common.check_size(size, 1, name)
    return side, side


def resize(img: np.ndarray, hw: Tuple[int, int]) -> np.ndarray:
    """`img` [h, w, c] in [0, 1] resized to `hw` (bilinear, antialiased when shrinking), clipped
    to [0, 1]; returned unchanged when it already has that size."""
    if tuple(img.shape[:2]) == tuple(hw):
        return np.asarray(img, np.float32)
    out = tf.image.resize(tf.constant(img, tf.float32), hw, method="bilinear", antialias=True)
    return np.clip(out.numpy(), 0.0, 1.0).astype(np.float32)


def model_hw(model: Any) -> Tuple[int, int]:
    """The model's input height and width (`image_shape[:2]`, Lucid's default image size)."""
    shape = getattr(model, "image_shape", None) or (224, 224, 3)
    return int(shape[0]), int(shape[1])


def list_image_files(folder: str) -> list:
    """The image files directly inside `folder`, sorted; ValueError if there are none."""
    if not os.path.isdir(folder):
        raise ValueError(f"images: {folder!r} is not a directory; pass a folder of image files "
                         "or an iterable of arrays [h, w, 3]")
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                   if f.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise ValueError(f"images: the folder {folder!r} holds no image files "
                         f"(looked for {', '.join(IMAGE_EXTENSIONS)})")
    return files


def iter_photos(images: Any, check_range: bool = True) -> Iterator[np.ndarray]:
    """Each image of `images` as float32 [h, w, 3] in [0, 1]. `images`: a folder path, an array
    [n, h, w, 3] or [h, w, 3], or an iterable of arrays (float in [0, 1] or uint8)."""
    from lucid_vgg.misc import io as mio

    if isinstance(images, (str, os.PathLike)):
        for path in list_image_files(os.fspath(images)):
            yield _common.check_photo(np.asarray(mio.load(path))[..., :3], check_range)
        return
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = images[None]
    if isinstance(images, np.ndarray) and images.ndim != 4:
        raise ValueError(f"images: expected an array [n, h, w, 3] or [h, w, 3], got shape "
                         f"{images.shape}")
    try:
        iterator = iter(images)
    except TypeError:
        raise TypeError(f"images must be a folder path, an array or an iterable of arrays, got "
                        f"{type(images).__name__}") from None
    for img in iterator:
        yield _common.check_photo(img, check_range)
