"""`load(url_or_handle)`: read a local file, URL or open handle into a convenient Python object,
chosen by extension (Lucid's `lucid.misc.io.loading`).

Images become float32 [h, w, 3] (or [h, w, 4] with alpha) in [0, 1]; `.pb` becomes a
`tf.compat.v1.GraphDef` (TensorFlow is imported only then). Paths and URLs are read through
`reading.read_handle` (remote files are cached); a trailing `.xz` or `.gz` is decompressed.
Pickles are read only on opt-in.
"""
import gzip
import io
import json
import logging
import lzma
import os
import pickle
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .reading import REMOTE_SCHEMES, _scheme, read_handle
from .scoping import current_io_scopes, set_io_scopes

log = logging.getLogger(__name__)


def _name(handle: Any) -> str:
    name = getattr(handle, "name", None)
    return name if isinstance(name, str) else "<handle>"


def _pickle_error(where, err):
    return ValueError("%s holds pickled Python objects (%s); pass allow_pickle=True (or "
                      "allow_unsafe_formats=True) only if you trust the file." % (where, str(err).rstrip(".")))


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


def _load_img(handle, resize=None, target_dtype=np.float32, **kwargs):
    """Decode an image into [h, w, 3|4] in [0, 1] (`target_dtype`), optionally resized to (w, h)."""
    del kwargs
    import PIL.Image

    try:
        with PIL.Image.open(handle) as image:
            image.load()  # force a full decode now, so truncation shows up here
            if image.mode.startswith("I;16") or image.mode == "I":
                # 16-bit greyscale: keep the precision by going through float ("F") mode.
                image, scale = image.convert("F"), 65535.0
            else:
                has_alpha = "A" in image.getbands() or "transparency" in image.info
                image, scale = image.convert("RGBA" if has_alpha else "RGB"), 255.0
    except (OSError, SyntaxError, ValueError, PIL.Image.DecompressionBombError) as err:
        raise ValueError("Could not read image %s: %s (the file is corrupt, truncated or not an "
                         "image)." % (_name(handle), err)) from err
    if resize is not None:
        # Pillow's type hints lack the module-level LANCZOS it defines at run time (= Resampling.LANCZOS)
        image = image.resize(_resize_size(resize), resample=PIL.Image.LANCZOS)  # type: ignore[attr-defined]
    pixels = np.divide(np.asarray(image), scale, dtype=target_dtype)
    if pixels.ndim == 2:
        pixels = np.repeat(np.clip(pixels, 0, 1)[..., None], 3, axis=-1)
    return pixels


def _load_npy(handle, allow_pickle=False, **kwargs):
    """Load one array from .npy."""
    del kwargs
    try:
        return np.load(handle, allow_pickle=allow_pickle)
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(_name(handle), err) from err
        raise


def _load_npz(handle, allow_pickle=False, **kwargs):
    """Load every array of an .npz into a dict (read now, so nothing depends on the handle later)."""
    del kwargs
    try:
        with np.load(handle, allow_pickle=allow_pickle) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(_name(handle), err) from err
        raise


def _load_json(handle, **kwargs):
    """Load a JSON file as Python objects."""
    return json.load(handle, **kwargs)


def _load_text(handle, split=False, encoding="utf-8", **kwargs):
    """Load a text file as one string, or a list of lines if `split`."""
    del kwargs
    text = handle.read().decode(encoding)
    return text.splitlines() if split else text


def _load_graphdef_protobuf(handle, **kwargs):
    """A frozen graph as a tf.compat.v1.GraphDef, through modelzoo's one strict .pb parser (a file
    on disk is also checked against its sidecar; CorruptGraphError, a ValueError, says what is wrong)."""
    del kwargs
    from modelzoo.util import load_graphdef, parse_graph_def  # imports TensorFlow: only for a .pb

    name = _name(handle)
    if isinstance(handle, io.BufferedReader) and os.path.isfile(name):
        return load_graphdef(name, reset_device=False)
    return parse_graph_def(handle.read(), name)


