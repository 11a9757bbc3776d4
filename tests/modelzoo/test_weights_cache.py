"""The VGG16 weights cache: SHA-256-verified loads, rebuilds, clear errors, concurrent builders."""
import errno
import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from conftest import TINY_BLOCKS, TINY_WIDTHS
from helpers import random_vgg_weights
from modelzoo import VGG16_caffe
from modelzoo.util import CorruptGraphError, GraphFileNotFound, extract_metadata, load_graphdef, save_graphdef
from modelzoo.weights.graph_builder import build_frozen_graph, vgg_spec
from modelzoo.weights.onnx_source import WeightsSourceError, onnx_vgg16_weights
from modelzoo.weights.vgg16 import VGG16WeightsNotFound, build_from_onnx, vgg16_graph_def

# this folder (the test module) and tests/ (conftest, helpers): what a child process imports
HERE = os.path.dirname(os.path.abspath(__file__))
TEST_DIRS = [HERE, os.path.dirname(HERE)]

HINT = 'pip install "lucid-vgg[weights]"'


def tiny_graph(seed=0):
    conv, _ = random_vgg_weights(TINY_BLOCKS, TINY_WIDTHS, seed=seed)
    meta = {"source": f"tiny-random-{seed}", "has_dense": False}
    return build_frozen_graph(vgg_spec(conv, None, TINY_BLOCKS), metadata=meta), meta


