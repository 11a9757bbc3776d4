"""Fault tests: numerical blow-ups, interrupted renders and batch jobs, killed writers, and the
weights cache under concurrency/corruption (those last ones live in test_weights_cache.py and
test_download.py; see the index at the end of tests/test_bad_input_catalogue.py)."""
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import objectives, param, render
from lucid_vgg.optvis.param.variables import make_variable, rng

HERE = os.path.dirname(os.path.abspath(__file__))
C21 = "conv2_1/conv2_1"
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def unbounded_pixels(size=8):
    def param_f():
        return tf.convert_to_tensor(make_variable(rng().normal(size=(1, size, size, 3)).astype(np.float32)))
    return param_f


def sq_input():
    return objectives.Objective(lambda T: tf.reduce_sum(T("input") ** 2), "sq", "sq")


# -- 4. numerical faults ----------------------------------------------------------------------
def test_nan_objective_at_start_names_step_and_cause(tiny_model):
    obj = objectives.channel(C21, 1) / (0 * objectives.channel(C21, 2))
    with pytest.raises(render.RenderNumericalError) as e:
        render.render_vis(tiny_model, obj, lambda: param.image(16), transforms=[], thresholds=(3,),
                          verbose=False)
    assert isinstance(e.value, FloatingPointError)
    msg = str(e.value)
    assert "step 0 of 4" in msg and "starting image" in msg and "divides by zero" in msg
    assert e.value.step == 0 and e.value.images == []


def test_divergence_names_step_learning_rate_and_bounds_and_keeps_images(tiny_model):
    # maximise -|x|^2 with SGD(100): x <- -199 x each step, unbounded pixels overflow float32
    with pytest.raises(render.RenderNumericalError) as e:
        render.render_vis(tiny_model, -1 * sq_input(), unbounded_pixels(),
                          optimizer=tf.keras.optimizers.SGD(100.0), transforms=[],
                          thresholds=(1, 60), verbose=False)
    msg = str(e.value)
    assert f"step {e.value.step} of 61" in msg and 2 <= e.value.step < 60
    for words in ("diverged", "learning rate too high", "not bounded", "finite steps"):
        assert words in msg
    assert len(e.value.images) == 1 and np.all(np.isfinite(e.value.images[0]))  # threshold 1 kept


def test_nan_gradient_is_caught_one_step_later(tiny_model):
    # loss finite (sqrt(0) = 0) but its gradient at 0 is inf -> NaN variables -> NaN loss next step
    obj = objectives.Objective(lambda T: tf.sqrt(tf.reduce_sum(T("input") * 0.0)), "sqrt0", "sqrt0")
    with pytest.raises(render.RenderNumericalError) as e:
        render.render_vis(tiny_model, obj + 0.0 * sq_input(), unbounded_pixels(), transforms=[],
                          thresholds=(10,), verbose=False)
    assert e.value.step == 1 and "after 1 finite steps" in str(e.value)


def test_non_finite_image_at_threshold(tiny_model):
    # the loss ignores the NaN entries (stop_gradient-free mask), but the image is NaN
    def param_f():
        v = make_variable(np.zeros((1, 8, 8, 3), np.float32))
        return tf.convert_to_tensor(v) + tf.constant(np.where(np.arange(3) == 2, np.nan, 0.0),
                                                     tf.float32)
    obj = objectives.Objective(lambda T: tf.reduce_sum(T("input")[..., :2] ** 2), "rg", "rg")
    with pytest.raises(render.RenderNumericalError, match="the image is NaN .*param_f"):
        render.render_vis(tiny_model, obj, param_f, transforms=[], thresholds=(0,), verbose=False)


def test_finite_render_is_unaffected(tiny_model):
    imgs = render.render_vis(tiny_model, f"{C21}:1", lambda: param.image(16), transforms=[],
                             thresholds=(2,), verbose=False)
    assert np.all(np.isfinite(imgs[0]))


# -- 2. interrupted work ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_pb(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("pb") / "tiny.pb"
    path.write_bytes(tiny_model.graph_def.SerializeToString())
    return str(path)


def _wait_for(proc, stream_lines, needle, timeout=90):
    """Block until `needle` appears in the collected output of `proc` (read by a thread)."""
    t0 = time.monotonic()
    while not any(needle in line for line in stream_lines):
        assert proc.poll() is None, f"process ended early: {''.join(stream_lines)}"
        assert time.monotonic() - t0 < timeout, "timed out waiting for " + needle
        time.sleep(0.05)


