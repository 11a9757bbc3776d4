"""Turn numpy arrays into 8-bit images (validated) and encoded image bytes.

Shared by `save` (strict: bad values are errors) and `show` (lenient: out-of-range
values are clipped with a warning, as in Lucid).
"""
import base64
import io as _io
import logging
from typing import Any, Optional, Sequence

import numpy as np

log = logging.getLogger(__name__)

# Float images may overshoot [0, 1] by rounding noise this small without complaint.
_TOLERANCE = 1e-6


def _as_array(thing):
    """Return `thing` (numpy array, tf.Tensor, PIL image or nested list) as a numpy array."""
    if hasattr(thing, "getbands") and hasattr(thing, "mode"):  # PIL image: palette etc. -> RGB(A)
        if thing.mode not in ("L", "LA", "RGB", "RGBA"):
            alpha = "A" in thing.getbands() or "transparency" in thing.info
            thing = thing.convert("RGBA" if alpha else "RGB")
        return np.asarray(thing)
    if hasattr(thing, "numpy") and callable(thing.numpy):
        thing = thing.numpy()
    return np.asarray(thing)


def _image_shape(array):
    """Drop a leading batch axis of 1 and a trailing channel axis of 1; check the rank."""
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 4:
        raise ValueError(
            "Expected one image but got a batch of %d (shape %s); pick one (x[0]) or make a "
            "grid with image_grid(x)." % (array.shape[0], array.shape))
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (2, 3, 4)):
        raise ValueError(
            "Expected an image of shape [h, w], [h, w, 1], [h, w, 3] or [h, w, 4], got shape %s."
            % (array.shape,))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError("Cannot make an image of empty shape %s." % (array.shape,))
    return array


def _normalize_array(array, domain=None, strict=True):
    """Convert an image array to uint8 [h, w(, c)].

    Floats are read in `domain` (default (0, 1)); uint8 passes unchanged; other integers
    must lie in 0..255. NaN/inf always raise. Out-of-range values raise if `strict`,
    otherwise they are clipped with a warning.
    """
    array = _image_shape(_as_array(array))
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError("Cannot make an image from an array of dtype %s." % array.dtype)

    lo: float  # the image's extremes: ints for integer images, floats for float ones
    hi: float
    if np.issubdtype(array.dtype, np.integer):
        lo, hi = int(array.min()), int(array.max())
        if lo < 0 or hi > 255:
            msg = ("Integer image values must lie in 0..255 (as uint8), got min %d, max %d; "
                   "convert to float in [0, 1] or uint8 first." % (lo, hi))
            if strict:
                raise ValueError(msg)
            log.warning(msg + " Clipping.")
        return np.clip(array, 0, 255).astype(np.uint8)

    array = array.astype(np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        raise ValueError("Image contains %d NaN or infinite values; cannot convert it to pixels."
                         % int((~finite).sum()))
    d_lo, d_hi = (0.0, 1.0) if domain is None else (float(domain[0]), float(domain[1]))
    if not d_hi > d_lo:
        raise ValueError("domain must be (low, high) with high > low, got %r." % (domain,))
    lo, hi = float(array.min()), float(array.max())
    slack = _TOLERANCE * (d_hi - d_lo)
    if lo < d_lo - slack or hi > d_hi + slack:
        msg = ("Float image values must lie in [%g, %g], got min %g, max %g. Clip them "
               "(np.clip(x, %g, %g)) or pass domain=(low, high) to rescale."
               % (d_lo, d_hi, lo, hi, d_lo, d_hi))
        if strict:
            raise ValueError(msg)
        log.warning(msg + " Clipping.")
    scaled = (np.clip(array, d_lo, d_hi) - d_lo) * (255.0 / (d_hi - d_lo))
    return np.rint(scaled).astype(np.uint8)


def _serialize_normalized_array(array, fmt="png", quality=90):
    """Encode a uint8 image array as PNG/JPEG bytes with PIL."""
    import PIL.Image

    fmt = fmt.lower()
    fmt = "jpeg" if fmt == "jpg" else fmt
    image = PIL.Image.fromarray(array)
    if fmt == "jpeg" and image.mode in ("RGBA", "LA"):
        log.warning("JPEG has no alpha channel; dropping it.")
        image = image.convert("RGB" if image.mode == "RGBA" else "L")
    buf = _io.BytesIO()
    if fmt == "jpeg":
        image.save(buf, "jpeg", quality=quality)
    else:
        image.save(buf, fmt)
    return buf.getvalue()


def serialize_array(array: Any, domain: Optional[Sequence[float]] = None, fmt: str = "png",
                    quality: int = 90, strict: bool = True) -> bytes:
    """Encode an image array (float in `domain`, default [0, 1], or uint8) as image bytes."""
    return _serialize_normalized_array(_normalize_array(array, domain, strict), fmt, quality)


#: NumPy dtypes that have a JavaScript TypedArray of the same layout.
JS_ARRAY_TYPES = frozenset({"int8", "int16", "int32", "uint8", "uint16", "uint32", "float32",
                            "float64"})


def array_to_jsbuffer(array: np.ndarray) -> str:
    """A JavaScript expression that rebuilds 1-d `array` as a TypedArray (its bytes in base64).

    Lucid's way of handing arrays to notebook widgets: base64 is far smaller and faster to parse
    than a JSON list of numbers.
    """
    array = np.asarray(array)
    if array.ndim != 1:
        raise TypeError(f"array_to_jsbuffer takes a 1-d array, got shape {array.shape}.")
    if array.dtype.name not in JS_ARRAY_TYPES:
        raise TypeError(f"array_to_jsbuffer cannot send dtype {array.dtype.name}; "
                        f"allowed: {', '.join(sorted(JS_ARRAY_TYPES))}.")
    js_type = array.dtype.name.capitalize() + "Array"
    data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")
    return ("(function() {\n"
            f'  const text = atob("{data}");\n'
            "  const bytes = new Uint8Array(text.length);\n"
            "  for (let i = 0; i < text.length; ++i) bytes[i] = text.charCodeAt(i);\n"
            f"  return {js_type} === Uint8Array ? bytes : new {js_type}(bytes.buffer);\n"
            "})()")
