"""`--keras-model FILE` on the CLI's render, render-layer and layers: a saved Keras model (.keras)
rendered by its Keras layer names, the input-range notice, and one-line errors."""
import numpy as np
import pytest
from PIL import Image

from conftest import TINY_BLOCKS
from lucid_vgg import cli
from modelzoo.weights.keras_vgg16 import keras_vgg


@pytest.fixture(scope="module")
def keras_file(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("keras") / "tiny.keras"
    keras_vgg(tiny_model.weights[0], TINY_BLOCKS, name="tiny_vgg").save(path)
    return str(path)


def run(argv, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_layers_of_a_keras_file(keras_file, capsys):
    code, out, err = run(["layers", "--keras-model", keras_file, "--input-range", "0,255"], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == "tiny_vgg: 8 of 8 layers in this graph"
    assert "block2_conv1     16  conv" in out


def test_render_a_keras_unit(keras_file, tmp_path, capsys):
    png = tmp_path / "unit.png"
    code, out, err = run(["render", "block2_conv1:3", "--keras-model", keras_file, "--bgr",
                          "--size", "32", "--steps", "10", "--batch", "2", "--seed", "0", "-q",
                          "-o", str(png)], capsys)
    assert code == 0, err
    assert "assuming" in err and "takes pixels in 0,1" in err  # the input-range notice
    start, end = (float(line.rsplit(" ", 1)[1]) for line in out.splitlines()[:2])
    assert end > start
    img = np.asarray(Image.open(png))
    assert img.shape == (32, 64, 3) and img.std() > 1


def test_render_layer_of_a_keras_file(keras_file, tmp_path, capsys):
    code, _, err = run(["render-layer", "block1_conv2", str(tmp_path), "--keras-model", keras_file,
                        "--input-range", "0,255", "--units", "0-3", "--size", "16", "--steps", "2",
                        "--quiet"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.glob("*.png"))[:4] == [
        f"block1_conv2_{u:04d}.png" for u in range(4)]


@pytest.mark.parametrize("argv, code, words", [
    (["render", "block2_conv:1"], 2, ["Could not find layer 'block2_conv'", "Did you mean", "'block2_conv1'"]),
    (["render", "block2_conv1:99"], 2, ["channel 99 is out of range", "depth 16"]),
    (["render", "block2_conv1:1", "--input-range", "5,1"], 2, ["--input-range", "LOW < HIGH"]),
    (["render-layer", "block9_conv1", "{tmp}"], 2, ["Could not find layer 'block9_conv1'"]),
])
def test_keras_usage_errors(keras_file, tmp_path, capsys, argv, code, words):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--keras-model", keras_file]
    got, _, err = run(argv, capsys)
    assert got == code, err
    line = err.strip().splitlines()[-1]
    assert "Traceback" not in err and all(w in line for w in words), err


def test_keras_file_errors_are_one_line(tmp_path, capsys):
    legacy = tmp_path / "weights_only.h5"
    import h5py
    with h5py.File(legacy, "w") as f:
        f.create_group("model_weights").attrs["layer_names"] = []
    code, _, err = run(["render", "block1_conv1:1", "--keras-model", str(legacy)], capsys)
    assert code == 1 and "cannot read this .h5" in err and "Keras 2" in err, err
    code, _, err = run(["layers", "--keras-model", str(tmp_path / "none.keras")], capsys)
    assert code == 1 and "No such Keras model file" in err, err


def test_layers_of_a_keras3_h5_file(tiny_model, tmp_path, capsys):
    """A whole model saved by Keras 3 as .h5 (its legacy format) loads like a .keras file."""
    path = tmp_path / "tiny.h5"
    keras_vgg(tiny_model.weights[0], TINY_BLOCKS, name="tiny_h5").save(path)
    code, out, err = run(["layers", "--keras-model", str(path), "--input-range", "0,1"], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == "tiny_h5: 8 of 8 layers in this graph"