def _load_pickle(handle, **kwargs):
    """Unpickle a Python object (only reached with allow_unsafe_formats=True)."""
    return pickle.load(handle, **kwargs)


def _decompressed(handle, decompress, kind):
    """The decompressed content of `handle` as an in-memory handle named without the suffix."""
    name = _name(handle)
    try:
        out = io.BytesIO(decompress(handle.read()))
    except (lzma.LZMAError, OSError, EOFError) as err:
        raise ValueError("Could not decompress %s: %s (not valid %s data, or truncated)." % (name, err, kind)) from err
    out.name = os.path.splitext(name)[0]
    return out


def _decompress_xz(handle, **kwargs):
    """An in-memory handle on the xz-decompressed content of `handle`."""
    del kwargs
    return _decompressed(handle, lambda data: lzma.decompress(data, format=lzma.FORMAT_XZ), "xz")


def _decompress_gz(handle, **kwargs):
    """An in-memory handle on the gzip-decompressed content of `handle`."""
    del kwargs
    return _decompressed(handle, gzip.decompress, "gzip")


loaders: Dict[str, Callable[..., Any]] = {
    ".png": _load_img, ".jpg": _load_img, ".jpeg": _load_img, ".webp": _load_img,
    ".npy": _load_npy, ".npz": _load_npz, ".json": _load_json,
    ".txt": _load_text, ".md": _load_text, ".html": _load_text, ".pb": _load_graphdef_protobuf,
}
unsafe_loaders: Dict[str, Callable[..., Any]] = {".pickle": _load_pickle, ".pkl": _load_pickle}
decompressors: Dict[str, Callable[..., Any]] = {".xz": _decompress_xz, ".gz": _decompress_gz}


def is_handle(url_or_handle: Any) -> bool:
    """Whether `url_or_handle` is an open file-like object with a name (not a path or URL)."""
    return hasattr(url_or_handle, "read") and hasattr(url_or_handle, "name")


def _get_extension(url_or_handle: Any) -> Tuple[str, Optional[str]]:
    """(format extension, decompressor extension or None), lower case; ValueError if there is none."""
    name = _name(url_or_handle) if is_handle(url_or_handle) else url_or_handle
    stem, ext = os.path.splitext(name.split("?")[0])
    ext, decompressor_ext = ext.lower(), None
    if ext in decompressors:
        decompressor_ext, ext = ext, os.path.splitext(stem)[1].lower()
    if not ext:
        raise ValueError("Cannot load %r: no file extension, so no format to read it as. Supported "
                         "extensions: %s." % (name, ", ".join(sorted(loaders))))
    return ext, decompressor_ext


