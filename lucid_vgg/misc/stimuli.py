"""Synthetic stimuli (anti-aliased two-region images such as rounded corners) for probing what a
unit responds to, drawn from an implicit function: negative inside the shape, positive outside."""
from typing import Any, Callable, Optional, Sequence

import numpy as np

ImplicitFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _colour(value: Any, name: str) -> np.ndarray:
    colour = np.asarray(value, dtype=np.float64)
    if colour.shape != (3,):
        raise ValueError("%s must be an RGB triple of floats in [0, 1], got %r." % (name, value))
    return colour.reshape([1, 1, 3])


def sample_binary_image(size: int, alias_factor: int = 10, color_a: Sequence[float] = (1, 1, 1),
                        color_b: Sequence[float] = (0, 0, 0), boundary_line: bool = False,
                        boundary_width: float = 1, blur_beyond_radius: Optional[float] = None,
                        fade_beyond_radius: Optional[float] = None, fade_over_distance: float = 10,
                        fade_color: Sequence[float] = (.5, .5, .5),
                        **kwds: Any) -> Callable[[ImplicitFunction], np.ndarray]:
    """A function (usable as a decorator) that renders an implicit function E(x, y) to a float
    [size, size, 3] image: `color_a` where E >= 0 (outside), `color_b` where E < 0 (inside), or
    `color_b` along the boundary only with `boundary_line`.

    Coordinates are pixel offsets from the image centre (x rightwards, y downwards). Edges are
    anti-aliased by averaging `alias_factor` jittered samples per pixel (random: seed NumPy's
    global generator for repeatable images); beyond `blur_beyond_radius` the jitter grows with the
    radius (blur), beyond `fade_beyond_radius` the image fades to `fade_color` over
    `fade_over_distance` pixels."""
    del kwds  # options of the stimulus functions that pass their keywords through
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError("size must be a positive int (pixels), got %r." % (size,))
    if isinstance(alias_factor, bool) or not isinstance(alias_factor, (int, np.integer)) or alias_factor < 1:
        raise ValueError("alias_factor must be a positive int (samples per pixel), got %r." % (alias_factor,))
    color_a_, color_b_ = _colour(color_a, "color_a"), _colour(color_b, "color_b")
    fade_color_ = _colour(fade_color, "fade_color")
    coords = np.arange(size) - size // 2
    X, Y = coords[None, :], coords[:, None]
    alias_offsets = [tuple(np.random.uniform(-.5, .5, size=2)) for _ in range(alias_factor)]
    boundary_offsets = [(boundary_width * np.cos(2 * np.pi * n / 16.), boundary_width * np.sin(2 * np.pi * n / 16.))
                        for n in range(16)]
    radius = np.sqrt(X ** 2 + Y ** 2)
    offset_scale: Any = 1
    fade_coef: Any = 0
    if blur_beyond_radius is not None:
        offset_scale = 1 + np.maximum(0, radius - blur_beyond_radius)
    if fade_beyond_radius is not None:
        fade_coef = np.clip(np.maximum(0, radius - fade_beyond_radius) / float(fade_over_distance), 0, 1)[..., None]

    def sampler(E: ImplicitFunction) -> np.ndarray:
        def sample(x_off, y_off):
            return np.greater_equal(E(X + offset_scale * x_off, Y + offset_scale * y_off), 0).astype("float32")

        def boundary_sample(x_off, y_off):
            # on the boundary, some of the surrounding samples are inside and some outside
            ring = np.mean([sample(x_off + bx, y_off + by) for bx, by in boundary_offsets], axis=0)
            return np.greater_equal(2 * np.abs(ring - 0.5), 0.99).astype("float32")

        one = boundary_sample if boundary_line else sample
        img = np.clip(np.mean([one(*offset) for offset in alias_offsets], axis=0), 0, 1)[..., None]
        img = img * color_a_ + (1 - img) * color_b_
        return (1 - fade_coef) * img + fade_coef * fade_color_
    return sampler


def rmin(X: np.ndarray, Y: np.ndarray, r: Any) -> np.ndarray:
    """A rounded minimum of X and Y: min(X, Y) except within `r` of X == Y, where it bends along a
    circular arc (a bevelled intersection of two implicit shapes; Olah 2011)."""
    r_ = np.maximum(r, 1e-6)
    arc = Y + r * np.sin(np.pi / 4 + np.arcsin(np.clip((X - Y) / r_ / np.sqrt(2), -1, 1))) - r
    return np.where(np.less_equal(np.abs(X - Y), r), arc, np.minimum(X, Y))


def rounded_corner(orientation: float, r: float, angular_width: float = 90, size: int = 224,
                   **kwds: Any) -> np.ndarray:
    """A float [size, size, 3] image of a corner pointing at `orientation` degrees, its tip rounded
    with radius `r` pixels and its two edges `angular_width` degrees apart (90: a right angle).
    Other keywords go to `sample_binary_image` (colours, boundary_line, fading...)."""
    orientation = orientation * 2 * np.pi / 360. + np.pi / 2.
    angular_width = angular_width * 2 * np.pi / 360.
    ang1, ang2 = orientation - angular_width / 2., orientation + angular_width / 2. + np.pi

    @sample_binary_image(size, **kwds)
    def img(X, Y):
        X_, Y_ = np.cos(ang1) * X + np.sin(ang1) * Y, np.cos(ang2) * X + np.sin(ang2) * Y
        shift = r * (1 - 1 / np.sqrt(2.))
        return 10 * rmin(X_ + shift, Y_ + shift, r)
    return img
