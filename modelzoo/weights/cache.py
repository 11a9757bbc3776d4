"""The local weights cache: build a graph once (under a file lock), then verify it on every load.

Cached graphs carry a JSON sidecar (size + SHA-256) written at build time and checked on every
load, so a truncated or corrupted cache file is reported and rebuilt, never used. A cache that
cannot be written (read-only, full, a file in the way) costs a warning: the graph is built in memory.
"""
import contextlib
import logging
import os
import time
import warnings

from modelzoo.fileio import CACHE_FIX, cache_dir, file_lock, write_error
from modelzoo.util import GraphFileError, load_graphdef, save_graphdef, sidecar_path

log = logging.getLogger(__name__)

#: The cached VGG16_caffe graph's file name inside the cache directory.
VGG16_CACHE_FILE = "VGG16_caffe.pb"


def default_cache_file(directory=None):
    """The cached VGG16_caffe graph: <cache>/VGG16_caffe.pb (sidecar VGG16_caffe.pb.json).
    Only the path: the directory is created when the graph is cached."""
    return os.path.join(directory or cache_dir(create=False), VGG16_CACHE_FILE)


def _move_aside(path):
    """Rename `path` (something that is not a cache file, e.g. a directory) to a free
    `path.moved-aside[.N]` name and return that name."""
    target, n = path + ".moved-aside", 1
    while os.path.lexists(target):
        target, n = f"{path}.moved-aside.{n}", n + 1
    os.rename(path, target)
    return target


def load_cached(path):
    """The verified GraphDef at `path`, or None if absent; a corrupt file is warned about and
    removed, a directory at `path` is warned about and moved aside (both are then rebuilt)."""
    if os.path.isdir(path):
        try:
            moved = _move_aside(path)
        except OSError as e:
            raise write_error(path, e, f" {path} is a directory where the cached graph belongs: "
                                       "move or delete it." + CACHE_FIX) from None
        warnings.warn(f"The cached graph {path} was a directory, not a file; moved it aside to "
                      f"{moved} (delete it if it holds nothing of yours). The graph will be rebuilt.",
                      stacklevel=3)
        return None
    if not os.path.exists(path):
        return None
    try:
        return load_graphdef(path)
    except GraphFileError as e:
        warnings.warn(f"Ignoring the corrupt cached graph {path}: {e} It will be rebuilt.", stacklevel=3)
        for p in (path, sidecar_path(path)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(p)
        return None


def _warn_not_cached(path, describe, err):
    """Warn that the graph lives in memory only, naming the cache file, the reason and the fix."""
    warnings.warn(f"{describe} was built in memory and not cached, so every process rebuilds it: "
                  f"{write_error(path, err, CACHE_FIX)}", stacklevel=4)


def cached_build(path, builder, describe="graph"):
    """Return (GraphDef, built) for the cache file `path`, building it with `builder()` if needed.

    `builder()` returns (graph_def, metadata dict). The check-and-build runs under a file lock,
    so concurrent processes build once and all see one valid file with a valid sidecar. If the
    cache cannot be written (OSError), the graph is built in memory with a warning.
    """
    path = os.fspath(path)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(file_lock(path))
            gd = load_cached(path)
        except OSError as e:  # the cache directory or its lock cannot be written
            unusable = e
        else:
            if gd is not None:
                log.info("Loaded %s from the cache: %s", describe, path)
                return gd, False
            log.info("Building %s into %s ...", describe, path)
            t0 = time.perf_counter()
            gd, metadata = builder()
            try:
                save_graphdef(gd, path, metadata)
            except OSError as e:  # read-only, full disk...: save_graphdef leaves nothing half-written
                _warn_not_cached(path, describe, e)
            else:
                log.info("Built %s in %.1f s: %s", describe, time.perf_counter() - t0, path)
            return gd, True
    with contextlib.suppress(OSError):  # a read-only cache may still hold a valid graph (files
        gd = load_cached(path)          # there are only ever replaced whole, so no lock needed)
        if gd is not None:
            log.info("Loaded %s from the read-only cache: %s", describe, path)
            return gd, False
    gd, _ = builder()
    _warn_not_cached(path, describe, unusable)
    return gd, True
