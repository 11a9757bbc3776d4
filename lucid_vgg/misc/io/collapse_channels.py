"""Turn an array with many channels (e.g. NMF factors of activations) into an RGB picture: each
channel gets a hue evenly spaced around the colour wheel (Lucid's `collapse_channels`)."""
import math
from typing import Any

import numpy as np

#: The six corners of the hue wheel (red, yellow, green, cyan, blue, magenta), as unit vectors.
_HUE_CORNERS = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]], np.float64)
_HUE_CORNERS /= np.linalg.norm(_HUE_CORNERS, axis=1, keepdims=True)


def hue_to_rgb(ang: float, warp: bool = True) -> np.ndarray:
    """A unit-length RGB vector for the hue `ang` in degrees (any real; taken modulo 360).

    With `warp`, angles are pushed away from the primaries, so equally spaced angles give
    colours that are easier to tell apart."""
    try:
        ang = float(ang)
    except (TypeError, ValueError):
        raise TypeError("hue_to_rgb takes an angle in degrees (a real number), got %r." % (ang,)) from None
    if not math.isfinite(ang):
        raise ValueError("hue_to_rgb needs a finite angle in degrees, got %r." % ang)
    ang = ang % 360.0
    sector = 360.0 / len(_HUE_CORNERS)
    n = min(int(ang // sector), len(_HUE_CORNERS) - 1)
    d = (ang - n * sector) / sector
    if warp:
        bend = math.sin(d * math.pi / 2) if n % 2 == 0 else 1 - math.sin((1 - d) * math.pi / 2)
        d = bend
    v = (1 - d) * _HUE_CORNERS[n] + d * _HUE_CORNERS[(n + 1) % len(_HUE_CORNERS)]
    return v / np.linalg.norm(v)


def _as_channels(X: Any, who: str) -> np.ndarray:
    """X as a float array with a channel axis last; ValueError naming `who` for bad shapes/values."""
    try:
        X = np.asarray(X.numpy() if hasattr(X, "numpy") else X)
    except ValueError as err:  # ragged nested lists
        raise ValueError("%s takes an array [..., channels], got a ragged sequence (%s)." % (who, err)) from None
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise ValueError("%s takes a numeric array [..., channels], got dtype %s." % (who, X.dtype))
    if X.ndim < 1 or X.shape[-1] < 1:
        raise ValueError("%s takes an array [..., channels] with at least one channel (channels on the last "
                         "axis), got shape %s." % (who, X.shape))
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError("%s: the array holds %d NaN or infinite values." % (who, int((~np.isfinite(X)).sum())))
    return X


def sparse_channels_to_rgb(X: np.ndarray) -> np.ndarray:
    """RGB [..., 3] for a non-negative array [..., K]: channel i coloured with hue 360*i/K, the
    colour's length the L2 norm of the channels, washed towards white where several are active."""
    X = _as_channels(X, "sparse_channels_to_rgb")
    if (X < 0).any():
        raise ValueError("sparse_channels_to_rgb needs non-negative values (min %g); use collapse_channels, "
                         "which splits signed channels into positive and negative parts." % X.min())
    K = X.shape[-1]
    colors = np.stack([hue_to_rgb(360.0 * i / K) for i in range(K)])  # [K, 3]
    rgb = X @ colors
    rgb += (X.sum(-1) - X.max(-1))[..., None]  # the same amount on R, G and B: towards white
    rgb /= 1e-4 + np.linalg.norm(rgb, axis=-1, keepdims=True)
    rgb *= np.linalg.norm(X, axis=-1, keepdims=True)
    return rgb


def collapse_channels(X: np.ndarray) -> np.ndarray:
    """RGB [..., 3] for any array [..., K]; with negative values, the K channels become 2K
    (positive parts, then negated negative parts) before colouring."""
    X = _as_channels(X, "collapse_channels")
    if (X < 0).any():
        X = np.concatenate([np.maximum(0, X), np.maximum(0, -X)], axis=-1)
    return sparse_channels_to_rgb(X)
