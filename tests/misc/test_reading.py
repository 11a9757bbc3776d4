"""misc.io.reading (read, read_handle) and load() of URLs, against real files and a real
http.server on 127.0.0.1: caching, cache=False / 'purge', errors, io scopes, lists of URLs."""
import gzip
import io
import json
import os
import socket

import numpy as np
import pytest
from PIL import Image

from lucid_vgg.misc.io import io_scope, load, read, read_handle
from lucid_vgg.misc.io.reading import LUCID_CACHE_DIR_NAME, MAX_FILENAME_LENGTH, RESERVED_PATH_CHARS, local_cache_path
from modelzoo.weights.download import DownloadError, cache_path_for

from helpers import FileServer


def _png(array):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "png")
    return buf.getvalue()


PIXELS = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
FILES = {
    "/data.bin": bytes(range(256)) * 64,
    "/notes.txt": "caf\u00e9 line one\r\nline two\n".encode("utf-8"),
    "/cfg.json": json.dumps({"layer": "conv4_1/conv4_1", "units": [1, 2]}).encode(),
    "/img.png": _png(PIXELS),
    "/arr.npy.gz": None,  # filled below
}
_npy = io.BytesIO()
np.save(_npy, np.arange(12, dtype=np.int16).reshape(3, 4))
FILES["/arr.npy.gz"] = gzip.compress(_npy.getvalue())
LONG_NAME = "/" + "very-long-name_" * 20 + ".json"  # 301 characters: too long for a file name
FILES[LONG_NAME] = b'{"long": true}'


@pytest.fixture(scope="module")
def http_files():
    """A real HTTP server on 127.0.0.1 serving FILES."""
    with FileServer(FILES) as srv:
        yield srv


@pytest.fixture
def server(http_files):
    """The server's base URL, with a fresh request log for each test."""
    http_files.requests.clear()
    return http_files.url


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Each test gets its own download cache ($LUCID_VGG_CACHE) and a fresh request log."""
    d = tmp_path / "cache"
    monkeypatch.setenv("LUCID_VGG_CACHE", str(d))
    return d


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- local files -------------------------------------------------------------------------------

def test_read_local_bytes_text_and_file_url(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(FILES["/notes.txt"])
    assert read(str(path)) == FILES["/notes.txt"]
    assert read(path, encoding="utf-8") == FILES["/notes.txt"].decode("utf-8")
    assert read(str(path), mode="r") == "caf\u00e9 line one\nline two\n"  # text mode: universal newlines
    assert read("file://" + str(path)) == FILES["/notes.txt"]
    with read_handle(str(path)) as handle:
        assert handle.read(4) == b"caf\xc3"
    assert handle.closed


def test_read_missing_file_names_it(tmp_path):
    missing = str(tmp_path / "nope" / "x.bin")
    with pytest.raises(FileNotFoundError, match="No such file: .*nope/x.bin"):
        read(missing)
    with pytest.raises(FileNotFoundError, match="nope"):
        read("file://" + missing)


def test_read_relative_path_joins_io_scope(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("scoped")
    with io_scope(str(tmp_path)):
        with io_scope("sub"):
            assert read("a.txt", encoding="ascii") == "scoped"
            assert load("a.txt") == "scoped"


@pytest.mark.parametrize("kwargs, words", [
    ({"mode": "w"}, "read mode"), ({"mode": "rbt"}, "read mode"), ({"cache": "yes"}, "cache must be"),
])
def test_read_bad_arguments(tmp_path, kwargs, words):
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(ValueError, match=words):
        read(str(tmp_path / "f"), **kwargs)


def test_unsupported_scheme_and_unknown_encoding(tmp_path):
    with pytest.raises(ValueError, match="unsupported URL scheme 'ftp://'.*gs://"):
        read("ftp://example.com/a.bin")
    with pytest.raises(LookupError):
        read(str(tmp_path), encoding="no-such-codec")


# -- URLs through the download cache ------------------------------------------------------------

def test_read_url_downloads_once_into_the_cache(server, cache, http_files):
    url = server + "/data.bin"
    assert read(url) == FILES["/data.bin"]
    assert read(url) == FILES["/data.bin"]
    assert http_files.requests == ["/data.bin"]  # the second read is a cache hit
    cached = local_cache_path(url)
    assert cached == cache_path_for(url) and cached.startswith(str(cache))
    with open(cached, "rb") as f:
        assert f.read() == FILES["/data.bin"]
    assert not [n for n in os.listdir(os.path.dirname(cached)) if n.endswith((".part", ".tmp"))]


def test_cache_false_leaves_nothing_and_purge_downloads_again(server, cache, http_files):
    url = server + "/notes.txt"
    assert read(url, cache=False, mode="r") == "caf\u00e9 line one\nline two\n"
    assert not os.path.exists(local_cache_path(url))
    read(url)
    read(url, cache="purge")
    assert http_files.requests == ["/notes.txt"] * 3


def test_read_url_errors_name_the_url(server, tmp_path):
    url = server + "/missing.bin"
    with pytest.raises(DownloadError, match="missing.bin.*404"):
        read(url)
    dead = f"http://127.0.0.1:{closed_port()}/x.bin"
    with pytest.raises(DownloadError) as e:
        read(dead)
    assert dead in str(e.value) and "cannot connect" in str(e.value)
    assert isinstance(e.value, OSError)


def test_long_url_names_are_cut_to_a_valid_cache_file_name(server):
    assert load(server + LONG_NAME) == {"long": True}
    name = os.path.basename(local_cache_path(server + LONG_NAME))
    assert len(name) == MAX_FILENAME_LENGTH and name.endswith("very-long-name_.json")
    assert os.path.basename(os.path.dirname(local_cache_path(server + LONG_NAME))) == LUCID_CACHE_DIR_NAME
    assert RESERVED_PATH_CHARS.sub("_", "a/b?c.png") == "a_b_c.png"


def test_gs_urls_read_from_the_public_https_endpoint():
    assert local_cache_path("gs://bucket/dir/f.npy") == cache_path_for(
        "https://storage.googleapis.com/bucket/dir/f.npy")


# -- load() through read_handle ----------------------------------------------------------------

def test_load_urls_of_each_kind(server):
    np.testing.assert_array_equal(load(server + "/img.png"), PIXELS / np.float32(255))
    assert load(server + "/cfg.json") == {"layer": "conv4_1/conv4_1", "units": [1, 2]}
    assert load(server + "/notes.txt", split=True) == ["caf\u00e9 line one", "line two"]
    np.testing.assert_array_equal(load(server + "/arr.npy.gz"), np.arange(12).reshape(3, 4))


def test_load_redownloads_a_damaged_cached_copy_once(server, http_files):
    url = server + "/img.png"
    damaged = local_cache_path(url)
    os.makedirs(os.path.dirname(damaged), exist_ok=True)
    with open(damaged, "wb") as f:  # a stale copy from before download records existed
        f.write(b"\x89PNG not really")
    np.testing.assert_array_equal(load(url), PIXELS / np.float32(255))
    assert http_files.requests == ["/img.png"]


def test_load_list_of_urls_keeps_order_and_returns_errors_in_place(server):
    out = load([server + "/cfg.json", server + "/gone.json", server + "/notes.txt"])
    assert out[0]["units"] == [1, 2] and out[2].startswith("caf\u00e9")
    assert isinstance(out[1], DownloadError) and "404" in str(out[1])


def test_load_unreachable_url_and_missing_file(tmp_path):
    with pytest.raises(DownloadError, match="cannot connect"):
        load(f"http://127.0.0.1:{closed_port()}/a.png")
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load(str(tmp_path / "missing.json"))
