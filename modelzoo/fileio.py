"""Files on disk, without TensorFlow: atomic writes, SHA-256, a cross-process lock, the cache
directory and the one URL check. Both modelzoo and lucid_vgg.misc.io write through these.
"""
import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from typing import IO, Any, Dict, Iterator, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]

#: Environment variable naming the cache directory (default ~/.cache/lucid_vgg).
CACHE_ENV = "LUCID_VGG_CACHE"

#: URL schemes fetched through the download cache; anything else is a local path.
URL_SCHEMES = ("http://", "https://", "file://")

# The umask, read once at import (os.umask can only be read by setting it, which is not
# thread-safe), so temp files (created 0600) can be given the modes a plain open() would.
UMASK = os.umask(0o022)
os.umask(UMASK)


def is_url(path: PathLike) -> bool:
    """True for http(s):// and file:// URLs (fetched into the cache), False for local paths."""
    return str(path).startswith(URL_SCHEMES)


def cache_dir(create: bool = True) -> str:
    """The cache directory: $LUCID_VGG_CACHE or ~/.cache/lucid_vgg (created on demand)."""
    d = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "lucid_vgg")
    if create:
        os.makedirs(d, exist_ok=True)
    return d


@contextlib.contextmanager
def file_lock(path: PathLike) -> Iterator[None]:
    """Exclusive advisory lock (fcntl.flock) on `path + '.lock'`, held for the `with` body."""
    lock_path = os.fspath(path) + ".lock"
    os.makedirs(os.path.dirname(os.path.abspath(lock_path)), exist_ok=True)
    with open(lock_path, "a+b") as f:
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
    os.makedirs(d, exist_ok=True)
    sweep_stale_temps(path, suffix)
    return tempfile.mkstemp(dir=d, prefix=f".{base}.{os.getpid()}.", suffix=suffix)


@contextlib.contextmanager
def write_handle(path: PathLike, mode: str = "wb") -> Iterator[IO]:
    """Yield a handle to a temp file beside `path`; on success fsync and os.replace it into place.

    If the body raises, the temp file is removed and any existing file at `path` is untouched.
    """
    if "w" not in mode:
        raise ValueError("write_handle needs a write mode such as 'wb' or 'w', got %r." % mode)
    path = os.fspath(path)
    fd, tmp = temp_file_beside(path, ".tmp")
    try:
        kwargs: Dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` all at once or not at all (see `write_handle`)."""
    with write_handle(path, "wb") as handle:
        handle.write(data)