def _reader(stream, sink):
    import threading

    def run():
        for chunk in iter(lambda: stream.read(64), ""):
            sink.append(chunk)
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def test_cli_render_interrupted_by_sigint_or_sigterm_saves_partial_png(tiny_pb, tmp_path):
    from PIL import Image

    runs = []
    for sig in (signal.SIGINT, signal.SIGTERM):  # both processes at once (saves a TF start-up)
        d = tmp_path / sig.name
        d.mkdir()
        proc = subprocess.Popen([sys.executable, "-m", "lucid_vgg", "render", "conv2_1/conv2_1:1",
                                 "--size", "24", "--steps", "100000", "--model-pb", tiny_pb,
                                 "-o", str(d / "unit.png")],
                                env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        err = []
        runs.append((sig, d, proc, err, _reader(proc.stderr, err)))
    for sig, d, proc, err, th in runs:
        _wait_for(proc, err, "ms/step")  # the progress bar: steps are running
        proc.send_signal(sig)
    for sig, d, proc, err, th in runs:
        stdout = proc.stdout.read()
        proc.wait(60)
        th.join(5)
        assert proc.returncode == 130, (sig.name, "".join(err))
        assert "interrupted; partial image" in stdout and "Traceback" not in "".join(err)
        with Image.open(d / "unit.png") as im:
            im.load()
            assert im.size == (24, 24)
        assert [p.name for p in d.iterdir()] == ["unit.png"]  # no temp file left behind


SLOW_IMPORT = textwrap.dedent("""
    import builtins, sys, time
    from lucid_vgg import cli
    real_import = builtins.__import__
    ready = sys.argv.pop(1)

    def slow_tensorflow(name, *args, **kwargs):
        # TensorFlow's first import, slowed down, failing the way NumPy's C extension does when
        # a signal interrupts it: the KeyboardInterrupt comes out as an ImportError
        if name == "tensorflow" and "tensorflow" not in sys.modules:
            open(ready, "w").close()
            try:
                time.sleep(120)
            except KeyboardInterrupt as e:
                raise ImportError("PyCapsule_Import could not import module 'datetime'") from e
        return real_import(name, *args, **kwargs)

    builtins.__import__ = slow_tensorflow
    sys.exit(cli.main(sys.argv[1:]))
""")


def test_cli_sigterm_during_start_up_is_an_interruption(tiny_pb, tmp_path):
    """SIGTERM while TensorFlow is being imported: exit 130 'interrupted', not exit 1 with the
    ImportError an extension module makes of the KeyboardInterrupt (nor death by the signal)."""
    ready = tmp_path / "importing-tensorflow"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_IMPORT, str(ready), "layers", "--model-pb",
                             tiny_pb], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() - t0 < 90, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "lucid-vgg layers: interrupted"
    assert "Traceback" not in err and out == ""


def _interrupt_on_call(monkeypatch, n):
    real_step = render.Visualization.step
    calls = []

    def step(self):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real_step(self)
    monkeypatch.setattr(render.Visualization, "step", step)


def test_render_layer_interrupted_keeps_finished_units_and_resumes(tiny_model, tmp_path, monkeypatch):
    from lucid_vgg.recipes import layer_renders
    from lucid_vgg.misc import io as mio

    out = tmp_path / "units"
    _interrupt_on_call(monkeypatch, 6)  # steps=3 -> 4 steps per batch: dies inside batch 2
    with pytest.raises(KeyboardInterrupt):
        layer_renders.render_layer(tiny_model, C21, out_dir=str(out), units=range(6), size=16,
                                   steps=3, batch_size=2, transforms=[])
    assert sorted(os.listdir(out)) == ["conv2_1_0000.png", "conv2_1_0001.png",  # complete, no temp
                                       "manifest.jsonl"]
    assert len(open(out / "manifest.jsonl").read().splitlines()) == 2  # one row per saved unit
    for name in [n for n in os.listdir(out) if n.endswith(".png")]:
        assert np.asarray(mio.load(str(out / name))).shape[:2] == (16, 16)
    monkeypatch.undo()
    _, info = layer_renders.render_layer(tiny_model, C21, out_dir=str(out), units=range(6), size=16,
                                         steps=3, batch_size=2, transforms=[], return_info=True)
    assert info.loaded == [0, 1] and info.rendered == [2, 3, 4, 5]


def test_render_layer_cli_interrupt_exits_130_with_resume_hint(tiny_pb, tmp_path, monkeypatch, capsys):
    from lucid_vgg import cli

    _interrupt_on_call(monkeypatch, 6)
    code = cli.main(["render-layer", C21, str(tmp_path), "--units", "0-3", "--size", "16", "--steps", "3",
                     "--batch-size", "2", "--model-path", tiny_pb])
    err = capsys.readouterr().err
    assert code == 130 and "interrupted; 2 units are saved" in err and "rerun the same command" in err
    assert len([p for p in os.listdir(tmp_path) if p.endswith(".png")]) == 2


