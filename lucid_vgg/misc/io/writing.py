"""Atomic file writes: a killed process never leaves a truncated file at the target.

TensorFlow-free on purpose: both lucid_vgg.misc.io and modelzoo's graph and download writers
use these, and lucid_vgg.misc.io must import without TensorFlow.
"""
import contextlib
import os
import re
import tempfile


# The umask, read once at import (os.umask can only be read by setting it, which is not
# thread-safe), so temp files (created 0600) can be given the modes a plain open() would.
UMASK = os.umask(0o022)
os.umask(UMASK)


def _pid_alive(pid):
    """Whether process `pid` exists on this machine (a PermissionError still means it exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True


def sweep_stale_temps(path, suffix):
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


def temp_file_beside(path, suffix):
    """(fd, tmp) of a new temp file `.NAME.<our pid>.xxxx<suffix>` beside `path`, after sweeping
    the temps dead writers left there (the pid in the name is what makes that sweep safe)."""
    d, base = os.path.split(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    sweep_stale_temps(path, suffix)
    return tempfile.mkstemp(dir=d, prefix=f".{base}.{os.getpid()}.", suffix=suffix)


@contextlib.contextmanager
def write_handle(path, mode="wb"):
    """Yield a handle to a temp file beside `path`; on success fsync and os.replace it into place.

    If the body raises, the temp file is removed and any existing file at `path` is untouched.
    """
    if "w" not in mode:
        raise ValueError("write_handle needs a write mode such as 'wb' or 'w', got %r." % mode)
    path = os.fspath(path)
    fd, tmp = temp_file_beside(path, ".tmp")
    try:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
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


def atomic_write_bytes(path, data):
    """Write `data` to `path` all at once or not at all (see `write_handle`)."""
    with write_handle(path, "wb") as handle:
        handle.write(data)
