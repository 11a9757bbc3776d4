"""Where render_model and render_layer write: a local directory or an fsspec URL (file://, s3://...).

One small interface (exists, read, atomic write, durable append, probe) so the manifest and the
renderers never care which; fsspec is imported only for URLs, so local output needs no extra.
"""
import os
import posixpath
import uuid
from typing import Any, Optional

from modelzoo.fileio import PathLike, atomic_write_bytes


def is_url(location: Any) -> bool:
    """True for 'scheme://...' locations (handled by fsspec), False for plain paths."""
    return isinstance(location, str) and "://" in location


class OutputStore:
    """Files under one root: a local directory, or an fsspec URL (`fsspec.core.url_to_fs`)."""

    def __init__(self, location: PathLike) -> None:
        if not isinstance(location, (str, os.PathLike)) or not str(os.fspath(location)).strip():
            raise ValueError(f"out must be a directory path or an fsspec URL such as "
                             f"file:///tmp/units, got {location!r}")
        self.location = os.fspath(location)
        self.fs: Optional[Any] = None
        if is_url(self.location):
            try:
                import fsspec
            except ImportError:
                raise ValueError(f"out {self.location!r} is a URL, which needs fsspec: "
                                 "pip install 'lucid-vgg[ray]' (or pip install fsspec)") from None
            try:
                self.fs, self.root = fsspec.core.url_to_fs(self.location)
            except (ValueError, ImportError) as e:
                raise ValueError(f"out {self.location!r}: fsspec cannot open it ({e})") from None
        else:
            self.root = os.path.abspath(self.location)

    def __repr__(self) -> str:
        return f"OutputStore({self.location!r})"

    def path(self, rel: str) -> str:
        """The full path (local) or fsspec path of `rel` (POSIX, relative to the root)."""
        if self.fs is None:
            return os.path.join(self.root, *rel.split("/"))
        return posixpath.join(self.root, rel)

    def exists(self, rel: str) -> bool:
        p = self.path(rel)
        return os.path.isfile(p) if self.fs is None else bool(self.fs.isfile(p))

    def read_bytes(self, rel: str) -> bytes:
        if self.fs is None:
            with open(self.path(rel), "rb") as f:
                return f.read()
        return bytes(self.fs.cat_file(self.path(rel)))

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write `rel` all at once or not at all: a temp file beside it, then renamed into place."""
        target = self.path(rel)
        if self.fs is None:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            atomic_write_bytes(target, data)
            return
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        tmp = f"{target}.tmp-{uuid.uuid4().hex}"
        self.fs.pipe_file(tmp, data)
        try:
            self.fs.mv(tmp, target)
        except Exception:
            self.fs.rm(tmp)
            raise

    def append_line(self, rel: str, line: str) -> None:
        """Append one line durably (flush + fsync locally); stores without append rewrite the file."""
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        target = self.path(rel)
        if self.fs is None:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "ab") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            return
        try:
            with self.fs.open(target, "ab") as f:
                f.write(data)
        except (NotImplementedError, ValueError):  # object stores: no append, rewrite atomically
            old = self.read_bytes(rel) if self.exists(rel) else b""
            self.write_bytes(rel, old + data)

    def check_writable(self, what: str = "out") -> None:
        """ValueError before any work when the location is a file or refuses new files."""
        probe = f".write-probe-{uuid.uuid4().hex}"
        if self.fs is None:
            from lucid_vgg.recipes import _common

            _common.check_out_dir(self.root, what)
            return
        if self.fs.isfile(self.root):
            raise ValueError(f"{what} {self.location!r} exists and is not a directory")
        try:
            self.fs.makedirs(self.root, exist_ok=True)
            self.fs.pipe_file(self.path(probe), b"")
            self.fs.rm(self.path(probe))
        except OSError as e:
            raise ValueError(f"{what} {self.location!r} cannot be written ({e.strerror or e}); "
                             "choose another location") from None