WRITER = textwrap.dedent("""
    import os, sys
    import numpy as np
    import tensorflow as tf
    from lucid_vgg.misc import io as mio
    from modelzoo.util import save_graphdef
    target, ready = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(int(sys.argv[3]))
    i = 0
    while True:
        i += 1
        img = rng.integers(0, 256, (768, 768, 3), dtype=np.uint8)
        img[0, 0] = i % 256
        mio.save(img, os.path.join(target, "big.png"))
        mio.save(np.full((1 << 21,), i, np.float32), os.path.join(target, "big.npy"))
        g = tf.Graph()
        with g.as_default():
            tf.constant(np.full((1 << 20,), i, np.float32), name="weights")
        save_graphdef(g.as_graph_def(), os.path.join(target, "big.pb"), {"i": i})
        if i == 2:
            open(ready, "w").close()
""")


def test_killed_writer_never_leaves_a_partial_target(tmp_path):
    """SIGKILL a process saving a large PNG, .npy and graph (+ sidecar) in a loop, at random
    times; every target present must load completely (a graph may only fail its sidecar check,
    which the cache treats as 'rebuild', never as a usable graph), and the next write of each
    target sweeps the temp files the killed writer left."""
    from PIL import Image

    from lucid_vgg.misc import io as mio
    from modelzoo.weights import cache
    from modelzoo.util import CorruptGraphError, load_graphdef, parse_graph_def, save_graphdef

    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    procs = []
    for round_ in range(3):  # three writers at once, each killed at its own random moment
        target = tmp_path / f"target{round_}"
        target.mkdir()
        ready = tmp_path / f"ready{round_}"
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(ready), str(round_)],
                                env=ENV, stderr=subprocess.PIPE, text=True)
        procs.append((round_, target, ready, proc))
    t0 = time.monotonic()
    while not all(ready.exists() for _, _, ready, _ in procs):
        for _, _, _, proc in procs:
            assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() - t0 < 120
        time.sleep(0.02)
    for round_, target, ready, proc in procs:
        time.sleep(rnd.uniform(0.0, 0.7))
        proc.send_signal(signal.SIGKILL)
    for round_, target, ready, proc in procs:
        proc.wait(30)
        proc.stderr.close()
        ctx = f"(seed {seed}, writer {round_})"
        with Image.open(target / "big.png") as im:
            im.load()
            assert im.size == (768, 768), ctx
        arr = np.load(target / "big.npy")
        assert arr.shape == (1 << 21,) and np.all(arr == arr[0]), ctx
        try:
            gd = load_graphdef(str(target / "big.pb"))
        except CorruptGraphError as e:  # killed between sidecar and graph: detected, never used
            assert "sidecar records" in str(e) or "SHA-256" in str(e), ctx
            gd = parse_graph_def((target / "big.pb").read_bytes(), "big.pb")  # the graph is whole
            with pytest.warns(UserWarning, match="rebuilt"):
                assert cache.load_cached(str(target / "big.pb")) is None
        assert [n.name for n in gd.node] == ["weights"], ctx
        visible = sorted(p for p in os.listdir(target) if not p.startswith("."))
        assert set(visible) <= {"big.png", "big.npy", "big.pb", "big.pb.json"}, ctx
        # only hidden temp files (".big.png.PID.XXXX.tmp") may survive a SIGKILL, never at a target
        # path, and they name the killed writer's pid ...
        temp = re.compile(r"\.big\.(png|npy|pb|pb\.json)\.%d\.[^.]+\.tmp\Z" % proc.pid)
        assert all(temp.match(p) for p in os.listdir(target) if p.startswith(".")), ctx
        # ... so the next write of each target removes them
        mio.save(np.zeros((8, 8, 3), np.uint8), str(target / "big.png"))
        mio.save(arr, str(target / "big.npy"))
        save_graphdef(gd, str(target / "big.pb"))
        assert sorted(os.listdir(target)) == ["big.npy", "big.pb", "big.pb.json", "big.png"], ctx


