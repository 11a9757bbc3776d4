"""Stochastic image transforms a visualisation should be robust to (Lucid's ``optvis.transform``).

Each factory takes its configuration and returns ``t_image -> t_image`` for a float32
``[batch, h, w, c]`` tensor (h, w may be dynamic), usable inside a ``tf.function``. Random
transforms take an op-level ``seed``: with it, the sequence of draws is reproducible across
processes (each run of the op still draws anew, so every optimisation step differs).

Arguments are checked when a transform is built (finite numbers, ``pad`` at most ``MAX_PAD`` px
a side, scales in (0, ``MAX_SCALE``]); each transform also carries size rules
(``transform_size``) so a render can refuse, before tracing, transforms that shrink its image
below what the model's layers need.

Differences from Lucid (opt-in only): ``random_rotate(..., interpolation="BILINEAR")`` (Lucid:
nearest-neighbour) and ``random_rotate(..., exact_pi=True)`` (Lucid: degrees times 3.14 / 180).
"""
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import numpy as np
import tensorflow as tf
from tensorflow.types.experimental import TensorLike

from lucid_vgg.optvis import render_step
from lucid_vgg.optvis.param.random import image_sample
from lucid_vgg.optvis.param.resize_bilinear_nd import resize_bilinear_v1
from lucid_vgg.optvis.transform_size import (CropRule, FixedRule, PadRule, ScaleRule, size_rules,
                                             with_size_rules)

Transform = Callable[[TensorLike], tf.Tensor]
"""What every factory here returns: ``t_image -> t_image`` on a ``[batch, h, w, c]`` batch."""

_PAD_MODES = ("REFLECT", "SYMMETRIC", "CONSTANT")
MAX_PAD = 1024
"""Largest ``pad`` width a side: wider pads only cost memory (pad(20000) makes 128 px 40128 px)."""
MAX_SCALE = 10.0
"""Largest ``random_scale`` factor: larger ones only cost memory (Lucid's scales are ~0.9-1.1)."""
_ANGLE_UNITS = ("degrees", "radians", "rads", "rad")


def _as_image(t: TensorLike) -> tf.Tensor:
    """The input as a tensor (float32 unless already a float tensor)."""
    return tf.convert_to_tensor(t, dtype_hint=tf.float32)


def _nonnegative_int(value: object, name: str) -> int:
    """``value`` as int if it is an integer >= 0, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def _positive_int(value: object, name: str) -> int:
    """``value`` as int if it is an integer > 0, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _choices(xs: Iterable[float], name: str, allowed: str) -> list[float]:
    """A non-empty list of finite numbers to draw from uniformly (``allowed`` says which)."""
    try:
        values = [float(x) for x in xs]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a non-empty sequence of numbers, got {xs!r}")
    if not values:
        raise ValueError(f"{name} must be a non-empty sequence of numbers, got an empty one")
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{name} must all be finite numbers ({allowed}), got {bad[0]!r} in "
                         f"{values!r}")
    return values


def _rand_select(xs: Sequence[float], seed: int | None = None) -> tf.Tensor:
    """Draw one element of the list ``xs`` uniformly at random (a scalar float32 tensor)."""
    xs = list(xs)
    index = tf.random.uniform((), 0, len(xs), tf.int32, seed=seed)
    return tf.constant(xs, tf.float32)[index]


_ROTATE_INTERPOLATIONS = ("NEAREST", "BILINEAR")
LUCID_PI = 3.14
"""The pi in Lucid's degree-to-radian factor (``random_rotate`` uses it unless ``exact_pi=True``)."""


def _angle2rads(angle: TensorLike, units: str, exact_pi: bool = False) -> tf.Tensor:
    """Convert ``angle`` in ``units`` (degrees or radians) to radians.

    Degrees use Lucid's factor ``3.14 / 180`` (computed as Lucid does, ``3.14 * angle / 180``)
    unless ``exact_pi``, which uses ``math.pi / 180``.
    """
    angle = tf.cast(angle, tf.float32)
    if units.lower() == "degrees":
        if exact_pi:
            return angle * (math.pi / 180.0)
        return LUCID_PI * angle / 180.0
    return angle


