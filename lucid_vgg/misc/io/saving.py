"""`save(thing, url_or_handle)`: write an object to a local file or an open handle, the format
chosen by the extension (Lucid's `lucid.misc.io.saving`).

Writes to a path are atomic (temp file in the same directory, then os.replace) and joined onto
the current `io_scope`; a trailing `.xz` or `.gz` compresses. Pickle is written only on opt-in.
Each save returns a small dict describing what was written, captured by a `CaptureSaveContext`.
"""
import contextlib
import functools
import gzip
import io
import json
import logging
import lzma
import os
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .scoping import current_io_scopes, scope_url, set_io_scopes
from .serialize_array import _normalize_array, _serialize_normalized_array
from .writing import atomic_write_handle, check_local_destination

log = logging.getLogger(__name__)

#: What a saver returns: the format, the file ("url") and, for arrays, the shape.
SaveResult = Dict[str, Any]

_thread_locals = threading.local()
nullcontext = contextlib.nullcontext


class CaptureSaveContext:
    """Collects the result dict of every `save` made inside its `with` block (on this thread, and
    on `batch_save`'s workers) in `captured_saves`."""

    def __init__(self) -> None:
        self.captured_saves: List[SaveResult] = []

    def __enter__(self) -> "CaptureSaveContext":
        if getattr(_thread_locals, "save_contexts", None) is None:
            _thread_locals.save_contexts = []
        _thread_locals.save_contexts.append(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _thread_locals.save_contexts.pop()

    def capture(self, save_result: Optional[SaveResult]) -> None:
        """Record one save's result (None is ignored)."""
        if save_result is not None:
            self.captured_saves.append(save_result)

    @classmethod
    def current_save_context(cls) -> Optional["CaptureSaveContext"]:
        """The innermost active context on this thread, or None."""
        contexts = getattr(_thread_locals, "save_contexts", None)
        return contexts[-1] if contexts else None


class ClarityJSONEncoder(json.JSONEncoder):
    """JSON encoder that also accepts numpy scalars/arrays, tuples, sets and `to_json()` objects."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, (tuple, set, frozenset)):
            return list(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if hasattr(obj, "to_json"):
            return obj.to_json()
        return super().default(obj)


def _pickle_error(err):
    return ValueError("%s. This data holds Python objects that need pickle; pass "
                      "allow_pickle=True to save it anyway." % str(err).rstrip("."))


def _handle_name(handle: Any) -> Optional[str]:
    name = getattr(handle, "name", None)
    return name if isinstance(name, str) else None


def _accepts_path(saver: Callable[..., SaveResult]) -> Callable[..., SaveResult]:
    """Let a saver that writes to a handle also take a path: it then writes atomically there."""
    @functools.wraps(saver)
    def wrapper(thing: Any, handle: Any, *args: Any, **kwargs: Any) -> SaveResult:
        if hasattr(handle, "write"):
            return saver(thing, handle, *args, **kwargs)
        path = check_local_destination(scope_url(handle), "save to")
        with atomic_write_handle(path, "wb") as real:
            result = saver(thing, real, *args, **kwargs)
        result["url"] = path
        return result
    return wrapper


def _write_text(handle: IO[Any], text: str) -> None:
    """Write `text` to a text handle as is, to a binary one as UTF-8."""
    handle.write(text if isinstance(handle, io.TextIOBase) else text.encode("utf-8"))


def _image_format(handle: Any, fmt: Optional[str]) -> str:
    if fmt:
        return fmt.lower().lstrip(".")
    ext = os.path.splitext(_handle_name(handle) or "")[1].lower().lstrip(".")
    for suffix in ("xz", "gz"):  # 'x.png.xz' is a png
        if ext == suffix:
            ext = os.path.splitext(os.path.splitext(_handle_name(handle) or "")[0])[1].lower().lstrip(".")
    return ext or "png"


@_accepts_path
def save_img(object: Any, handle: Any, domain: Optional[Sequence[float]] = None, quality: int = 90,
             fmt: Optional[str] = None, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save an image array (float in [0, 1] or `domain`, or uint8) or PIL image as PNG/JPEG/WebP."""
    del kwargs
    pixels = _normalize_array(object, domain=domain, strict=True)
    handle.write(_serialize_normalized_array(pixels, fmt=_image_format(handle, fmt), quality=quality))
    return {"type": "image", "shape": pixels.shape, "url": _handle_name(handle)}


@_accepts_path
def save_npy(object: Any, handle: Any, allow_pickle: bool = False, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save one array as .npy; object arrays need allow_pickle=True."""
    del kwargs
    array = np.asanyarray(object.numpy() if hasattr(object, "numpy") else object)
    try:
        np.save(handle, array, allow_pickle=allow_pickle)
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(err) from err
        raise
    return {"type": "npy", "shape": array.shape, "dtype": str(array.dtype), "url": _handle_name(handle)}


@_accepts_path
def save_npz(object: Any, handle: Any, allow_pickle: bool = False, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save a dict (named), list/tuple (arr_0, ...) or single array as .npz."""
    del kwargs
    args: Tuple[np.ndarray, ...]
    named: Dict[str, np.ndarray]
    if isinstance(object, dict):
        args, named = (), {str(k): np.asanyarray(v) for k, v in object.items()}
    elif isinstance(object, (list, tuple)):
        args, named = tuple(np.asanyarray(v) for v in object), {}
    else:
        args, named = (np.asanyarray(object),), {}
    try:
        np.savez(handle, *args, allow_pickle=allow_pickle, **named)
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(err) from err
        raise
    return {"type": "npz", "url": _handle_name(handle)}


@_accepts_path
def save_json(object: Any, handle: Any, indent: Optional[int] = 2, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save a JSON-able object (numpy values allowed) as .json."""
    del kwargs
    _write_text(handle, json.dumps(object, indent=indent, cls=ClarityJSONEncoder))
    return {"type": "json", "url": _handle_name(handle)}


@_accepts_path
def save_txt(object: Any, handle: Any, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save a string, bytes, or a list of lines (one per line) as UTF-8 text."""
    del kwargs
    if isinstance(object, bytes):
        text = object.decode("utf-8")
    elif isinstance(object, str):
        text = object
    elif isinstance(object, (list, tuple)):
        lines = [line.decode("utf-8") if isinstance(line, bytes) else str(line) for line in object]
        text = "".join(l if l.endswith("\n") else l + "\n" for l in lines)
    else:
        raise TypeError("Text files take a str, bytes or list of lines, not %s."
                        % type(object).__name__)
    _write_text(handle, text)
    return {"type": "txt", "url": _handle_name(handle)}


@_accepts_path
def save_str(object: Any, handle: Any, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save a str as UTF-8 text: how `save` writes a string to an extension it has no saver for."""
    del kwargs
    if not isinstance(object, str):
        raise TypeError("save_str takes a str, not %s." % type(object).__name__)
    _write_text(handle, object)
    return {"type": "txt", "url": _handle_name(handle)}


@_accepts_path
def save_pb(object: Any, handle: Any, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Save a protobuf message (e.g. a GraphDef) in binary wire format."""
    del kwargs
    if not hasattr(object, "SerializeToString"):
        raise TypeError(".pb files take a protobuf message such as a tf.compat.v1.GraphDef, "
                        "not %s." % type(object).__name__)
    handle.write(object.SerializeToString())
    return {"type": "pb", "url": _handle_name(handle)}


@_accepts_path
def save_pickle(object: Any, handle: Any, **kwargs: Any) -> SaveResult:  # pylint: disable=redefined-builtin
    """Pickle any Python object (only reached through save() with allow_unsafe_formats=True)."""
    del kwargs
    pickle.dump(object, handle)
    return {"type": "pickle", "url": _handle_name(handle)}


def compress_xz(handle: IO[bytes], **kwargs: Any) -> IO[bytes]:
    """A handle that xz-compresses what is written into `handle` (closing it flushes the stream)."""
    del kwargs
    return lzma.LZMAFile(handle, mode="wb", format=lzma.FORMAT_XZ)


def compress_gz(handle: IO[bytes], **kwargs: Any) -> IO[bytes]:
    """A handle that gzip-compresses what is written into `handle` (closing it flushes the stream)."""
    del kwargs
    return gzip.GzipFile(fileobj=handle, mode="wb", mtime=0)  # type: ignore[return-value]


savers: Dict[str, Callable[..., SaveResult]] = {
    ".png": save_img, ".jpg": save_img, ".jpeg": save_img, ".webp": save_img,
    ".npy": save_npy, ".npz": save_npz, ".json": save_json,
    ".txt": save_txt, ".md": save_txt, ".html": save_txt, ".pb": save_pb,
}
unsafe_savers: Dict[str, Callable[..., SaveResult]] = {".pickle": save_pickle, ".pkl": save_pickle}
compressors: Dict[str, Callable[..., IO[bytes]]] = {".xz": compress_xz, ".gz": compress_gz}


def _split_extension(path: str) -> Tuple[str, Optional[str]]:
    """(format extension, compression extension or None) of `path`, both lower case."""
    stem, ext = os.path.splitext(path)
    ext = ext.lower()
    if ext in compressors:
        return os.path.splitext(stem)[1].lower(), ext
    return ext, None


def _choose_saver(thing: Any, path: str, ext: str, unsafe: bool) -> Callable[..., SaveResult]:
    if not ext:
        raise ValueError("Cannot save to %r: no file extension. Supported extensions: %s."
                         % (path, ", ".join(sorted(savers))))
    if ext in savers:
        return savers[ext]
    if ext in unsafe_savers:
        if not unsafe:
            raise ValueError("Cannot save to %r: %s files are pickles, which run code when loaded; pass "
                             "allow_unsafe_formats=True to write one anyway." % (path, ext))
        return unsafe_savers[ext]
    if isinstance(thing, str):
        return save_str
    raise ValueError("Cannot save %s to %r: unknown extension %r (only a str can be saved under an "
                     "unknown extension). Supported extensions: %s."
                     % (type(thing).__name__, path, ext, ", ".join(sorted(savers))))


@contextlib.contextmanager
def _destination(url_or_handle: Any) -> Iterator[Tuple[IO[Any], str]]:
    """(handle, path) for a path (an atomic temp file, scoped) or a caller's open handle."""
    if hasattr(url_or_handle, "write"):
        yield url_or_handle, _handle_name(url_or_handle) or ""
        return
    path = check_local_destination(scope_url(url_or_handle), "save to")
    with atomic_write_handle(path, "wb") as handle:
        yield handle, path


def save(thing: Any, url_or_handle: Any, allow_unsafe_formats: bool = False,
         save_context: Optional[CaptureSaveContext] = None, allow_pickle: bool = False,
         **kwargs: Any) -> SaveResult:
    """Save `thing` to a local path (joined onto the io_scope; written atomically) or an open
    handle with a `name`, choosing the format from the extension ('.xz'/'.gz' compress).

    Extra kwargs go to the format's saver (e.g. `domain=` or `quality=` for images, `indent=` for
    JSON). Pickles (.pkl, .pickle, object arrays in .npy/.npz) need allow_unsafe_formats=True
    (or allow_pickle=True). The result dict is captured by `save_context` or the active context.
    """
    if not hasattr(url_or_handle, "write"):
        url_or_handle = os.fspath(url_or_handle)
    elif _handle_name(url_or_handle) is None:
        raise ValueError("save() to an open handle needs a handle with a file name (its extension picks "
                         "the format); call a saver such as save_npy(thing, handle) directly instead.")
    path = url_or_handle if isinstance(url_or_handle, str) else _handle_name(url_or_handle) or ""
    ext, compression = _split_extension(path)
    unsafe = bool(allow_unsafe_formats or allow_pickle)
    saver = _choose_saver(thing, path, ext, unsafe)
    if saver in (save_npy, save_npz):
        kwargs["allow_pickle"] = unsafe
    if saver is save_img:
        kwargs["fmt"] = ext
    with _destination(url_or_handle) as (handle, where):
        if compression is None:
            result = saver(thing, handle, **kwargs)
        else:
            with compressors[compression](handle) as packed:
                result = saver(thing, packed, **kwargs)
    result["url"] = where
    context = save_context if save_context is not None else CaptureSaveContext.current_save_context()
    if context is not None:
        context.capture(result)
    log.debug("saved %s", result)
    return result


def batch_save(save_ops: List[Tuple], num_workers: int = 16) -> List[SaveResult]:
    """Run many saves on a thread pool: each op is (thing, url) or (thing, url, kwargs); the
    caller's io_scopes and save context apply. Returns the results in order (the first error raises)."""
    for i, op in enumerate(save_ops):
        if not isinstance(op, (tuple, list)) or len(op) not in (2, 3) or (len(op) == 3 and not isinstance(op[2], dict)):
            raise ValueError("batch_save: op %d must be (thing, url) or (thing, url, kwargs_dict), got %r."
                             % (i, op if not isinstance(op, (tuple, list)) else tuple(type(v).__name__ for v in op)))
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise ValueError("num_workers must be a positive int, got %r." % (num_workers,))
    scopes = list(current_io_scopes())
    context = CaptureSaveContext.current_save_context()

    def _do_save(op):
        set_io_scopes(list(scopes))
        return save(op[0], op[1], save_context=context, **(op[2] if len(op) == 3 else {}))

    with ThreadPoolExecutor(max_workers=num_workers) as executor:
        futures = [executor.submit(_do_save, op) for op in save_ops]
        return [future.result() for future in futures]
