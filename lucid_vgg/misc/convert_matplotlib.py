"""Render a matplotlib figure to an image array, e.g. to save or show a plot beside renders."""
import io
from typing import Any

import numpy as np


def matplotlib_to_numpy(plt: Any) -> np.ndarray:  # pylint: disable=redefined-outer-name
    """The current figure of `plt` (the pyplot module) or a Figure, as float RGB [h, w, 3] in [0, 1].

    The figure is rendered to PNG at its own size and dpi; a transparent background is
    composited over white."""
    import PIL.Image

    if not hasattr(plt, "savefig"):
        raise TypeError("matplotlib_to_numpy takes matplotlib.pyplot or a matplotlib Figure, got %s."
                        % type(plt).__name__)
    buf = io.BytesIO()
    plt.savefig(buf, format="png")
    buf.seek(0)
    with PIL.Image.open(buf) as image:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
    alpha = rgba[..., 3:]
    return rgba[..., :3] * alpha + (1.0 - alpha)