def jitter(d: int, seed: int | None = None) -> Transform:
    """Randomly crop ``d`` pixels off the height and width (a random translation of up to d)."""
    d = _nonnegative_int(d, "jitter d")

    def inner(t_image: TensorLike) -> tf.Tensor:
        t_image = _as_image(t_image)
        if t_image.shape.rank is not None and t_image.shape.rank < 3:
            raise ValueError(f"jitter needs an image tensor [batch, h, w, c], got shape {t_image.shape}")
        static = t_image.shape.as_list()
        small = [s for s in static[-3:-1] if s is not None and s <= d]
        if small:
            raise ValueError(f"jitter({d}) crops {d} pixels, but the image is only "
                             f"{static[-3]}x{static[-2]} at this point: use a smaller "
                             "jitter or a larger image (or pad before jittering)")
        shp = tf.shape(t_image)
        crop_shape = tf.concat([shp[:-3], shp[-3:-1] - d, shp[-1:]], 0)
        crop = tf.image.random_crop(t_image, crop_shape, seed=seed)
        if static:
            crop.set_shape(static[:-3] + [None if s is None else s - d for s in static[-3:-1]]
                           + static[-1:])
        return crop

    return with_size_rules(inner, (CropRule(f"jitter({d})", d),))


def pad(w: int, mode: str = "REFLECT", constant_value: float | Literal["uniform"] = 0.5,
        seed: int | None = None) -> Transform:
    """Pad height and width by ``w`` on each side; ``mode`` REFLECT, SYMMETRIC or CONSTANT.

    With CONSTANT, ``constant_value`` is the fill, or ``"uniform"`` for a random fill in
    [0, 1) drawn each run.
    """
    w = _nonnegative_int(w, "pad w")
    if w > MAX_PAD:
        raise ValueError(f"pad w={w} is more than the limit of {MAX_PAD} px a side (allowed: "
                         f"0..{MAX_PAD}); a wider pad only costs memory: Lucid pads 12-16 px")
    if not isinstance(mode, str) or mode.upper() not in _PAD_MODES:
        raise ValueError(f"pad mode must be one of {', '.join(_PAD_MODES)} (any case), got {mode!r}")
    mode = mode.upper()
    if not (constant_value == "uniform" or isinstance(constant_value, numbers.Real)):
        raise ValueError(f"pad constant_value must be a number or 'uniform', got {constant_value!r}")
    if constant_value != "uniform" and not math.isfinite(float(constant_value)):
        raise ValueError("pad constant_value must be a number or 'uniform', got "
                         f"{constant_value!r}: use a finite fill (0.5 is mid-grey)")
    rule = PadRule(f"pad({w}, mode={mode!r})", w, mode)

    def inner(t_image: TensorLike) -> tf.Tensor:
        t_image = _as_image(t_image)
        static = t_image.shape.as_list()[-3:-1] if t_image.shape.rank else []
        for axis, side in enumerate(static):
            if side is not None and rule.refuses(side, axis):
                raise ValueError(f"{rule.refusal((static[0], static[1]))}: "
                                 f"{rule.allowed(side, 1, axis)}")
        if constant_value == "uniform":
            value = tf.random.uniform([], 0, 1, seed=seed, dtype=t_image.dtype)
        else:
            value = tf.cast(constant_value, t_image.dtype)
        return tf.pad(t_image, [(0, 0), (w, w), (w, w), (0, 0)], mode=mode,
                      constant_values=value)

    return with_size_rules(inner, (rule,))


def random_scale(scales: Sequence[float], seed: int | None = None) -> Transform:
    """Resize height and width by a factor drawn from ``scales`` (TF1 bilinear, as Lucid)."""
    scales = _choices(scales, "random_scale scales", f"allowed: (0, {MAX_SCALE:g}]")
    if any(s <= 0 or s > MAX_SCALE for s in scales):
        raise ValueError(f"random_scale scales must all be > 0 and at most {MAX_SCALE:g} (allowed: "
                         f"(0, {MAX_SCALE:g}]), got {scales!r}")
    smallest = min(scales)

    def inner(t: TensorLike) -> tf.Tensor:
        t = _as_image(t)
        scale = _rand_select(scales, seed=seed)
        size = tf.cast(scale * tf.cast(tf.shape(t)[-3:-1], tf.float32), tf.int32)
        return resize_bilinear_v1(t, size)

    return with_size_rules(inner, (ScaleRule(f"random_scale with smallest scale {smallest:g}",
                                             smallest),))


