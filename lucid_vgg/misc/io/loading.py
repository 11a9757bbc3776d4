"""`load(path)`: read a local file into a convenient Python object, chosen by extension.

Images become float32 [h, w, 3] (or [h, w, 4] with alpha) in [0, 1]; `.pb` becomes a
`tf.compat.v1.GraphDef`. TensorFlow is imported only when a `.pb` is loaded.
"""
import json
import logging
import os
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from modelzoo.fileio import PathLike

log = logging.getLogger(__name__)


def _pickle_error(path, err):
    return ValueError("%s holds pickled Python objects (%s); pass allow_pickle=True only if you "
                      "trust the file." % (path, str(err).rstrip(".")))


def _resize_size(resize):
    """Normalise `resize` (int n -> (n, n), or (w, h)) to a PIL size tuple."""
    size: Tuple[int, ...]
    if isinstance(resize, (int, np.integer)) and not isinstance(resize, bool):
        size = (int(resize), int(resize))
    else:
        try:
            size = tuple(int(v) for v in resize)
        except TypeError:
            size = ()
    if len(size) != 2 or min(size) < 1:
        raise ValueError("resize must be an int or a (width, height) pair of positive ints, "
                         "got %r." % (resize,))
    return size


def _load_img(path, resize=None, **kwargs):
    """Decode a PNG/JPEG into float32 [h, w, 3|4] in [0, 1], optionally resized to (w, h)."""
    del kwargs
    import PIL.Image

    try:
        with PIL.Image.open(path) as image:
            image.load()  # force a full decode now, so truncation shows up here
            mode = image.mode
            if mode.startswith("I;16") or mode == "I":
                # 16-bit greyscale: keep the precision by going through float ("F") mode.
                image = image.convert("F")
                scale = 65535.0
            else:
                has_alpha = "A" in image.getbands() or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
                scale = 255.0
    except (OSError, SyntaxError, ValueError, PIL.Image.DecompressionBombError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError("Could not read image %s: %s (the file is corrupt, truncated or not an "
                         "image)." % (path, err)) from err
    if resize is not None:
        # Pillow's type hints lack the module-level LANCZOS it defines at run time (= Resampling.LANCZOS)
        image = image.resize(_resize_size(resize), resample=PIL.Image.LANCZOS)  # type: ignore[attr-defined]
    pixels = np.divide(np.asarray(image), scale, dtype=np.float32)
    if pixels.ndim == 2:
        pixels = np.repeat(np.clip(pixels, 0, 1)[..., None], 3, axis=-1)
    return pixels


def _load_npy(path, allow_pickle=False, **kwargs):
    """Load one array from .npy."""
    del kwargs
    try:
        return np.load(path, allow_pickle=allow_pickle)
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(path, err) from err
        raise


def _load_npz(path, allow_pickle=False, **kwargs):
    """Load every array of an .npz into a dict (the file is closed afterwards)."""
    del kwargs
    try:
        with np.load(path, allow_pickle=allow_pickle) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(path, err) from err
        raise


def _load_json(path, **kwargs):
    """Load a JSON file as Python objects."""
    del kwargs
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _load_text(path, split=False, encoding="utf-8", **kwargs):
    """Load a text file as one string, or a list of lines if `split`."""
    del kwargs
    with open(path, encoding=encoding) as handle:
        text = handle.read()
    return text.splitlines() if split else text


def _load_graphdef_protobuf(path, **kwargs):
    """A frozen graph as a tf.compat.v1.GraphDef, through modelzoo's one strict .pb reader
    (sidecar check when there is one; CorruptGraphError, a ValueError, says what is wrong)."""
    del kwargs
    from modelzoo.util import load_graphdef  # imports TensorFlow: only when a .pb is loaded

    return load_graphdef(path, reset_device=False)


loaders = {
    ".png": _load_img,
    ".jpg": _load_img,
    ".jpeg": _load_img,
    ".npy": _load_npy,
    ".npz": _load_npz,
    ".json": _load_json,
    ".txt": _load_text,
    ".md": _load_text,
    ".html": _load_text,
    ".pb": _load_graphdef_protobuf,
}


def load(path: PathLike, resize: Optional[Union[int, Sequence[int]]] = None, allow_pickle: bool = False,
         **kwargs: Any) -> Any:
    """Load the local file `path`, choosing the reader from its extension.

    `resize` (images only) is an int n for n x n or a (width, height) pair; Lucid's `size=`
    is accepted too. Pickled objects in .npy/.npz are refused unless `allow_pickle=True`.
    """
    if hasattr(path, "read"):
        raise TypeError("load() takes a file path, not an open handle.")
    path = os.fspath(path)
    if "://" in path:
        raise ValueError("load() reads local files only; download %r first." % path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in loaders:
        raise ValueError("Cannot load %r: %s. Supported extensions: %s."
                         % (path, "unknown extension %r" % ext if ext else "no file extension",
                            ", ".join(sorted(loaders))))
    if "size" in kwargs:
        if resize is not None:
            raise TypeError("Pass only one of resize= and size=.")
        resize = kwargs.pop("size")
    loader = loaders[ext]
    if resize is not None and loader is not _load_img:
        raise ValueError("resize= only applies to images, not %s files." % ext)
    if not os.path.exists(path):
        raise FileNotFoundError("No such file: %r" % path)
    if loader is _load_img:
        return loader(path, resize=resize, **kwargs)
    if loader in (_load_npy, _load_npz):
        return loader(path, allow_pickle=allow_pickle, **kwargs)
    return loader(path, **kwargs)
