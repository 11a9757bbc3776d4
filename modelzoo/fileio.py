"""Files on disk, without TensorFlow: atomic writes, SHA-256, a cross-process lock, the cache
directory and the one URL check. Both modelzoo and lucid_vgg.misc.io write through these.
"""
import contextlib
import errno
import fcntl
import hashlib
import os
import re
import tempfile
from typing import IO, Any, Dict, Iterator, Optional, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]

#: Environment variable naming the cache directory (default ~/.cache/lucid_vgg).
CACHE_ENV = "LUCID_VGG_CACHE"

#: URL schemes fetched through the download cache; anything else is a local path.
URL_SCHEMES = ("http://", "https://", "file://")

# The umask, read once at import (os.umask can only be read by setting it, which is not
# thread-safe), so temp files (created 0600) can be given the modes a plain open() would.
UMASK = os.umask(0o022)
os.umask(UMASK)


#: What to do about a failed write, by errno (anything else: check the path and its permissions).
_WRITE_FIXES = {
    errno.ENOSPC: "the disk is full: free some space or write somewhere else",
    errno.EDQUOT: "the disk quota is used up: free some space or write somewhere else",
    errno.EROFS: "the file system is read-only: write somewhere else",
    errno.EACCES: "permission denied: fix the permissions or write somewhere else",
    errno.EPERM: "not permitted: fix the permissions or write somewhere else",
    errno.EEXIST: "a file is in the way where a directory is needed: move it aside or write somewhere else",
    errno.ENOTDIR: "a file is in the way where a directory is needed: move it aside or write somewhere else",
    errno.EISDIR: "a directory is in the way where a file is needed: move it aside or write somewhere else",
}


#: Errors from a write inside a write_handle body that are reported as failed writes of the file.
_BODY_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS)


class FileAccessError(OSError):
    """An OSError (same errno, so `except OSError` still catches it) whose message is the
    project's sentence: the path, the OS reason and what to do, without the '[Errno N]' prefix."""

    def __str__(self) -> str:
        return str(self.strerror)


class WriteError(FileAccessError):
    """Writing a file failed."""


class ReadError(FileAccessError):
    """Reading a file failed."""


def read_error(path: "PathLike", err: OSError, what: str = "file", fix: str = "check the path") -> ReadError:
    """A ReadError for `err` raised while reading the `what` at `path`."""
    out = ReadError(err.errno, f"Could not read the {what} {os.fspath(path)}: {err.strerror or err}; {fix}.")
    out.filename = os.fspath(path)
    return out


def write_error(path: "PathLike", err: OSError, extra: str = "") -> WriteError:
    """A WriteError for `err` raised while writing `path` (returned as is if it already is one)."""
    if isinstance(err, WriteError):
        if not extra or extra in str(err):
            return err
        out = WriteError(err.errno, str(err) + extra)
        out.filename = err.filename
        return out
    reason = err.strerror or str(err)
    where = (f" ({err.filename})" if err.filename and os.fspath(err.filename) != os.fspath(path)
             and os.fspath(err.filename) not in reason else "")
    fix = _WRITE_FIXES.get(err.errno or 0, "check the path and its permissions")
    out = WriteError(err.errno, f"Could not write {os.fspath(path)}: {reason}{where}; {fix}.{extra}")
    out.filename = os.fspath(path)
    return out


def is_url(path: PathLike) -> bool:
    """True for http(s):// and file:// URLs (fetched into the cache), False for local paths."""
    return str(path).startswith(URL_SCHEMES)


#: What to do when the cache directory cannot be written.
CACHE_FIX = f" Set ${CACHE_ENV} to a writable directory."


def cache_dir(create: bool = True) -> str:
    """The cache directory: $LUCID_VGG_CACHE or ~/.cache/lucid_vgg (created on demand; a
    WriteError names it and says what to do when it cannot be)."""
    d = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "lucid_vgg")
    if create:
        make_dirs(d, CACHE_FIX)
    return d