class CountingBuilder:
    """A cheap stand-in for the ONNX source: counts how often the cache asks for a build."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return tiny_graph()

    def as_sources(self):
        return [("tiny random VGG", self, "nothing")]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("LUCID_VGG_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LUCID_VGG_VGG16_PB", raising=False)
    return tmp_path / "cache"


def test_build_once_then_cache_hit_with_sidecar(env):
    b = CountingBuilder()
    gd1 = vgg16_graph_def(builders=b.as_sources(), url=None)
    gd2 = vgg16_graph_def(builders=b.as_sources(), url=None)
    assert b.calls == 1 and gd1 == gd2
    side = json.loads((env / "VGG16_caffe.pb.json").read_text())
    assert side["size"] == (env / "VGG16_caffe.pb").stat().st_size and len(side["sha256"]) == 64
    assert side["has_dense"] is False and extract_metadata(gd1)["source"] == "tiny-random-0"


@pytest.mark.parametrize("damage", ["flip", "truncate", "sidecar"])
def test_corrupt_cache_is_reported_and_rebuilt(env, damage):
    b = CountingBuilder()
    good = vgg16_graph_def(builders=b.as_sources(), url=None)
    pb = env / "VGG16_caffe.pb"
    data = bytearray(pb.read_bytes())
    if damage == "flip":  # same size, a few bytes changed deep inside a weight tensor
        data[len(data) // 2: len(data) // 2 + 4] = bytes(255 - x for x in data[len(data) // 2: len(data) // 2 + 4])
        pb.write_bytes(bytes(data))
    elif damage == "truncate":
        pb.write_bytes(bytes(data[: len(data) * 2 // 3]))
    else:
        (env / "VGG16_caffe.pb.json").write_text("{not json")
    with pytest.warns(UserWarning, match="corrupt"):
        again = vgg16_graph_def(builders=b.as_sources(), url=None)
    assert b.calls == 2 and again == good
    assert load_graphdef(str(pb)) == good  # the rebuilt file verifies


def test_corrupt_file_is_never_returned(tmp_path):
    gd, meta = tiny_graph()
    p = str(tmp_path / "g.pb")
    save_graphdef(gd, p, meta)
    with open(p, "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x00\x00\x00")
    with pytest.raises(CorruptGraphError, match="SHA-256") as e:
        load_graphdef(p)
    assert p in str(e.value) and "Delete" in str(e.value)


def test_truncated_pb_without_sidecar_is_detected(tmp_path):
    data = tiny_graph()[0].SerializeToString()
    for frac in (0.1, 0.5, 0.9, 0.999):
        p = tmp_path / f"t{frac}.pb"
        p.write_bytes(data[: int(len(data) * frac)])
        with pytest.raises(CorruptGraphError, match=str(p).replace(".", r"\.")):
            load_graphdef(str(p))


@pytest.mark.parametrize("content", [b"", b"hello, this is not a graph\n", json.dumps({"a": 1}).encode(),
                                     np.arange(1000, dtype=np.float32).tobytes()])
def test_explicit_path_that_is_not_a_graph(tmp_path, monkeypatch, content):
    p = tmp_path / "VGG16.pb"
    p.write_bytes(content)
    with pytest.raises(CorruptGraphError) as e:
        VGG16_caffe(path=str(p)).graph_def
    assert str(p) in str(e.value)
    monkeypatch.setenv("LUCID_VGG_VGG16_PB", str(p))
    with pytest.raises(CorruptGraphError):
        vgg16_graph_def()


def test_explicit_path_missing(tmp_path):
    with pytest.raises(GraphFileNotFound, match="does not exist"):
        vgg16_graph_def(str(tmp_path / "nope.pb"))
    assert issubclass(GraphFileNotFound, ValueError)


def test_explicit_path_works_with_model(tmp_path, rng_images):
    gd, meta = tiny_graph()
    p = str(tmp_path / "tiny.pb")
    save_graphdef(gd, p, meta)
    acts = VGG16_caffe(path=p).get_activations(rng_images, "conv2_1/conv2_1")
    assert acts.shape == (2, 16, 16, 16) and acts.max() > 0


def test_missing_weights_package_says_pip_install(env):
    with pytest.raises(WeightsSourceError, match=HINT.replace("[", r"\[").replace("]", r"\]")):
        onnx_vgg16_weights(package="lucid_vgg_no_such_weights_pkg")
    sources = [("offline ONNX weights", lambda: build_from_onnx(package="lucid_vgg_no_such_weights_pkg"), HINT)]
    with pytest.raises(VGG16WeightsNotFound) as e:
        vgg16_graph_def(builders=sources, url=None)
    msg = str(e.value)
    assert HINT in msg and "lucid_vgg_no_such_weights_pkg" in msg and "LUCID_VGG_VGG16_PB" in msg
    assert not (env / "VGG16_caffe.pb").exists()


def test_wrong_onnx_file_is_rejected(tmp_path):
    p = tmp_path / "model.onnx"
    p.write_bytes(b"definitely not onnx")
    with pytest.raises(WeightsSourceError, match="model.onnx"):
        onnx_vgg16_weights(onnx_path=str(p))


def test_download_is_the_last_resort(env):
    data = tiny_graph(seed=3)[0].SerializeToString()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/VGG16.pb"
        gd = vgg16_graph_def(builders=[], url=url)
        assert extract_metadata(gd)["source"] == "tiny-random-3"
    finally:
        srv.shutdown()
        srv.server_close()


def test_everything_failing_lists_every_attempt(env):
    with pytest.raises(VGG16WeightsNotFound) as e:
        vgg16_graph_def(builders=[], url="http://127.0.0.1:9/VGG16.pb", timeout=1)
    msg = str(e.value)
    for words in ("1. explicit path", "2. cache", "offline build", "download", HINT):
        assert words in msg


CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path[:0] = {tests!r}
    from test_weights_cache import tiny_graph
    from modelzoo.weights.vgg16 import vgg16_graph_def
    me, other = sys.argv[1], sys.argv[2]
    open(me, "w").close()
    while not os.path.exists(other):  # start building at the same moment as the other process
        time.sleep(0.01)
    def slow_builder():
        with open({log!r}, "a") as f:
            f.write(str(os.getpid()) + "\\n")
        time.sleep(1.0)  # widen the race window
        return tiny_graph()
    gd = vgg16_graph_def(builders=[("tiny", slow_builder, "")], url=None)
    print(len(gd.node))
""")


