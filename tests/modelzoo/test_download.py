"""fetch() against a real http.server on 127.0.0.1: cache hit, HTTP errors, drops, timeouts, resume."""
import http.server
import os
import threading

import pytest

from modelzoo.weights.download import VGG16_URL, DownloadError, fetch

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


class Handler(http.server.BaseHTTPRequestHandler):
    """Behaviour per path: /ok, /missing (404), /drop (half, always), /drop-once (half, then
    serves Range), /hang (never answers until `release` is set), /norange (drops once, ignores
    Range). `finished` records the paths whose handler has returned."""

    requests = []
    dropped = set()
    finished = []
    release = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.requests.append((self.path, self.headers.get("Range")))
        try:
            self._answer(self.path)
        finally:
            Handler.finished.append(self.path)

    def _answer(self, path):
        if path == "/missing":
            self.send_error(404, "Not Found")
            return
        if path == "/hang":  # accept the request, then say nothing at all
            Handler.release.wait(60)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and path == "/drop-once":
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        drop = path == "/drop" or (path in ("/drop-once", "/norange") and path not in Handler.dropped)
        if drop:
            Handler.dropped.add(path)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def reset():
    Handler.requests.clear()
    Handler.dropped.clear()
    Handler.finished.clear()


def _leftovers(cache):
    d = os.path.join(cache, "downloads")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def test_success_then_cache_hit(server, tmp_path):
    url = server + "/ok"
    p1 = fetch(url, cache_dir=str(tmp_path), progress=False)
    with open(p1, "rb") as f:
        assert f.read() == PAYLOAD
    p2 = fetch(url, cache_dir=str(tmp_path), progress=False)
    assert p1 == p2 and len(Handler.requests) == 1
    assert _leftovers(str(tmp_path)) == [os.path.basename(p1)]


def test_progress_bar_is_plain_text(server, tmp_path, capsys):
    fetch(server + "/ok", cache_dir=str(tmp_path), progress=True)
    err = capsys.readouterr().err
    assert "ok: [" in err and "1.0/1.0 MB" in err and err.endswith("\n")


def test_404_names_url_and_status(server, tmp_path):
    url = server + "/missing"
    with pytest.raises(DownloadError) as e:
        fetch(url, cache_dir=str(tmp_path), progress=False)
    assert url in str(e.value) and "404" in str(e.value)
    assert _leftovers(str(tmp_path)) == []


def test_truncated_download_leaves_nothing(server, tmp_path):
    url = server + "/drop"
    with pytest.raises(DownloadError, match="truncated|connection") as e:
        fetch(url, cache_dir=str(tmp_path), progress=False, resumes=0)
    assert url in str(e.value)
    assert _leftovers(str(tmp_path)) == []


def test_truncated_download_with_failed_resumes_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError):
        fetch(server + "/drop", cache_dir=str(tmp_path), progress=False, resumes=2)
    # /drop ignores Range and drops every time: once the resumes run out, nothing is left
    assert _leftovers(str(tmp_path)) == []


def test_resume_with_range(server, tmp_path):
    p = fetch(server + "/drop-once", cache_dir=str(tmp_path), progress=False)
    with open(p, "rb") as f:
        assert f.read() == PAYLOAD
    assert [r for _, r in Handler.requests] == [None, f"bytes={len(PAYLOAD) // 2}-"]


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    p = fetch(server + "/norange", cache_dir=str(tmp_path), progress=False)
    with open(p, "rb") as f:
        assert f.read() == PAYLOAD
    assert len(Handler.requests) == 2


def test_timeout_on_a_server_that_never_answers(server, tmp_path):
    """fetch gives up through its own timeout: the error says so while the server's handler is
    still waiting (it has not answered or closed), and nothing is left in the cache."""
    Handler.release.clear()
    try:
        with pytest.raises(DownloadError, match=r"timed out after 0\.3 s") as e:
            fetch(server + "/hang", cache_dir=str(tmp_path), timeout=0.3, progress=False)
        assert [p for p, _ in Handler.requests] == ["/hang"] and Handler.finished == []
    finally:
        Handler.release.set()
    assert "/hang" in str(e.value)
    assert _leftovers(str(tmp_path)) == []


def test_unreachable_vgg16_url_says_what_to_do(tmp_path):
    # a closed port on localhost stands in for the unreachable Google Cloud Storage URL
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    url = f"http://127.0.0.1:{port}/modelzoo/vision/caffe_models/VGG16.pb"
    with pytest.raises(DownloadError) as e:
        fetch(url, cache_dir=str(tmp_path), timeout=1, progress=False)
    msg = str(e.value)
    assert url in msg and 'pip install "lucid-vgg[weights]"' in msg and "LUCID_VGG_VGG16_PB" in msg
    assert VGG16_URL.endswith("/VGG16.pb")


def test_local_path_passes_through(tmp_path):
    assert fetch(str(tmp_path / "x.pb")) == str(tmp_path / "x.pb")