def _load_urls(urls: Sequence[Any], cache: Any = None, **kwargs: Any) -> List[Any]:
    """Load many URLs on a thread pool (the caller's io_scopes apply); the result list holds, in
    order, each object or the exception its load raised (also logged), as Lucid's does."""
    if not urls:
        return []
    scopes = list(current_io_scopes())
    results: Dict[int, Any] = {}

    def _do_load(url):
        set_io_scopes(list(scopes))
        return load(url, cache=cache, **kwargs)

    with ThreadPoolExecutor(max_workers=8) as executor:
        futures = {executor.submit(_do_load, url): i for i, url in enumerate(urls)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception as exc:  # pylint: disable=broad-except  (returned in its place)
                results[i] = exc
                log.error("Loading %s raised %s: %s", urls[i], type(exc).__name__, exc)
    return [results[i] for i in range(len(urls))]


def _check_loader_args(loader: Callable[..., Any], ext: str, resize: Any) -> None:
    if resize is not None:
        if loader not in (_load_img, _load_unknown_as_image):
            raise ValueError("resize= only applies to images, not %s files." % ext)
        _resize_size(resize)


def _loader_for(ext: str, unsafe: bool, where: str) -> Callable[..., Any]:
    """The loader for `ext`; unknown extensions are tried as images (as Lucid does)."""
    if ext in loaders:
        return loaders[ext]
    if ext in unsafe_loaders:
        if not unsafe:
            raise ValueError("Cannot load %r: %s files are pickles, which can run code when loaded; pass "
                             "allow_unsafe_formats=True only if you trust the file." % (where, ext))
        return unsafe_loaders[ext]
    return _load_unknown_as_image


def _load_unknown_as_image(handle, **kwargs):
    """Lucid's fallback for an unknown extension: read it as an image if it is one."""
    try:
        return _load_img(handle, **kwargs)
    except ValueError:
        ext = os.path.splitext(_name(handle))[1].lower()
        raise ValueError("Cannot load %r: unknown extension %r, and it is not an image either. Supported "
                         "extensions: %s." % (_name(handle), ext, ", ".join(sorted(loaders)))) from None


def load(url_or_handle: Any, allow_unsafe_formats: bool = False, cache: Any = None,
         resize: Optional[Union[int, Sequence[int]]] = None, allow_pickle: bool = False,
         **kwargs: Any) -> Any:
    """Load a local path, URL (http(s)://, gs://, file://; see `reading.read_handle` for `cache`),
    open handle with a name, or a list of those (loaded in parallel), choosing the reader from
    the extension; a trailing '.xz' or '.gz' is decompressed first.

    `resize` (images only) is an int n for n x n or a (width, height) pair; Lucid's `size=` is
    accepted too. Pickles (.pkl, .pickle, object arrays in .npy/.npz) are refused unless
    `allow_unsafe_formats=True` (or `allow_pickle=True`). A missing file raises
    FileNotFoundError naming it; an unreachable URL DownloadError naming it and why.
    """
    if isinstance(url_or_handle, (list, tuple)):
        return _load_urls(url_or_handle, cache=cache, resize=resize, allow_pickle=allow_pickle,
                          allow_unsafe_formats=allow_unsafe_formats, **kwargs)
    if not is_handle(url_or_handle):
        if hasattr(url_or_handle, "read"):
            raise TypeError("load() of an open handle needs one with a name (its extension picks the "
                            "format), such as open(path, 'rb').")
        url_or_handle = os.fspath(url_or_handle)
    if "size" in kwargs:
        if resize is not None:
            raise TypeError("Pass only one of resize= and size=.")
        resize = kwargs.pop("size")
    ext, decompressor_ext = _get_extension(url_or_handle)
    unsafe = bool(allow_unsafe_formats or allow_pickle)
    loader = _loader_for(ext, unsafe, url_or_handle if isinstance(url_or_handle, str) else _name(url_or_handle))
    _check_loader_args(loader, ext, resize)
    if resize is not None:
        kwargs["resize"] = resize
    if loader in (_load_npy, _load_npz):
        kwargs["allow_pickle"] = unsafe
    decompressor = decompressors[decompressor_ext] if decompressor_ext else None
    log.debug("loading %s with %s", _name(url_or_handle) if is_handle(url_or_handle) else url_or_handle,
              loader.__name__)
    return load_using_loader(url_or_handle, decompressor, loader, cache, **kwargs)


def _apply(handle: Any, decompressor: Optional[Callable[..., Any]], loader: Callable[..., Any],
           **kwargs: Any) -> Any:
    return loader(decompressor(handle) if decompressor else handle, **kwargs)


def load_using_loader(url_or_handle: Any, decompressor: Optional[Callable[..., Any]],
                      loader: Callable[..., Any], cache: Any, **kwargs: Any) -> Any:
    """Open `url_or_handle` (unless it is a handle), decompress and load it with `loader`. A remote
    file that fails to decode is downloaded once more (its cached copy may be stale or damaged)."""
    if is_handle(url_or_handle):
        return _apply(url_or_handle, decompressor, loader, **kwargs)
    with read_handle(url_or_handle, cache=cache) as handle:
        if _scheme(url_or_handle) not in REMOTE_SCHEMES or cache is False:
            return _apply(handle, decompressor, loader, **kwargs)
        try:
            return _apply(handle, decompressor, loader, **kwargs)
        except ValueError as err:
            log.warning("Loading %s failed (%s); downloading it again once.", url_or_handle, err)
    with read_handle(url_or_handle, cache="purge") as handle:
        return _apply(handle, decompressor, loader, **kwargs)