def _rotation_transform(angle: tf.Tensor, h: TensorLike, w: TensorLike) -> tf.Tensor:
    """Flat projective transform (output -> input coordinates) rotating about the image centre."""
    c, s = tf.cos(angle), tf.sin(angle)
    wf = tf.cast(w, tf.float32) - 1
    hf = tf.cast(h, tf.float32) - 1
    x_offset = (wf - (c * wf - s * hf)) / 2.0
    y_offset = (hf - (s * wf + c * hf)) / 2.0
    zero = tf.zeros_like(c)
    return tf.stack([c, -s, x_offset, s, c, y_offset, zero, zero])[None, :]


def _rotate_interpolation(interpolation: object) -> str:
    """``interpolation`` upper-cased if it is NEAREST or BILINEAR (any case), else a ValueError."""
    if not isinstance(interpolation, str) or interpolation.upper() not in _ROTATE_INTERPOLATIONS:
        raise ValueError("rotate interpolation must be one of "
                         f"{', '.join(_ROTATE_INTERPOLATIONS)} (any case), got {interpolation!r}")
    return interpolation.upper()


def rotate(t_image: TensorLike, angle: TensorLike, interpolation: str = "NEAREST") -> tf.Tensor:
    """Rotate a [b, h, w, c] batch counter-clockwise by ``angle`` radians about its centre.

    Samples like ``tf.contrib.image.rotate`` (what Lucid used): ``interpolation`` "NEAREST"
    (its default; rounds half away from zero) or "BILINEAR"; pixels from outside are zero.
    """
    interpolation = _rotate_interpolation(interpolation)
    t_image = _as_image(t_image)
    shp = tf.shape(t_image)
    transform = _rotation_transform(tf.cast(angle, tf.float32), shp[1], shp[2])
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=t_image, transforms=transform, output_shape=shp[1:3],
        fill_value=tf.constant(0.0, tf.float32), interpolation=interpolation, fill_mode="CONSTANT")
    out.set_shape(t_image.shape)
    return out


def random_rotate(angles: Sequence[float], units: str = "degrees", seed: int | None = None,
                  interpolation: str = "NEAREST", exact_pi: bool = False) -> Transform:
    """Rotate the whole batch counter-clockwise by an angle drawn from ``angles``, as Lucid does.

    ``units`` is "degrees" or "radians" ("rads"/"rad"). By default this is Lucid's rotation:
    nearest-neighbour sampling (``tf.contrib.image.rotate``'s default) and degrees converted
    with Lucid's factor ``3.14 / 180`` (0.05% short of pi: 10 degrees turn 9.995). Zero fill.
    Options beyond Lucid (differences from Lucid when set): ``interpolation="BILINEAR"``
    samples bilinearly (smoother, and a gradient that reaches all four neighbours);
    ``exact_pi=True`` converts degrees with ``math.pi / 180``.
    """
    angles = _choices(angles, "random_rotate angles", "allowed: any finite angle")
    if not isinstance(units, str) or units.lower() not in _ANGLE_UNITS:
        raise ValueError(f"random_rotate units must be one of {', '.join(_ANGLE_UNITS)}, got {units!r}")
    interpolation = _rotate_interpolation(interpolation)
    if not isinstance(exact_pi, bool):
        raise ValueError(f"random_rotate exact_pi must be True or False, got {exact_pi!r}")

    def inner(t: TensorLike) -> tf.Tensor:
        angle = _angle2rads(_rand_select(angles, seed=seed), units, exact_pi)
        return rotate(t, angle, interpolation)

    return with_size_rules(inner, ())


