"""`image_grid`: tile many images into one array, optionally labelled under each cell.

Used for "every unit of a layer" overviews; the result can go straight to `show` or `save`.
"""
import math
from typing import Any, Optional, Sequence

import numpy as np

from .serialize_array import _as_array, _normalize_array


def _as_image_list(images):
    """Split a rank-4 batch or a list of arrays/tensors into a list of [h, w(, c)] arrays."""
    if isinstance(images, (list, tuple)):
        items = [_as_array(im) for im in images]
    else:
        batch = _as_array(images)
        if batch.ndim == 3 and batch.shape[-1] not in (1, 3, 4):  # [n, h, w] greyscale batch
            batch = batch[..., None]
        if batch.ndim != 4:
            raise ValueError("image_grid takes a list of images or a [n, h, w, c] batch, got "
                             "shape %s." % (batch.shape,))
        items = list(batch)
    if not items:
        raise ValueError("image_grid needs at least one image.")
    return items


def _to_rgba_like(pixels, channels):
    """Promote a uint8 [h, w(, c)] image to `channels` (3 or 4) channels."""
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.shape[-1] == 2:  # grey + alpha
        pixels = np.concatenate([np.repeat(pixels[..., :1], 3, -1), pixels[..., 1:]], -1)
    elif pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, -1)
    if channels == 4 and pixels.shape[-1] == 3:
        pixels = np.concatenate([pixels, np.full(pixels.shape[:2] + (1,), 255, np.uint8)], -1)
    return pixels


def _fit_label(draw, text, font, width):
    """Shorten `text` with an ellipsis until it fits in `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…" if text else ""


def image_grid(images: Any, n_cols: Optional[int] = None, labels: Optional[Sequence[Any]] = None,
               pad: int = 2, domain: Optional[Sequence[float]] = None) -> np.ndarray:
    """Tile images (float in [0, 1] / `domain`, or uint8) into one [H, W, 3|4] array.

    Cells are the size of the largest image (smaller ones centred), separated and
    surrounded by `pad` white pixels; `labels` are drawn under each cell in PIL's default
    font. Returns uint8 if every input is uint8, else float32 in [0, 1].
    """
    import PIL.Image
    import PIL.ImageDraw
    import PIL.ImageFont

    items = _as_image_list(images)
    all_uint8 = all(im.dtype == np.uint8 for im in items)
    pixels = []
    for i, im in enumerate(items):
        try:
            pixels.append(_normalize_array(im, domain=domain, strict=True))
        except (ValueError, TypeError) as err:
            raise type(err)("image_grid: image %d: %s" % (i, err)) from err
    channels = 4 if any(p.ndim == 3 and p.shape[-1] in (2, 4) for p in pixels) else 3
    pixels = [_to_rgba_like(p, channels) for p in pixels]

    n = len(pixels)
    if n_cols is None:
        n_cols = int(math.ceil(math.sqrt(n)))
    if int(n_cols) < 1:
        raise ValueError("n_cols must be at least 1, got %r." % (n_cols,))
    n_cols = min(int(n_cols), n)
    n_rows = int(math.ceil(n / n_cols))
    pad = int(pad)
    if pad < 0:
        raise ValueError("pad must be >= 0, got %d." % pad)
    if labels is not None:
        labels = [str(label) for label in labels]
        if len(labels) != n:
            raise ValueError("Got %d labels for %d images." % (len(labels), n))

    cell_h = max(p.shape[0] for p in pixels)
    cell_w = max(p.shape[1] for p in pixels)
    font = label_h = None
    if labels is not None:
        font = PIL.ImageFont.load_default()
        label_h = font.getbbox("Ag|")[3] + 2  # text starts 1px into the strip, 1px spare below
    row_h = cell_h + (label_h or 0)

    height = n_rows * row_h + (n_rows + 1) * pad
    width = n_cols * cell_w + (n_cols + 1) * pad
    canvas = np.full((height, width, channels), 255, np.uint8)
    for i, p in enumerate(pixels):
        r, c = divmod(i, n_cols)
        y = pad + r * (row_h + pad) + (cell_h - p.shape[0]) // 2
        x = pad + c * (cell_w + pad) + (cell_w - p.shape[1]) // 2
        canvas[y:y + p.shape[0], x:x + p.shape[1]] = p

    if labels is not None:
        image = PIL.Image.fromarray(canvas)
        draw = PIL.ImageDraw.Draw(image)
        ink = (0, 0, 0, 255) if channels == 4 else (0, 0, 0)
        for i, label in enumerate(labels):
            r, c = divmod(i, n_cols)
            y = pad + r * (row_h + pad) + cell_h + 1
            x = pad + c * (cell_w + pad)
            text = _fit_label(draw, label, font, cell_w)
            offset = (cell_w - draw.textlength(text, font=font)) / 2
            draw.text((x + max(offset, 0), y), text, fill=ink, font=font)
        canvas = np.asarray(image).copy()

    if all_uint8:
        return canvas
    return canvas.astype(np.float32) / 255.0
