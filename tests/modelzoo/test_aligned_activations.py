"""modelzoo.aligned_activations: Lucid's pages fetched from a real http.server on 127.0.0.1 through
the download module, the covariance push checked against NumPy, and the offline error."""
import io
import os

import numpy as np
import pytest

from modelzoo import aligned_activations as aa
from modelzoo.caffe_models import VGG16_caffe
from modelzoo.vision_base import Layer
from modelzoo.weights.download import DownloadError

from helpers import FileServer

ROWS, DEPTH = {"conv1_1_conv1_1": 4, "conv2_1_conv2_1": 6}, 3  # per page; layer depth 4 or 6
PAGES = {}  # URL path -> .npy bytes


def _page(layer, page):
    rng = np.random.default_rng([page, len(layer)])
    return rng.uniform(0, 1, (5, ROWS[layer])).astype(np.float32)


for _layer in ROWS:
    for _p in range(aa.NUMBER_OF_PAGES):
        buf = io.BytesIO()
        np.save(buf, _page(_layer, _p))
        PAGES[f"/aligned-activations/VGG16_caffe/{_layer}-{_p:05d}-of-01000.npy"] = buf.getvalue()


@pytest.fixture(scope="module")
def http_files():
    """A real HTTP server on 127.0.0.1 serving PAGES."""
    with FileServer(PAGES) as srv:
        yield srv


@pytest.fixture
def server(http_files):
    """The server's base URL, with a fresh request log for each test."""
    http_files.requests.clear()
    return http_files.url


def layer(name, depth):
    """A Layer of VGG16_caffe (the folder in the URL) with the depth of the served test pages."""
    return Layer(VGG16_caffe, name, depth, ["conv"])


@pytest.fixture(autouse=True)
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("LUCID_VGG_CACHE", str(tmp_path / "cache"))
    for f in (aa.get_aligned_activations, aa.layer_covariance, aa.layer_inverse_covariance):
        f.cache_clear()


def test_url_template_is_lucids():
    assert aa.PATH_TEMPLATE == "gs://modelzoo/aligned-activations/{}/{}-{:05d}-of-01000.npy"
    urls = aa.activation_urls(layer("conv4_1/conv4_1", 512))
    assert len(urls) == aa.NUMBER_OF_PAGES == 10
    assert urls[3] == ("https://storage.googleapis.com/modelzoo/aligned-activations/VGG16_caffe/"
                       "conv4_1_conv4_1-00003-of-01000.npy")


def test_download_stacks_pages_and_caches(server, monkeypatch, http_files):
    monkeypatch.setattr(aa, "PATH_TEMPLATE", server + "/aligned-activations/{}/{}-{:05d}-of-01000.npy")
    c11 = layer("conv1_1/conv1_1", 4)
    acts = c11.activations  # Lucid's Layer.activations
    want = np.vstack([_page("conv1_1_conv1_1", p) for p in range(aa.NUMBER_OF_PAGES)])
    np.testing.assert_array_equal(acts, want)
    assert len(http_files.requests) == aa.NUMBER_OF_PAGES
    aa.get_aligned_activations.cache_clear()
    np.testing.assert_array_equal(aa.get_aligned_activations(c11), want)
    assert len(http_files.requests) == aa.NUMBER_OF_PAGES  # second read: from the disk cache


def test_push_activations_matches_numpy(server, monkeypatch):
    monkeypatch.setattr(aa, "PATH_TEMPLATE", server + "/aligned-activations/{}/{}-{:05d}-of-01000.npy")
    a, b = layer("conv1_1/conv1_1", 4), layer("conv2_1/conv2_1", 6)
    xa = np.vstack([_page("conv1_1_conv1_1", p) for p in range(10)]).astype(np.float64)
    xb = np.vstack([_page("conv2_1_conv2_1", p) for p in range(10)]).astype(np.float64)
    np.testing.assert_allclose(aa.layer_covariance(a, b), xa.T @ xb / len(xa), rtol=1e-5)
    vectors = np.random.default_rng(0).normal(size=(2, 4))
    want = vectors @ np.linalg.inv(xa.T @ xa / len(xa)).T @ (xa.T @ xb / len(xa))
    pushed = aa.push_activations(vectors, a, b)
    assert pushed.shape == (2, 6)
    np.testing.assert_allclose(pushed, want, rtol=1e-4)
    # pushing a layer onto itself gives the vectors back
    np.testing.assert_allclose(aa.push_activations(vectors, a, a), vectors, rtol=1e-4, atol=1e-6)


def test_offline_names_the_url_and_the_cache_file_to_place(server, monkeypatch):
    closed_port = "http://127.0.0.1:9/aligned-activations/{}/{}-{:05d}-of-01000.npy"
    monkeypatch.setattr(aa, "PATH_TEMPLATE", closed_port)
    c11 = layer("conv1_1/conv1_1", 4)
    with pytest.raises(DownloadError) as info:
        aa.get_aligned_activations(c11)
    url = "http://127.0.0.1:9/aligned-activations/VGG16_caffe/conv1_1_conv1_1-00000-of-01000.npy"
    message = str(info.value)
    assert url in message and "cannot connect" in message
    place = message.split("place a copy of " + url + " at ")[1].split(" (")[0]
    assert place.startswith(os.environ["LUCID_VGG_CACHE"])
    # following the advice works: copies placed at the named cache files are used, offline
    for p, page_url in enumerate(aa.activation_urls(c11)):
        target = aa.cache_path_for(page_url)
        if p == 0:
            assert target == place
        os.makedirs(os.path.dirname(target), exist_ok=True)
        np.save(target, _page("conv1_1_conv1_1", p))  # the name ends in .npy: saved as is
    assert aa.get_aligned_activations(c11).shape == (50, 4)


def test_pages_of_the_wrong_depth_are_refused(server, monkeypatch):
    monkeypatch.setattr(aa, "PATH_TEMPLATE", server + "/aligned-activations/{}/{}-{:05d}-of-01000.npy")
    with pytest.raises(ValueError, match="4 channels but the layer conv1_1/conv1_1 has depth 64"):
        aa.get_aligned_activations(VGG16_caffe().get_layer("conv1_1/conv1_1"))


def test_not_a_layer_is_a_clear_error():
    with pytest.raises(TypeError, match="needs a model Layer"):
        aa.activation_urls("conv1_1/conv1_1")