def make_dirs(d: PathLike, extra: str = "") -> None:
    """os.makedirs(d, exist_ok=True), with a WriteError naming `d` (a file in the way, read-only...)."""
    try:
        os.makedirs(d, exist_ok=True)
    except OSError as e:
        blocker = _file_in_the_way(os.fspath(d))
        if blocker is not None:
            e = OSError(errno.ENOTDIR, f"{blocker} is a file, not a directory", blocker)
        raise write_error(d, e, extra) from None


def _file_in_the_way(d: str) -> Optional[str]:
    """The nearest of `d` and its parents that exists as a non-directory, or None."""
    while d and d != os.path.dirname(d):
        if os.path.lexists(d) and not os.path.isdir(d):
            return d
        d = os.path.dirname(d)
    return None


@contextlib.contextmanager
def file_lock(path: PathLike) -> Iterator[None]:
    """Exclusive advisory lock (fcntl.flock) on `path + '.lock'`, held for the `with` body."""
    lock_path = os.fspath(path) + ".lock"
    make_dirs(os.path.dirname(os.path.abspath(lock_path)))
    try:
        f = open(lock_path, "a+b")  # pylint: disable=consider-using-with
    except OSError as e:
        raise write_error(lock_path, e) from None
    with f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def sha256_file(path: PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (weights files are tens of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pid_alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine (a PermissionError still means it exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True


def sweep_stale_temps(path: PathLike, suffix: str) -> None:
    """Remove `.NAME.PID.xxxx<suffix>` siblings of `path` whose writer PID is dead.

    A SIGKILLed writer cannot clean up its temp file; the next write of the same target does."""
    d, base = os.path.split(os.path.abspath(path))
    pattern = re.compile(r"\.%s\.(\d+)\.[^.]+%s\Z" % (re.escape(base), re.escape(suffix)))
    try:
        names = os.listdir(d)
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if m and not _pid_alive(int(m.group(1))):
            try:
                os.unlink(os.path.join(d, name))
            except OSError:  # vanished: another writer swept it first
                pass


def temp_file_beside(path: PathLike, suffix: str) -> Tuple[int, str]:
    """(fd, tmp) of a new temp file `.NAME.<our pid>.xxxx<suffix>` beside `path`, after sweeping
    the temps dead writers left there (the pid in the name is what makes that sweep safe)."""
    d, base = os.path.split(os.path.abspath(path))
    make_dirs(d)
    sweep_stale_temps(path, suffix)
    try:
        return tempfile.mkstemp(dir=d, prefix=f".{base}.{os.getpid()}.", suffix=suffix)
    except OSError as e:
        raise write_error(path, e) from None


def write_all(handle: IO, data: Any) -> None:
    """Write `data` to `handle` and force it to disk: the one low-level write, where a full disk
    (ENOSPC) or an I/O error surfaces."""
    handle.write(data)
    handle.flush()
    os.fsync(handle.fileno())


@contextlib.contextmanager
def write_handle(path: PathLike, mode: str = "wb") -> Iterator[IO]:
    """Yield a handle to a temp file beside `path`; on success fsync and os.replace it into place.

    If the body raises, the temp file is removed and any existing file at `path` is untouched.
    A failed write (full disk, read-only, a directory at `path`) raises WriteError naming `path`.
    """
    if "w" not in mode:
        raise ValueError("write_handle needs a write mode such as 'wb' or 'w', got %r." % mode)
    path = os.fspath(path)
    fd, tmp = temp_file_beside(path, ".tmp")
    try:
        kwargs: Dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            try:
                yield handle
            except OSError as e:  # the body's writes failing (ENOSPC, EIO...) are write errors too
                if e.errno in _BODY_WRITE_ERRNOS:
                    raise write_error(path, e) from None
                raise
            try:
                write_all(handle, b"" if "b" in mode else "")
            except OSError as e:
                raise write_error(path, e) from None
        try:
            if os.path.exists(path):
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            else:
                os.chmod(tmp, 0o666 & ~UMASK)
            os.replace(tmp, path)
        except OSError as e:
            raise write_error(path, e) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` all at once or not at all (see `write_handle`)."""
    with write_handle(path, "wb") as handle:
        write_all(handle, data)
