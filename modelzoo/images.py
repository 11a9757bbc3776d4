"""NumPy images as models take them: float32 RGB in [0, 1]. The one place that checks an image's
dtype and value range, shared by Model.get_activations and the recipes that take a photo.
"""
from typing import Any

import numpy as np

#: How far outside [0, 1] a float image may stray (resampling overshoot) before it is refused.
RANGE_TOLERANCE = 0.01


def stack_images(images: Any) -> np.ndarray:
    """`images` (an array, or a list of [h, w, 3] images) as one array; a ragged list is refused
    with the shape of each image instead of NumPy's "inhomogeneous shape"."""
    if isinstance(images, (list, tuple)) and len(images) > 1:
        shapes = [np.shape(im) for im in images]
        if len(set(shapes)) > 1:
            listed = ", ".join(f"image {i}: {s}" for i, s in enumerate(shapes))
            raise ValueError(f"the images have different shapes ({listed}); one batch needs one "
                             "shape: resize them to a common size, or call once per image.")
    return np.asarray(images)


def to_unit_range(arr: np.ndarray, check_range: bool = True, what: str = "images") -> np.ndarray:
    """`arr` as float32 in [0, 1]: uint8 is divided by 255; a float array outside [0, 1] (a 0-255
    or mean-subtracted image) is refused unless check_range=False (the caller knows its range)."""
    if arr.dtype == np.uint8:
        return (arr / 255.0).astype(np.float32)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{what} must be a float array in [0, 1] or uint8 in 0..255, got dtype {arr.dtype}; "
                        "convert with img.astype(np.float32) / 255. for 0..255 pixel values.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: found NaN or inf values; pass finite values in [0, 1].")
    if check_range and arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < -RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
            hint = ("these look like 0..255 pixel values: divide by 255 (img / 255.)" if hi > 1.5 and lo >= 0
                    else "rescale them to [0, 1], e.g. (img - img.min()) / (img.max() - img.min()), "
                    "or img / 255. for 0..255 pixel values")
            raise ValueError(f"{what} must be in [0, 1] (the model maps that range onto its own input "
                             f"range), but its values range from {lo:g} to {hi:g}; {hint}. If this range "
                             "is intended, pass check_range=False.")
    return arr.astype(np.float32)
