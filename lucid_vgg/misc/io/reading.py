"""`read` and `read_handle`: the bytes (or text) behind a local path or a URL (Lucid's names).

Remote files (http://, https://, and gs:// through Google Cloud Storage's public HTTPS endpoint)
go through modelzoo's one download path: streamed, atomic, resumable, cached by URL under
$LUCID_VGG_CACHE. Relative paths are joined onto the current `io_scope`.
"""
import codecs
import contextlib
import io
import logging
import os
import tempfile
import urllib.parse
import urllib.request
from typing import IO, Any, Iterator, Optional, Union

from modelzoo.fileio import PathLike, read_error
from modelzoo.weights.download import DOWNLOADS_DIR_NAME, MAX_FILENAME_LENGTH, RESERVED_PATH_CHARS
from modelzoo.weights.download import cache_path_for, fetch, purge

from .scoping import scope_url

log = logging.getLogger(__name__)

#: URL schemes fetched over the network (and therefore cached unless cache=False).
REMOTE_SCHEMES = ("http", "https", "gs")

#: Where gs://bucket/object is read from: Cloud Storage's public HTTPS endpoint (no credentials).
GCS_HTTPS = "https://storage.googleapis.com/"

CacheOption = Union[None, bool, str]

#: Lucid's cache-naming names, here those of modelzoo's download cache: the folder of downloads
#: under $LUCID_VGG_CACHE (Lucid: <tempdir>/lucid_cache), the characters replaced by "_" in cached
#: file names, and their maximum length.
LUCID_CACHE_DIR_NAME = DOWNLOADS_DIR_NAME
__all__ = ["read", "read_handle", "local_cache_path", "LUCID_CACHE_DIR_NAME", "MAX_FILENAME_LENGTH",
           "RESERVED_PATH_CHARS", "REMOTE_SCHEMES", "GCS_HTTPS"]


def _check_mode(mode: str) -> None:
    if not isinstance(mode, str) or "r" not in mode or set(mode) - set("rbt") or ("b" in mode and "t" in mode):
        raise ValueError("mode must be a read mode: 'rb' (bytes, the default) or 'r' (text), got %r." % (mode,))


def _check_cache(cache: CacheOption) -> None:
    if cache is not None and not isinstance(cache, bool) and cache != "purge":
        raise ValueError("cache must be None (cache remote URLs only), True, False or 'purge' "
                         "(download again), got %r." % (cache,))


def _scheme(url: str) -> str:
    """The URL scheme of `url` in lower case, '' for a local path."""
    scheme = urllib.parse.urlparse(url).scheme.lower()
    return scheme if len(scheme) > 1 else ""  # 'c:' in a Windows path is a drive, not a scheme


def _download_url(url: str) -> str:
    """The http(s) URL a remote `url` is downloaded from (gs:// maps to the public HTTPS endpoint)."""
    if _scheme(url) == "gs":
        return GCS_HTTPS + url[len("gs://"):]
    return url


def local_cache_path(remote_url: str) -> str:
    """The path at which `remote_url` is (or would be) cached on this machine."""
    return cache_path_for(_download_url(os.fspath(remote_url)))


def _local_file(url: str) -> str:
    """The local path for a plain path or a file:// URL; a FileNotFoundError if it does not exist."""
    path = urllib.request.url2pathname(urllib.parse.urlparse(url).path) if _scheme(url) == "file" else url
    if not os.path.exists(path):
        raise FileNotFoundError("No such file: %r" % path)
    return path


def _open(path: str, mode: str) -> IO[Any]:
    """open(path, mode) with UTF-8 for text; a missing file or unreadable path names the path."""
    try:
        return open(path, mode, encoding=None if "b" in mode else "utf-8")  # pylint: disable=consider-using-with
    except FileNotFoundError:
        raise FileNotFoundError("No such file: %r" % path) from None
    except OSError as e:
        raise read_error(path, e) from None


@contextlib.contextmanager
def read_handle(url: PathLike, cache: CacheOption = None, mode: str = "rb") -> Iterator[IO[Any]]:
    """A file handle on `url` (a local path, file://, http(s):// or gs:// URL), closed when the
    `with` block ends. Remote files are downloaded into the cache (`cache=None` or True) or into a
    temporary folder removed afterwards (`cache=False`); `cache="purge"` downloads them again.
    Local files are always read in place, whatever `cache` says.

    Raises FileNotFoundError naming a missing local path, DownloadError naming an unreachable URL
    and the reason, ValueError for an unsupported scheme, mode or cache value.
    """
    _check_mode(mode)
    _check_cache(cache)
    url = scope_url(url)
    scheme = _scheme(url)
    if scheme not in ("", "file") + REMOTE_SCHEMES:
        raise ValueError("Cannot read %r: unsupported URL scheme %r. Supported: local paths, file://, "
                         "http://, https:// and gs:// (public objects)." % (url, scheme + "://"))
    if scheme not in REMOTE_SCHEMES:
        with _open(_local_file(url), mode) as handle:
            yield handle
        return
    source = _download_url(url)
    if cache == "purge":
        purge(source)
    if cache is False:
        with tempfile.TemporaryDirectory(prefix="lucid_vgg_read_") as tmp:
            with _open(fetch(source, cache_dir=tmp), mode) as handle:
                yield handle
        return
    path = fetch(source)
    log.debug("reading %s from its cached copy %s", url, path)
    with _open(path, mode) as handle:
        yield handle


def read(url: PathLike, encoding: Optional[str] = None, cache: CacheOption = None,
         mode: str = "rb") -> Union[bytes, str]:
    """All of `url` (see `read_handle`): bytes, or a str when `encoding` is given or `mode` is
    text ('r': decoded as `encoding`, default UTF-8, with universal newlines as open() does)."""
    _check_mode(mode)
    if encoding is not None:
        codecs.lookup(encoding)  # an unknown encoding fails here (LookupError), before any download
    with read_handle(url, cache=cache, mode="rb") as handle:
        data = handle.read()
    if "b" not in mode:
        return io.TextIOWrapper(io.BytesIO(data), encoding=encoding or "utf-8").read()
    return data.decode(encoding) if encoding else data
