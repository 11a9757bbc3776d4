"""`save(thing, path)`: write an object to a local file, format chosen by the extension.

Every write is atomic (temp file in the same directory, then os.replace). Returns a small
dict describing what was written, as Lucid's `save` does.
"""
import json
import logging
import os
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from modelzoo.fileio import PathLike

from .serialize_array import _normalize_array, _serialize_normalized_array
from .writing import write_handle

log = logging.getLogger(__name__)

#: What a saver returns: the format, the file ("url") and, for arrays, the shape.
SaveResult = Dict[str, Any]


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


def save_img(thing: Any, path: PathLike, domain: Optional[Sequence[float]] = None, quality: int = 90,
             **kwargs: Any) -> SaveResult:
    """Save an image array (float in [0, 1] or `domain`, or uint8) or PIL image as PNG/JPEG."""
    del kwargs
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    pixels = _normalize_array(thing, domain=domain, strict=True)
    data = _serialize_normalized_array(pixels, fmt=fmt, quality=quality)
    with write_handle(path, "wb") as handle:
        handle.write(data)
    return {"type": "image", "shape": pixels.shape, "url": path}


def save_npy(thing: Any, path: PathLike, allow_pickle: bool = False, **kwargs: Any) -> SaveResult:
    """Save one array as .npy; object arrays need allow_pickle=True."""
    del kwargs
    array = np.asanyarray(thing.numpy() if hasattr(thing, "numpy") else thing)
    try:
        with write_handle(path, "wb") as handle:
            np.save(handle, array, allow_pickle=allow_pickle)
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(err) from err
        raise
    return {"type": "npy", "shape": array.shape, "url": path}


def save_npz(thing: Any, path: PathLike, allow_pickle: bool = False, **kwargs: Any) -> SaveResult:
    """Save a dict (named), list/tuple (arr_0, ...) or single array as .npz."""
    del kwargs
    args: Tuple[np.ndarray, ...]
    named: Dict[str, np.ndarray]
    if isinstance(thing, dict):
        args, named = (), {str(k): np.asanyarray(v) for k, v in thing.items()}
    elif isinstance(thing, (list, tuple)):
        args, named = tuple(np.asanyarray(v) for v in thing), {}
    else:
        args, named = (np.asanyarray(thing),), {}
    try:
        with write_handle(path, "wb") as handle:
            np.savez(handle, *args, allow_pickle=allow_pickle, **named)
    except ValueError as err:
        if not allow_pickle and "pickle" in str(err):
            raise _pickle_error(err) from err
        raise
    return {"type": "npz", "url": path}


def save_json(thing: Any, path: PathLike, indent: Optional[int] = 2, **kwargs: Any) -> SaveResult:
    """Save a JSON-able object (numpy values allowed) as .json."""
    del kwargs
    with write_handle(path, "w") as handle:
        json.dump(thing, handle, indent=indent, cls=ClarityJSONEncoder)
    return {"type": "json", "url": path}


def save_txt(thing: Any, path: PathLike, **kwargs: Any) -> SaveResult:
    """Save a string, bytes, or a list of lines (one per line) as UTF-8 text."""
    del kwargs
    if isinstance(thing, bytes):
        data = thing
    elif isinstance(thing, str):
        data = thing.encode("utf-8")
    elif isinstance(thing, (list, tuple)):
        lines = [line.decode("utf-8") if isinstance(line, bytes) else str(line) for line in thing]
        data = "".join(l if l.endswith("\n") else l + "\n" for l in lines).encode("utf-8")
    else:
        raise TypeError("Text files take a str, bytes or list of lines, not %s."
                        % type(thing).__name__)
    with write_handle(path, "wb") as handle:
        handle.write(data)
    return {"type": "txt", "url": path}


def save_pb(thing: Any, path: PathLike, **kwargs: Any) -> SaveResult:
    """Save a protobuf message (e.g. a GraphDef) in binary wire format."""
    del kwargs
    if not hasattr(thing, "SerializeToString"):
        raise TypeError(".pb files take a protobuf message such as a tf.compat.v1.GraphDef, "
                        "not %s." % type(thing).__name__)
    data = thing.SerializeToString()
    with write_handle(path, "wb") as handle:
        handle.write(data)
    return {"type": "pb", "url": path}


savers: Dict[str, Callable[..., SaveResult]] = {
    ".png": save_img,
    ".jpg": save_img,
    ".jpeg": save_img,
    ".npy": save_npy,
    ".npz": save_npz,
    ".json": save_json,
    ".txt": save_txt,
    ".md": save_txt,
    ".html": save_txt,
    ".pb": save_pb,
}


def save(thing: Any, path: PathLike, allow_pickle: bool = False, **kwargs: Any) -> SaveResult:
    """Save `thing` to the local file `path`, choosing the format from its extension.

    Extra kwargs go to the format's saver (e.g. `domain=` or `quality=` for images,
    `indent=` for JSON). Pickled Python objects are refused unless `allow_pickle=True`.
    """
    if hasattr(path, "write"):
        raise TypeError("save() takes a file path, not an open handle (writes are atomic).")
    path = os.fspath(path)
    if "://" in path:
        raise ValueError("save() writes local files only, got %r." % path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in savers:
        raise ValueError("Cannot save to %r: %s. Supported extensions: %s."
                         % (path, "unknown extension %r" % ext if ext else "no file extension",
                            ", ".join(sorted(savers))))
    saver = savers[ext]
    if saver in (save_npy, save_npz):
        kwargs["allow_pickle"] = allow_pickle
    result = saver(thing, path, **kwargs)
    log.debug("saved %s", result)
    return result
