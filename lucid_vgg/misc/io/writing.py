"""Atomic file writes for lucid_vgg.misc.io, and Lucid's `write` / `write_handle` on top of them.

The atomic machinery lives in modelzoo.fileio (the lower layer, TensorFlow-free), shared with
modelzoo's graph and download writers: a killed process never leaves a truncated file. Here
relative paths are joined onto the current `io_scope`, as Lucid's writers do.
"""
import contextlib
import os
import re
from typing import IO, Any, Iterator, Optional

from modelzoo.fileio import UMASK, PathLike, atomic_write_bytes, sweep_stale_temps, temp_file_beside
from modelzoo.fileio import write_handle as atomic_write_handle

from .scoping import scope_url

__all__ = ["UMASK", "atomic_write_bytes", "sweep_stale_temps", "temp_file_beside", "write_handle",
           "atomic_write_handle", "write", "check_local_destination"]

_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def check_local_destination(path: str, what: str = "write") -> str:
    """`path` if it is a local path (file:// URLs become paths); a ValueError for remote URLs."""
    if path.startswith("file://"):
        return path[len("file://"):]
    if _REMOTE.match(path):
        raise ValueError("Cannot %s %r: writing to remote URLs (http, https, gs, ...) is not supported; "
                         "write to a local path and upload it with your storage's own tool." % (what, path))
    return path


@contextlib.contextmanager
def write_handle(path: PathLike, mode: Optional[str] = None) -> Iterator[IO[Any]]:
    """A handle on a temp file that replaces `path` (joined onto the current io_scope) only when
    the `with` block succeeds; `mode` defaults to 'wb' ('w' for text, written as UTF-8)."""
    target = check_local_destination(scope_url(path))
    with atomic_write_handle(target, mode or "wb") as handle:
        yield handle


def write(data: Any, url: PathLike, mode: str = "wb") -> None:
    """Write `data` (bytes, or str with mode 'w') to the local path `url`, atomically."""
    if "b" in mode and isinstance(data, str):
        raise TypeError("write() with mode %r takes bytes, got str: pass mode='w' for text." % mode)
    with write_handle(os.fspath(url), mode) as handle:
        handle.write(data)
