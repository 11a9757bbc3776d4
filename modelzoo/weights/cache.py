"""The local weights cache: where it lives, a cross-process file lock, and build-once-then-verify.

Cached graphs carry a JSON sidecar (size + SHA-256) written at build time and checked on every
load, so a truncated or corrupted cache file is reported and rebuilt, never used.
"""
import contextlib
import fcntl
import logging
import os
import time
import warnings

from modelzoo.weights.graph_file import (CorruptGraphError, GraphFileError, load_graph_def_file,
                                         save_graph_def_file)

log = logging.getLogger(__name__)

CACHE_ENV = "LUCID_VGG_CACHE"


def cache_dir(create=True):
    """The cache directory: $LUCID_VGG_CACHE or ~/.cache/lucid_vgg (created on demand)."""
    d = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "lucid_vgg")
    if create:
        os.makedirs(d, exist_ok=True)
    return d


@contextlib.contextmanager
def file_lock(path):
    """Exclusive advisory lock (fcntl.flock) on `path + '.lock'`, held for the `with` body."""
    lock_path = os.fspath(path) + ".lock"
    os.makedirs(os.path.dirname(os.path.abspath(lock_path)), exist_ok=True)
    with open(lock_path, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def load_cached(path):
    """The verified GraphDef at `path`, or None if absent; a corrupt file is warned about and removed."""
    if not os.path.exists(path):
        return None
    try:
        return load_graph_def_file(path)
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
        save_graph_def_file(gd, path, metadata)
        log.info("Built %s in %.1f s: %s", describe, time.perf_counter() - t0, path)
    return gd, True


__all__ = ["CACHE_ENV", "cache_dir", "file_lock", "load_cached", "cached_build", "CorruptGraphError"]
