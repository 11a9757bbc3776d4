"""What every notebook in this folder shares: quick mode, the output folder, the clock of the
closing cell, the photo they feed VGG16 and the figure display (image/png outputs, not HTML).

The notebooks import it from their own folder (Jupyter's and the test run's working directory).
"""
import os
import time
from typing import Optional, Sequence, Union

import numpy as np

# Set before any notebook imports TensorFlow: keep its C++ start-up log out of the outputs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: LUCID_VGG_QUICK=1 (what the test run sets) shrinks every notebook to a smoke test.
QUICK: bool = os.environ.get("LUCID_VGG_QUICK") == "1"

_started = time.time()


def output_root() -> str:
    """Where notebooks write their files: $LUCID_VGG_OUT, default ~/lucid_vgg_outputs."""
    return os.environ.get("LUCID_VGG_OUT", os.path.expanduser("~/lucid_vgg_outputs"))


def start_notebook(name: str) -> str:
    """Start the clock that `print_run_time` reads and return `name`'s output folder (created)."""
    global _started
    _started = time.time()
    out = os.path.join(output_root(), name)
    os.makedirs(out, exist_ok=True)
    return out


def print_run_time() -> None:
    """The closing cell's line: seconds since `start_notebook`, and whether quick mode was on."""
    print(f"notebook ran in {time.time() - _started:.0f} s (QUICK={QUICK})")


def square_photo(img: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop `img` to a square and resize it to `size` px, as float32 in [0, 1]."""
    import skimage.transform

    h, w = img.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    crop = img[top:top + s, left:left + s]
    return skimage.transform.resize(crop, (size, size), anti_aliasing=True).astype(np.float32)


def chelsea(size: int) -> np.ndarray:
    """scikit-image's photo of Chelsea the cat, centre-cropped to a `size` px square."""
    import skimage.data

    return square_photo(skimage.data.chelsea(), size)


ImageLike = Union[np.ndarray, Sequence[np.ndarray]]


def figure(images: ImageLike, labels: Optional[Sequence[str]] = None,
           max_width: int = 1000) -> np.ndarray:
    """One picture of `images`: a single image as it is, several as a grid with their labels
    below them, as many per row as fit in `max_width` px (labels wider than an image widen it)."""
    from lucid_vgg.misc.io import image_grid

    if isinstance(images, np.ndarray) and images.ndim in (2, 3):
        return _unit_range(images)
    images = [_unit_range(im) for im in images]
    cell = max(im.shape[1] for im in images)
    if labels is not None:
        import PIL.ImageFont

        font = PIL.ImageFont.load_default()
        cell = max([cell] + [int(font.getlength(str(label))) + 4 for label in labels])
        images = [_centred(im, cell) for im in images]
    columns = max(1, min(len(images), max_width // (cell + 2)))
    return image_grid(images, n_cols=columns, labels=labels)


def _unit_range(image: np.ndarray) -> np.ndarray:
    """Float32 in [0, 1]: uint8 scaled, floats clipped (as lucid_vgg's `show` does)."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _centred(image: np.ndarray, width: int) -> np.ndarray:
    """`image` in the middle of a white strip `width` px wide (room for a long label)."""
    if image.ndim == 2:
        image = image[..., None].repeat(3, -1)
    pad = width - image.shape[1]
    if pad <= 0:
        return image
    return np.pad(image, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)), constant_values=1.0)


def show_figure(images: ImageLike, labels: Optional[Sequence[str]] = None,
                format: str = "png") -> None:
    """Display `figure(images, labels)` through lucid_vgg's `show`: one image/png (or image/jpeg)
    output in a kernel, Jupyter's standard, which GitHub and nbviewer render; text elsewhere."""
    from lucid_vgg.misc.io import showing

    showing.image(figure(images, labels), format=format)
