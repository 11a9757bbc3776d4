"""The local weights cache: build a graph once (under a file lock), then verify it on every load.

Cached graphs carry a JSON sidecar (size + SHA-256) written at build time and checked on every
load, so a truncated or corrupted cache file is reported and rebuilt, never used.
"""
import contextlib
import logging
import os
import time
import warnings

from modelzoo.fileio import cache_dir, file_lock
from modelzoo.util import GraphFileError, load_graphdef, save_graphdef

log = logging.getLogger(__name__)

#: The cached VGG16_caffe graph's file name inside the cache directory.
VGG16_CACHE_FILE = "VGG16_caffe.pb"


def default_cache_file(directory=None):
    """The cached VGG16_caffe graph: <cache>/VGG16_caffe.pb (sidecar VGG16_caffe.pb.json)."""
    return os.path.join(directory or cache_dir(), VGG16_CACHE_FILE)


def load_cached(path):
    """The verified GraphDef at `path`, or None if absent; a corrupt file is warned about and removed."""
    if not os.path.exists(path):
        return None
    try:
        return load_graphdef(path)
    except GraphFileError as e:
        warnings.warn(f"Ignoring the corrupt cached graph {path}: {e} It will be rebuilt.", stacklevel=3)
        for p in (path, path + ".json"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(p)
        return None


def cached_build(path, builder, describe="graph"):
    """Return (GraphDef, built) for the cache file `path`, building it with `builder()` if needed.

    `builder()` returns (graph_def, metadata dict). The check-and-build runs under a file lock,
    so concurrent processes build once and all see one valid file with a valid sidecar.
    """
    path = os.fspath(path)
    with file_lock(path):
        gd = load_cached(path)
        if gd is not None:
            log.info("Loaded %s from the cache: %s", describe, path)
            return gd, False
        log.info("Building %s into %s ...", describe, path)
        t0 = time.perf_counter()
        gd, metadata = builder()
        save_graphdef(gd, path, metadata)
        log.info("Built %s in %.1f s: %s", describe, time.perf_counter() - t0, path)
    return gd, True

