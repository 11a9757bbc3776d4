"""The `lucid-vgg` CLI: layers, render, render-layer and convert-h5, exit codes and errors.

Runs on the tiny graph through the hidden `--model-pb` (render, layers) / `--model-path`
(render-layer), read with VGG16_caffe's layer table (so conv2_1 has depth 128 there).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from lucid_vgg import cli
from lucid_vgg.cli.common import UsageError
from lucid_vgg.cli.render_layer import expand_units, parse_units


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
    assert "conv1_1/conv1_1     64  conv" in out     # depths: the model's layer table
    assert "conv3_1/conv3_1    256  conv" in out
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


def test_render_an_input_channel(tiny_pb, tmp_path, capsys):
    """"input:n" reads the image, a graph node outside the layer table: the up-front size check
    takes graph node names, so it renders."""
    code, out, err = run(["render", "input:0", "--size", "16", "--steps", "2", "-q", "--no-transforms",
                          "-o", str(tmp_path / "in.png"), "--model-pb", tiny_pb], capsys)
    assert code == 0, err
    assert (tmp_path / "in.png").is_file()


def _exit_code(argv):
    try:
        return cli.main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["paint"], "invalid choice: 'paint'"),
    (["render"], "the following arguments are required: objective"),
    (["render", "conv1_1/conv1_1:1", "--steps", "0"], "argument --steps: expected an integer from 1 to 1,000,000, got 0"),
    (["render", "conv1_1/conv1_1:1", "--size", "big"], "argument --size: expected a positive integer"),
    (["render", "conv1_1/conv1_1"], "must look like 'layer:channel'"),
    (["render", "conv1_1/conv1_1:1", "-o", "x.jpg"], "must be a .png file"),
    (["render", "conv1_1/conv1_1:1", "-o", "/nonexistent-dir/x.png"], "does not exist"),
    (["render-layer", "conv1_1/conv1_1", "out", "--size", "0"], "argument --size: expected a positive integer, got 0"),
    (["render-layer", "conv1_1/conv1_1", "out", "--steps", "-1"], "argument --steps: expected an integer from 0 to 1,000,000, got -1"),
])
def test_bad_usage_exit_2(argv, message, capsys):
    code = _exit_code(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("objective, message", [
    ("conv2_1/conv2_1:128", "channel 128 is out of range for layer 'conv2_1/conv2_1', which has depth 128: "
                            "valid channels are 0..127"),
    ("conv2_1/conv2_1:-129", "channel -129 is out of range"),
    ("conv2_1/conv2_l:1", "Did you mean 'conv2_1/conv2_1'"),
    ("fc6/fc6:0", "not in this VGG16_caffe graph"),
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
    with pytest.raises(Exception, match="does not exist"):  # render-layer's own --debug
        cli.main(["render-layer", "conv1_1/conv1_1", str(tmp_path), "--debug", "--model-path",
                  str(tmp_path / "missing.pb")])


@pytest.mark.parametrize("name", ["render", "layers", "render-layer", "convert-h5"])
def test_every_subcommand_has_its_help(name, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([name, "--help"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith(f"usage: lucid-vgg {name} ")


def test_render_layer_renders_then_resumes(tiny_pb, tmp_path, capsys):
    out = tmp_path / "grid"
    argv = ["render-layer", "conv1_1/conv1_1", str(out), "--units", "3-4", "--size", "12", "--steps", "4",
            "--seed", "1", "--model-path", tiny_pb]
    assert cli.main(argv) == 0
    assert (out / "conv1_1_0003.png").exists() and (out / "conv1_1_grid.png").exists()
    assert "rendered 2, reused 0" in capsys.readouterr().err
    assert cli.main(argv) == 0
    assert "rendered 0, reused 2" in capsys.readouterr().err
    assert _exit_code(["render-layer", "conv1_1/conv1_1", str(out), "--units", "64", "--model-path", tiny_pb]) == 2
    assert "unit 64 is out of range" in capsys.readouterr().err


@pytest.mark.parametrize("text, units", [("0-2,5", [0, 1, 2, 5]), (" 7 , 3-3,", [7, 3])])
def test_parse_units(text, units):
    assert [u for span in parse_units(text) for u in span] == units


def test_units_range_is_checked_before_it_is_expanded():
    """'0-3000000000' stays a range until the layer's depth has refused it (no MemoryError)."""
    spans = parse_units("0-3000000000")
    assert spans == [range(0, 3000000001)]
    layer = SimpleNamespace(name="conv1_1/conv1_1", depth=64)
    with pytest.raises(UsageError, match="unit 64 is out of range for layer 'conv1_1/conv1_1' with 64"):
        expand_units(spans, layer)
    with pytest.raises(UsageError, match="no known depth; name at most 65536 units"):
        expand_units(spans, SimpleNamespace(name="x", depth=None))
    assert expand_units(parse_units("9,0-1"), layer) == [9, 0, 1]


@pytest.mark.parametrize("text, message", [("3-1", "bad unit '3-1'"), ("a", "bad unit 'a'"),
                                           ("-2", "bad unit '-2'"), ("0-3,2", "[2] more than once"),
                                           ("5-3000000000,0-9", "[5, 6, 7, 8, 9] more than once"),
                                           (",", "no units")])
def test_parse_units_rejects(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
        parse_units(text)


def test_convert_h5_missing_file_exit_1(capsys, tmp_path):
    assert cli.main(["convert-h5", str(tmp_path / "missing.h5")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lucid-vgg convert-h5: error: ") and "No such Keras weights file" in err


def test_python_dash_m(tiny_pb):
    out = subprocess.run([sys.executable, "-m", "lucid_vgg", "layers", "--model-pb", tiny_pb],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("VGG16_caffe: 5 of 16 layers in this graph\n")


@pytest.mark.slow
@pytest.mark.weights
def test_render_real_vgg16(tmp_path):
    """`lucid-vgg render` on the real VGG16_caffe (builds/caches the graph on first use)."""
    exe = shutil.which("lucid-vgg") or os.path.join(os.path.dirname(sys.executable), "lucid-vgg")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "lucid_vgg"]
    out = subprocess.run(cmd + ["render", "conv4_1/conv4_1:12", "--size", "64", "--steps", "24",
                                "--seed", "0", "-o", str(tmp_path / "unit.png")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    start, end = (float(line.rsplit(" ", 1)[1]) for line in lines[:2])
    assert end > 2 * start
    assert Image.open(tmp_path / "unit.png").size == (64, 64)