def test_two_processes_building_at_once(env, tmp_path):
    log = str(tmp_path / "builds.log")
    script = CHILD.format(tests=TEST_DIRS, log=log)
    run_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    a, b = str(tmp_path / "a.ready"), str(tmp_path / "b.ready")
    procs = [subprocess.Popen([sys.executable, "-c", script, x, y], env=run_env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for x, y in ((a, b), (b, a))]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    assert outs[0][0] == outs[1][0]
    with open(log) as f:
        assert len(f.read().split()) == 1  # one process built, the other waited and loaded it
    gd = load_graphdef(str(env / "VGG16_caffe.pb"))  # verified against its sidecar
    assert gd == tiny_graph()[0]
    assert sorted(os.listdir(env)) == ["VGG16_caffe.pb", "VGG16_caffe.pb.json", "VGG16_caffe.pb.lock"]


# -- an unusable cache: a file in the way, read-only, full (issue 17) ----------------------------
def _cache_files(d):
    """What a failed cache write left in `d`, besides the lock file."""
    return sorted(n for n in os.listdir(d) if not n.endswith(".lock")) if os.path.isdir(d) else []


def _fail_with(code, calls=None):
    """A stand-in for a fileio function that raises OSError(code) (root ignores permissions and
    disks do not fill on demand, so the kernel's answer is simulated at the one write function)."""
    def fail(*args, **kwargs):
        if calls is not None:
            calls.append(args)
        raise OSError(code, os.strerror(code))
    return fail


def _vgg16_with_tiny_builder(monkeypatch):
    """VGG16_caffe() whose offline source is the tiny builder (the real ONNX takes ~10 s)."""
    from modelzoo.weights import vgg16

    b = CountingBuilder()
    monkeypatch.setattr(vgg16, "default_builders", b.as_sources)
    return b


def test_cache_dir_that_is_a_file_builds_in_memory(env, monkeypatch, rng_images):
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_text("not a directory")
    b = _vgg16_with_tiny_builder(monkeypatch)
    with pytest.warns(UserWarning, match="not cached") as w:
        acts = VGG16_caffe().get_activations(rng_images, "conv1_1/conv1_1")
    msg = str(w[0].message)
    assert str(env) in msg and "is a file" in msg and "LUCID_VGG_CACHE" in msg
    assert acts.shape == (2, 32, 32, 8) and b.calls == 1 and env.read_text() == "not a directory"


def test_read_only_cache_builds_in_memory(env, monkeypatch):
    from modelzoo import fileio

    env.mkdir(parents=True)
    env.chmod(0o555)
    if os.geteuid() == 0:  # root writes into a 0555 directory: give the kernel's EROFS answer
        monkeypatch.setattr(fileio, "temp_file_beside", _fail_with(errno.EROFS))
    b = _vgg16_with_tiny_builder(monkeypatch)
    try:
        with pytest.warns(UserWarning, match="not cached") as w:
            gd = VGG16_caffe().graph_def
    finally:
        env.chmod(0o755)
    msg = str(w[0].message)
    assert str(env) in msg and "LUCID_VGG_CACHE" in msg and ("read-only" in msg or "permission" in msg)
    assert gd == tiny_graph()[0] and b.calls == 1 and _cache_files(env) == []


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"),
                                         (errno.EACCES, "permission denied"), (errno.EDQUOT, "quota")])
def test_failed_cache_write_warns_and_leaves_nothing(env, monkeypatch, code, words):
    from modelzoo import fileio

    monkeypatch.setattr(fileio, "write_all", _fail_with(code))
    with pytest.warns(UserWarning, match="not cached") as w:
        gd = vgg16_graph_def(builders=CountingBuilder().as_sources(), url=None)
    msg = str(w[0].message)
    assert str(env / "VGG16_caffe.pb") in msg and words in msg and "LUCID_VGG_CACHE" in msg
    assert gd == tiny_graph()[0] and _cache_files(env) == []


def test_sidecar_write_failing_leaves_no_orphan(tmp_path, monkeypatch):
    """The sidecar is written after the graph's temp file: its failure leaves neither file."""
    from modelzoo import fileio

    real, calls = fileio.write_all, []

    def second_write_fails(handle, data):
        calls.append(len(data))
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(handle, data)

    monkeypatch.setattr(fileio, "write_all", second_write_fails)
    p = tmp_path / "g.pb"
    with pytest.raises(fileio.WriteError, match="disk is full") as e:
        save_graphdef(tiny_graph()[0], str(p), {})
    assert str(tmp_path) in str(e.value) and isinstance(e.value, OSError) and e.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []


def test_save_graphdef_onto_a_directory_names_it(tmp_path):
    from modelzoo.fileio import WriteError

    (tmp_path / "g.pb").mkdir()
    with pytest.raises(WriteError, match="directory") as e:
        save_graphdef(tiny_graph()[0], str(tmp_path / "g.pb"), {})
    assert str(tmp_path / "g.pb") in str(e.value) and os.listdir(tmp_path) == ["g.pb"]