def normalize_gradient(grad_scales: Sequence[float] | np.ndarray | None = None) -> Transform:
    """Identity whose gradient is divided by its per-example L2 norm (then times ``grad_scales``).

    A zero gradient stays zero (Lucid would give NaN there).
    """
    scales = None if grad_scales is None else np.asarray(grad_scales, np.float32)
    if scales is not None and scales.ndim != 1:
        raise ValueError("normalize_gradient grad_scales must be a 1-d sequence (one per "
                         f"batch element) or None, got shape {scales.shape}")
    if scales is not None and not np.isfinite(scales).all():
        raise ValueError("normalize_gradient grad_scales must all be finite numbers, got "
                         f"{grad_scales!r}")

    @tf.custom_gradient
    def _normalized(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        def grad(dy: tf.Tensor) -> tf.Tensor:
            norm = tf.sqrt(tf.reduce_sum(dy ** 2, [1, 2, 3], keepdims=True))
            if scales is not None:
                dy = dy * scales[:, None, None, None]
            return tf.math.divide_no_nan(dy, norm)
        return tf.identity(x), grad

    def inner(x: TensorLike) -> tf.Tensor:
        return _normalized(_as_image(x))

    return with_size_rules(inner, ())


def compose(transforms: Iterable[Transform]) -> Transform:
    """Apply ``transforms`` in order, as one transform."""
    transforms = list(transforms)
    for t in transforms:
        if not callable(t):
            raise ValueError(f"compose takes a list of callables t_image -> t_image, got {t!r}")

    def inner(x: TensorLike) -> tf.Tensor:
        for transform in transforms:
            x = transform(x)
        return x

    rules = size_rules(transforms)
    return inner if rules is None else with_size_rules(inner, rules)


def until_step(n: int, transforms: Iterable[Transform]) -> Transform:
    """Apply ``transforms`` during a render's first ``n`` steps, then pass the image unchanged.

    A schedule beyond Lucid: the last steps of a render optimise the image exactly as it is
    shown, which the fast preset (``presets.fast``) uses to finish in fewer steps. It reads the
    render's step counter, so it only works inside ``render_vis`` / ``make_vis_T``."""
    n = _positive_int(n, "until_step n")
    transforms = list(transforms)
    composed = compose(transforms)

    def inner(t_image: TensorLike) -> tf.Tensor:
        t_image = _as_image(t_image)
        return tf.cond(render_step.current() < n, lambda: composed(t_image), lambda: t_image)

    # the pre-trace size check covers the transformed branch; the other keeps the size
    rules = size_rules(transforms)
    return inner if rules is None else with_size_rules(inner, rules)


def collapse_alpha_random(sd: float = 0.5, seed: int | None = None) -> Transform:
    """Composite an RGBA image over a fresh random natural-looking background, giving RGB."""

    def inner(t_image: TensorLike) -> tf.Tensor:
        t_image = _as_image(t_image)
        depth = t_image.shape[-1] if t_image.shape.rank is not None else None
        if depth is not None and depth != 4:
            raise ValueError(f"collapse_alpha_random needs an RGBA image (4 channels, e.g. "
                             f"param.image(size, alpha=True)); got shape {t_image.shape}")
        rgb, a = t_image[..., :3], t_image[..., 3:4]
        static = rgb.shape.as_list()
        dynamic = tf.unstack(tf.shape(rgb))
        shape = [s if s is not None else d for s, d in zip(static, dynamic)]
        background = image_sample(shape, sd=sd, seed=seed)
        return a * rgb + (1 - a) * background

    return with_size_rules(inner, ())


def crop_or_pad_to(height: int, width: int) -> Transform:
    """Centre-crop or zero-pad to exactly ``height`` x ``width`` (for nets with a fixed input size)."""
    height = _positive_int(height, "crop_or_pad_to height")
    width = _positive_int(width, "crop_or_pad_to width")

    def inner(t_image: TensorLike) -> tf.Tensor:
        return tf.image.resize_with_crop_or_pad(_as_image(t_image), height, width)

    rule = FixedRule(f"crop_or_pad_to({height}, {width})", (height, width))
    return with_size_rules(inner, (rule,))


standard_transforms: list[Transform] = [
    pad(12, mode="constant", constant_value=.5),
    jitter(8),
    random_scale([1 + (i - 5) / 50. for i in range(11)]),
    random_rotate(list(range(-10, 11)) + 5 * [0]),
    jitter(4),
]
