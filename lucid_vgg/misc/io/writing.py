"""Atomic file writes: a killed process never leaves a truncated file at the target."""
import contextlib
import os

# Read the umask once so temp files (created 0600) can be given normal permissions.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def write_handle(path, mode="wb"):
    """Yield a handle to a temp file beside `path`; on success fsync and os.replace it into place.

    If the body raises, the temp file is removed and any existing file at `path` is untouched.
    """
    if "w" not in mode:
        raise ValueError("write_handle needs a write mode such as 'wb' or 'w', got %r." % mode)
    # imported here: importing modelzoo loads TensorFlow, and lucid_vgg.misc.io must import without it
    from modelzoo.weights.graph_file import temp_file_beside

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
            os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