def test_cached_graph_that_is_a_directory_is_moved_aside_and_rebuilt(env):
    (env / "VGG16_caffe.pb").mkdir(parents=True)
    (env / "VGG16_caffe.pb" / "yours.txt").write_text("keep me")
    b = CountingBuilder()
    with pytest.warns(UserWarning, match="was a directory") as w:
        gd = vgg16_graph_def(builders=b.as_sources(), url=None)
    assert str(env / "VGG16_caffe.pb") in str(w[0].message) and "moved-aside" in str(w[0].message)
    assert not [x for x in w if "LUCID_VGG_VGG16_PB" in str(x.message)]
    assert (env / "VGG16_caffe.pb.moved-aside" / "yours.txt").read_text() == "keep me"
    assert gd == tiny_graph()[0] and load_graphdef(str(env / "VGG16_caffe.pb")) == gd


def test_explicit_path_that_is_a_directory(tmp_path):
    with pytest.raises(GraphFileNotFound, match="is a directory") as e:
        vgg16_graph_def(str(tmp_path))
    assert "VGG16_caffe(path=...)" in str(e.value)


def _other_model_pb(path):
    """A frozen graph whose input is 'x', as another model's .pb would be."""
    import tensorflow as tf

    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        tf.nn.relu(x, name="y")
    save_graphdef(g.as_graph_def(), str(path), {})
    return str(path)


def test_env_pb_of_another_model_is_refused_on_load(env, monkeypatch):
    pb = _other_model_pb(env.parent / "other.pb")
    monkeypatch.setenv("LUCID_VGG_VGG16_PB", pb)
    with pytest.raises(ValueError, match=r"has no input 'input'; its inputs are \['x'\]") as e:
        VGG16_caffe().graph_def  # loading, before any render
    assert pb in str(e.value) and "$LUCID_VGG_VGG16_PB" in str(e.value)


def test_failed_download_write_names_the_cache(tmp_path):
    from modelzoo.weights.download import DownloadError, fetch

    (tmp_path / "cache").write_text("a file")
    with pytest.raises(DownloadError) as e:
        fetch("http://127.0.0.1:9/VGG16.pb", cache_dir=str(tmp_path / "cache"), timeout=1)
    assert str(tmp_path / "cache") in str(e.value) and "is a file" in str(e.value)


# -- deterministic builds (issue 17) ---------------------------------------------------------------
BUILD_CHILD = textwrap.dedent("""
    import sys
    sys.path[:0] = {tests!r}
    from test_weights_cache import tiny_graph
    from modelzoo.weights.vgg16 import vgg16_graph_def
    vgg16_graph_def(builders=[("tiny", tiny_graph, "")], url=None)
""")


def test_two_builds_into_two_empty_caches_are_byte_identical(tmp_path):
    """Protobuf writes node attrs (a map) in per-process hash order unless asked to be
    deterministic: each build runs in its own process, as rebuilds do."""
    script = BUILD_CHILD.format(tests=TEST_DIRS)
    for name in ("a", "b"):
        run_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", LUCID_VGG_CACHE=str(tmp_path / name))
        run_env.pop("LUCID_VGG_VGG16_PB", None)
        subprocess.run([sys.executable, "-c", script], env=run_env, check=True, capture_output=True)
    a, b = ((tmp_path / n / "VGG16_caffe.pb").read_bytes() for n in ("a", "b"))
    assert a == b
    assert (tmp_path / "a" / "VGG16_caffe.pb.json").read_text() == (tmp_path / "b" / "VGG16_caffe.pb.json").read_text()


def test_read_only_cache_holding_a_valid_graph_is_used(env, monkeypatch, recwarn):
    """A shared, read-only cache that already holds the graph: loaded, not rebuilt, no warning."""
    from modelzoo import fileio

    b = CountingBuilder()
    gd = vgg16_graph_def(builders=b.as_sources(), url=None)
    os.remove(env / "VGG16_caffe.pb.lock")
    monkeypatch.setattr(fileio, "make_dirs", _fail_with(errno.EROFS))  # the lock cannot be created
    again = vgg16_graph_def(builders=b.as_sources(), url=None)
    assert again == gd and b.calls == 1 and not [w for w in recwarn if "not cached" in str(w.message)]
