"""Resize, composite and alpha-blend image arrays [h, w, c] or [batch, h, w, c] with NumPy and
scipy.ndimage (Lucid's `ndimage_utils`), e.g. to put a small render into the corner of a photo."""
from numbers import Real
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np


def _size_pair(target_size: Any) -> Tuple[int, int]:
    if isinstance(target_size, (int, np.integer)) and not isinstance(target_size, bool):
        target_size = (target_size, target_size)
    if not isinstance(target_size, (list, tuple, np.ndarray)) or len(target_size) != 2:
        raise ValueError("target_size must be one int or a pair (list, tuple or array of 2 ints), got %r."
                         % (target_size,))
    try:
        pair = (int(target_size[0]), int(target_size[1]))
    except (TypeError, ValueError):
        raise ValueError("target_size must hold ints, got %r." % (target_size,)) from None
    if min(pair) < 1:
        raise ValueError("target_size must be positive, got %r." % (target_size,))
    return pair


def _ratio_pair(ratios: Any) -> Tuple[float, float]:
    if isinstance(ratios, Real):
        ratios = (ratios, ratios)
    try:
        pair = (float(ratios[0]), float(ratios[1]))
    except (TypeError, ValueError, IndexError):
        raise ValueError("ratios must be one positive number or a pair, got %r." % (ratios,)) from None
    if len(ratios) != 2 or min(pair) <= 0:
        raise ValueError("ratios must be one positive number or a pair of positive numbers, got %r." % (ratios,))
    return pair


def resize(image: np.ndarray, target_size: Optional[Union[int, Sequence[int]]] = None,
           ratios: Optional[Union[float, Sequence[float]]] = None, **kwargs: Any) -> np.ndarray:
    """`image` ([h, w, c] or [b, h, w, c]) resized with scipy.ndimage.zoom (kwargs go to it, e.g.
    order=1) to `target_size` or by `ratios` on the two spatial axes.

    `target_size` is one int n (n x n) or a pair whose FIRST entry sets the rows, as Lucid's code
    does (its docstring says (width, height), but the first entry was always used for rows).
    With both, the image is zoomed by `ratios` and then cropped to `target_size`.
    """
    from scipy import ndimage

    image = np.asarray(image)
    if image.ndim not in (3, 4):
        raise ValueError("resize takes an image [h, w, c] or a batch [b, h, w, c], got shape %s." % (image.shape,))
    if target_size is None and ratios is None:
        raise ValueError("resize needs target_size or ratios.")
    original = image.shape[-3:-1]
    size = _size_pair(target_size) if target_size is not None else None
    zoom_hw = list(_ratio_pair(ratios)) if ratios is not None else None
    if (zoom_hw is not None and zoom_hw == [1.0, 1.0]) or (size is not None and size == tuple(original)):
        return image  # nothing to do (ndimage.zoom would still copy and resample)
    if zoom_hw is None:
        assert size is not None  # one of the two was given (checked above)
        zoom_hw = [t / o for t, o in zip(size, original)]
    zoom = [1.0] * image.ndim
    zoom[-3:-1] = zoom_hw
    resized = ndimage.zoom(image, zoom, **kwargs)
    return resized if size is None else resized[..., : size[0], : size[1], :]


def composite(background_image: np.ndarray, foreground_image: np.ndarray,
              foreground_width_ratio: float = 0.25,
              foreground_position: Tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A copy of `background_image` [h, w, c] with `foreground_image` resized to a square of
    `foreground_width_ratio` x background width pasted in, at `foreground_position` = (top, left)
    as fractions of the free space (0: top/left edge, 1: bottom/right edge)."""
    background_image, foreground_image = np.asarray(background_image), np.asarray(foreground_image)
    if background_image.ndim != 3 or foreground_image.ndim != 3:
        raise ValueError("composite takes two images [h, w, c], got shapes %s and %s."
                         % (background_image.shape, foreground_image.shape))
    if background_image.shape[-1] != foreground_image.shape[-1]:
        raise ValueError("composite: the images need the same number of channels, got %d and %d."
                         % (background_image.shape[-1], foreground_image.shape[-1]))
    if foreground_width_ratio <= 0:
        return background_image
    if foreground_width_ratio > 1 or not all(0 <= p <= 1 for p in foreground_position):
        raise ValueError("composite: foreground_width_ratio must be in (0, 1] and foreground_position "
                         "fractions in [0, 1], got %r and %r." % (foreground_width_ratio, foreground_position))
    out = background_image.copy()
    width = max(1, int(foreground_width_ratio * background_image.shape[1]))
    fg = resize(foreground_image, width)
    fg = fg[: out.shape[0], : out.shape[1]]
    y = int(foreground_position[0] * (out.shape[0] - fg.shape[0]))
    x = int(foreground_position[1] * (out.shape[1] - fg.shape[1]))
    out[y: y + fg.shape[0], x: x + fg.shape[1]] = fg
    return out


def soft_alpha_blend(image_with_alpha: np.ndarray, amount_background: float = .333,
                     gamma: float = 2.2) -> np.ndarray:
    """RGB [..., 3] of an RGBA image in [0, 1], blended (in gamma space) over a pale copy of itself:
    `amount_background` of the colour plus the rest white, so transparent parts stay faintly visible."""
    image_with_alpha = np.asarray(image_with_alpha)
    if image_with_alpha.ndim < 1 or image_with_alpha.shape[-1] != 4:
        raise ValueError("soft_alpha_blend takes an RGBA image [..., 4], got shape %s." % (image_with_alpha.shape,))
    alpha = image_with_alpha[..., 3:]
    rgb = image_with_alpha[..., :3]
    background = amount_background * rgb + (1 - amount_background) * np.ones_like(rgb)
    mixed = alpha * np.power(rgb, gamma) + (1 - alpha) * np.power(background, gamma)
    return np.power(mixed, 1 / gamma)
