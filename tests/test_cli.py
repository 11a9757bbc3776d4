"""The `lucid-vgg` CLI: layers, render (on the tiny graph via the hidden --model-pb), exit codes."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lucid_vgg import cli


@pytest.fixture(scope="module")
def tiny_pb(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("pb") / "tiny.pb"
    path.write_bytes(tiny_model.graph_def.SerializeToString())
    return str(path)


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_layers(tiny_pb, capsys):
    code, out, err = run(["layers", "--model-pb", tiny_pb], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "VGG16_caffe: 5 of 16 layers in this graph"
    assert "conv1_1/conv1_1      8  conv" in out
    assert "conv3_1/conv3_1     32  conv" in out
    assert any(line.startswith("conv4_1/conv4_1") and line.endswith("(not in this graph)") for line in lines)
    assert any(line.startswith("prob ") and "dense" in line for line in lines)


def test_render_tiny(tiny_pb, tmp_path, capsys):
    out_png = tmp_path / "unit.png"
    argv = ["render", "conv2_1/conv2_1:3", "--size", "32", "--steps", "12", "--batch", "2",
            "--seed", "0", "-o", str(out_png), "--model-pb", tiny_pb]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("objective conv2_1/conv2_1:3 at step 1: ")
    assert lines[1].startswith("objective conv2_1/conv2_1:3 at step 12: ")
    start, end = (float(line.rsplit(" ", 1)[1]) for line in lines[:2])
    assert end > start
    assert lines[2] == f"saved {out_png}"
    assert "12/12" in err and "ms/step" in err     # progress bar on stderr
    img = Image.open(out_png)
    assert img.size == (64, 32) and img.mode == "RGB"   # batch of 2 side by side
    assert sorted(os.listdir(tmp_path)) == ["unit.png"]  # no temp file left behind
    first = out_png.read_bytes()
    code, _, _ = run(argv + ["-q"], capsys)
    assert code == 0 and out_png.read_bytes() == first    # --seed: reproducible


def test_render_default_output_name(tiny_pb, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["render", "conv1_1/conv1_1:0", "--size", "16", "--steps", "2", "-q",
                        "--no-transforms", "--model-pb", tiny_pb], capsys)
    assert code == 0 and (tmp_path / "conv1_1_conv1_1_0.png").is_file()
    assert np.asarray(Image.open(tmp_path / "conv1_1_conv1_1_0.png")).shape == (16, 16, 3)


def _exit_code(argv):
    try:
        return cli.main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["paint"], "invalid choice: 'paint'"),
    (["render"], "the following arguments are required: objective"),
    (["render", "conv1_1/conv1_1:1", "--steps", "0"], "argument --steps: expected a positive integer, got 0"),
    (["render", "conv1_1/conv1_1:1", "--size", "big"], "argument --size: expected a positive integer"),
    (["render", "conv1_1/conv1_1"], "must look like 'layer:channel'"),
    (["render", "conv1_1/conv1_1:1", "-o", "x.jpg"], "must be a .png file"),
    (["render", "conv1_1/conv1_1:1", "-o", "/nonexistent-dir/x.png"], "does not exist"),
])
def test_bad_usage_exit_2(argv, message, capsys):
    code = _exit_code(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("objective, message", [
    ("conv2_1/conv2_1:16", "channel 16 is out of range for layer 'conv2_1/conv2_1', which has depth 16: "
                           "valid channels are 0..15"),
    ("conv2_1/conv2_l:1", "Did you mean 'conv2_1/conv2_1'"),
])
def test_bad_unit_exit_2(objective, message, tiny_pb, tmp_path, capsys):
    code = _exit_code(["render", objective, "--steps", "2", "-o", str(tmp_path / "x.png"), "--model-pb", tiny_pb])
    out, err = capsys.readouterr()
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_runtime_failure_exit_1(tmp_path, capsys):
    code = _exit_code(["layers", "--model-pb", str(tmp_path / "missing.pb")])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("lucid-vgg layers: error: GraphFileNotFound: Graph file ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"this is not a graph")
    code = _exit_code(["render", "conv1_1/conv1_1:1", "--model-pb", str(bad), "-o", str(tmp_path / "o.png")])
    _, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_debug_raises_with_traceback(tmp_path):
    with pytest.raises(Exception, match="does not exist"):
        cli.main(["--debug", "layers", "--model-pb", str(tmp_path / "missing.pb")])


def test_subcommands_are_pluggable(capsys):
    cli.register("hello", "say hello", lambda p: p.add_argument("who"), lambda a: print("hi", a.who) or 0)
    try:
        assert cli.main(["hello", "you"]) == 0
        assert capsys.readouterr().out == "hi you\n"
    finally:
        cli.COMMANDS[:] = [c for c in cli.COMMANDS if c.name != "hello"]


def test_python_dash_m(tiny_pb):
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    out = subprocess.run([sys.executable, "-m", "lucid_vgg", "layers", "--model-pb", tiny_pb],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0 and out.stderr == "" and "conv1_1/conv1_1" in out.stdout


@pytest.mark.slow
def test_render_real_vgg16(tmp_path):
    """`lucid-vgg render` on the real VGG16_caffe (builds/caches the graph on first use)."""
    exe = shutil.which("lucid-vgg") or os.path.join(os.path.dirname(sys.executable), "lucid-vgg")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "lucid_vgg"]
    out = subprocess.run(cmd + ["render", "conv4_1/conv4_1:12", "--size", "64", "--steps", "24",
                                "--seed", "0", "-o", str(tmp_path / "unit.png")],
                         capture_output=True, text=True, timeout=600)
    if out.returncode == 1 and "VGG16" in out.stderr and "weights" in out.stderr:
        pytest.skip(f"VGG16_caffe weights unavailable: {out.stderr.strip()}")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    start, end = (float(line.rsplit(" ", 1)[1]) for line in lines[:2])
    assert end > 2 * start
    assert Image.open(tmp_path / "unit.png").size == (64, 64)


def test_delegated_subcommands_are_wired(capsys, tmp_path):
    from lucid_vgg import cli

    assert cli.main(["convert-h5", str(tmp_path / "missing.h5")]) == 1
    assert "No such Keras weights file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["render-layer", "--help"])
    assert e.value.code == 0 and "LAYER" in capsys.readouterr().out.upper()
