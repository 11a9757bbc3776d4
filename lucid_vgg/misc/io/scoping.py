"""I/O scopes: a per-thread stack of directory prefixes that relative paths given to load, save,
read and write_handle are joined onto (Lucid's `io_scope`), so a block of saves can target a folder.
"""
import contextlib
import os
import threading
from typing import Iterator, List, Optional, Sequence, Union

from modelzoo.fileio import PathLike

_scopes = threading.local()


def current_io_scopes() -> List[str]:
    """The calling thread's list of scopes (outermost first); the live list, not a copy."""
    scopes = getattr(_scopes, "io_scopes", None)
    if scopes is None:
        scopes = []
        _scopes.io_scopes = scopes
    return scopes


def set_io_scopes(scopes: List[str]) -> None:
    """Replace the calling thread's scopes (used to hand a caller's scopes to worker threads)."""
    _scopes.io_scopes = scopes


@contextlib.contextmanager
def io_scope(path: Union[PathLike, List[str]], replace_current_scopes: bool = False) -> Iterator[None]:
    """Join relative paths inside the `with` body onto `path` (nested scopes stack up);
    `replace_current_scopes=True` drops the enclosing scopes for the body (a list gives several)."""
    before = list(current_io_scopes())
    if replace_current_scopes:
        set_io_scopes([os.fspath(p) for p in path] if isinstance(path, list) else [os.fspath(path)])
    else:
        if isinstance(path, list):
            raise TypeError("io_scope takes one path; a list of paths needs replace_current_scopes=True.")
        current_io_scopes().append(os.fspath(path))
    try:
        yield
    finally:
        set_io_scopes(before)


def _normalize_url(url: str) -> str:
    """Normalise the path part of `url` ('a/./b/../c' -> 'a/c') without mangling a 'scheme://'."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", scheme
    return scheme + sep + (os.path.normpath(rest) if rest else "")


def scope_url(url: PathLike, io_scopes: Optional[Sequence[str]] = None) -> str:
    """`url` joined onto the scopes (the current thread's unless `io_scopes` is given); URLs with a
    scheme ('//') and absolute paths are returned unchanged."""
    url = os.fspath(url)
    if not isinstance(url, str):
        raise TypeError("scope_url takes a str path or URL, got %s." % type(url).__name__)
    scopes = list(io_scopes) if io_scopes else current_io_scopes()
    if "//" in url or url.startswith("/") or not scopes:
        return url
    return _normalize_url(os.path.join(*scopes, url))