def _dead_pid():
    """The pid of a process that has exited (and been reaped): what a SIGKILLed writer leaves."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"], env=ENV)
    proc.wait(30)
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)
    return proc.pid


@pytest.mark.parametrize("writer", ["png", "npy", "atomic_write_bytes", "download"])
def test_next_write_sweeps_temp_files_of_dead_writers(tmp_path, writer):
    """A temp file named with a dead writer's pid is removed by the next write of the same
    target; temps of a live pid, of other targets, with another suffix or without a pid stay."""
    from lucid_vgg.misc import io as mio
    from modelzoo.weights.download import cache_path_for, fetch
    from lucid_vgg.misc.io.writing import atomic_write_bytes

    srv, suffix = None, ".tmp"
    if writer == "download":
        srv, H, url = _serve(os.urandom(20_000))
        target, suffix = cache_path_for(url, str(tmp_path)), ".part"
    else:
        target = str(tmp_path / {"png": "img.png", "npy": "arr.npy"}.get(writer, "g.pb"))
    write = {"png": lambda: mio.save(np.zeros((4, 4, 3), np.uint8), target),
             "npy": lambda: mio.save(np.arange(5.0), target),
             "atomic_write_bytes": lambda: atomic_write_bytes(target, b"graph bytes"),
             "download": lambda: fetch(url, cache_dir=str(tmp_path), progress=False)}[writer]
    d, base = os.path.split(target)
    os.makedirs(d, exist_ok=True)
    dead = _dead_pid()
    stale = f".{base}.{dead}.k3j_x9q2{suffix}"
    kept = [f".{base}.{os.getpid()}.a1b2c3d4{suffix}",  # a live writer (this process)
            f".other.bin.{dead}.a1b2c3d4{suffix}",  # another target
            f".{base}.{dead}.{dead}.a1b2c3d4{suffix}",  # the target "{base}.{dead}"
            f".{base}.{dead}.a1b2c3d4.other",  # another suffix
            f".{base}.a1b2c3d4{suffix}"]  # old name without a pid
    for name in [stale] + kept:
        open(os.path.join(d, name), "w").close()
    try:
        write()
    finally:
        if srv is not None:
            srv.shutdown()
            srv.server_close()
    assert sorted(os.listdir(d)) == sorted(kept + [base])


KILLED_BUILDER = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {tests!r})
    from modelzoo.weights.vgg16 import vgg16_graph_def
    def stuck_builder():
        open({ready!r}, "w").close()
        time.sleep(600)
    vgg16_graph_def(builders=[("stuck", stuck_builder, "")], url=None)
""")


def test_cache_builder_killed_while_holding_the_lock(tmp_path, monkeypatch):
    """A builder SIGKILLed mid-build leaves no cache file, and the lock dies with it: the next
    process builds normally instead of hanging or loading a partial graph."""
    from test_weights_cache import CountingBuilder
    from modelzoo.weights.vgg16 import vgg16_graph_def

    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("LUCID_VGG_CACHE", str(cache_dir))
    monkeypatch.delenv("LUCID_VGG_VGG16_PB", raising=False)
    ready = tmp_path / "ready"
    env = dict(ENV, LUCID_VGG_CACHE=str(cache_dir))
    env.pop("LUCID_VGG_VGG16_PB", None)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_BUILDER.format(tests=HERE, ready=str(ready))],
                            env=env)
    t0 = time.monotonic()
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() - t0 < 90
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert sorted(os.listdir(cache_dir)) == ["VGG16_caffe.pb.lock"]
    b = CountingBuilder()
    gd = vgg16_graph_def(builders=b.as_sources(), url=None)  # would block forever on a stale lock
    assert b.calls == 1 and len(gd.node) > 0


# -- 3. downloads: recorded size + SHA-256, checked on every cache hit --------------------------
def _serve(payload):
    import http.server
    import threading

    class H(http.server.BaseHTTPRequestHandler):
        hits = []

        def log_message(self, *a):
            pass

        def do_GET(self):
            H.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, H, f"http://127.0.0.1:{srv.server_address[1]}/model.pb"


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_cached_download_is_detected_and_fetched_again(tmp_path, damage):
    from modelzoo.weights.download import fetch

    payload = os.urandom(300_000)
    srv, H, url = _serve(payload)
    try:
        path = fetch(url, cache_dir=str(tmp_path), progress=False)
        with open(path, "r+b") as f:
            if damage == "truncate":
                f.truncate(1000)
            else:
                f.seek(5000)
                f.write(b"\x00" if payload[5000] else b"\x01")
        with pytest.warns(UserWarning, match="truncated" if damage == "truncate" else "SHA-256"):
            again = fetch(url, cache_dir=str(tmp_path), progress=False)
        assert again == path and open(path, "rb").read() == payload and len(H.hits) == 2
        fetch(url, cache_dir=str(tmp_path), progress=False)  # intact now: a plain cache hit
        assert len(H.hits) == 2
    finally:
        srv.shutdown()
        srv.server_close()


def test_download_not_matching_expected_sha256_leaves_nothing(tmp_path):
    import hashlib

    from modelzoo.weights.download import DownloadError, fetch

    payload = os.urandom(50_000)
    srv, H, url = _serve(payload)
    try:
        with pytest.raises(DownloadError, match="do not match the expected SHA-256"):
            fetch(url, cache_dir=str(tmp_path), progress=False, sha256="0" * 64)
        assert os.listdir(tmp_path / "downloads") == []
        good = hashlib.sha256(payload).hexdigest()
        assert open(fetch(url, cache_dir=str(tmp_path), progress=False, sha256=good), "rb").read() == payload
    finally:
        srv.shutdown()
        srv.server_close()
