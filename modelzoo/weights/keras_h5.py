"""Convert Keras' ImageNet VGG16 weights (.h5) into Lucid's VGG16_caffe frozen graph.

Reads the legacy Keras-2 file `vgg16_weights_tf_dim_ordering_tf_kernels(_notop).h5` (what
`keras.applications.VGG16(weights="imagenet")` caches) and Keras-3 `save_weights` files.
fc1/fc2/predictions become fc6/fc7/fc8 + prob; kernels are already HWIO, flatten is NHWC.
"""
import logging
import os

import numpy as np

from modelzoo.fileio import file_lock, sha256_file
from modelzoo.util import save_graphdef
from modelzoo.weights.cache import default_cache_file
from modelzoo.weights.graph_builder import VGG16_CONV_BLOCKS, build_frozen_graph, vgg_spec
from modelzoo.weights.onnx_source import INSTALL_HINT, WeightsSourceError

log = logging.getLogger(__name__)

KERAS_TO_CAFFE = {f"block{b}_conv{i}": f"conv{b}_{i}" for b, n in VGG16_CONV_BLOCKS for i in range(1, n + 1)}
KERAS_TO_CAFFE.update(fc1="fc6", fc2="fc7", predictions="fc8")
KERAS_FILES = ("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
               "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _legacy_layers(root):
    """{layer_name: [arrays]} from a Keras-2 weights file (groups listed in attr `layer_names`)."""
    out = {}
    for raw in root.attrs.get("layer_names", []):
        name = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        group = root[name]
        wnames = [w.decode("utf-8") if isinstance(w, bytes) else str(w)
                  for w in group.attrs.get("weight_names", [])]
        if wnames:
            out[name] = [np.asarray(group[w]) for w in wnames]
    return out


def _keras3_layers(root):
    """{layer_name: [arrays]} from a Keras-3 `.weights.h5` (layers/<id>/vars with attr `name`)."""
    out = {}
    layers = root.get("layers")
    if layers is None:
        return out
    for key in layers:
        vars_ = layers[key].get("vars")
        if vars_ is None or not len(vars_):
            continue
        name = vars_.attrs.get("name", key)
        name = name.decode("utf-8") if isinstance(name, bytes) else str(name)
        out[name] = [np.asarray(vars_[str(i)]) for i in range(len(vars_))]
    return out


def read_keras_h5(h5_path):
    """(conv {"conv1_1": (k, b), ...}, fc {"fc6": (W, b), ...} or None) from a VGG16 Keras .h5."""
    try:
        import h5py
    except ImportError:
        raise WeightsSourceError(f"Reading Keras .h5 weights needs h5py: {INSTALL_HINT}.") from None
    path = os.fspath(h5_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such Keras weights file: {path}")
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            layers = _legacy_layers(root) or _keras3_layers(root)
    except OSError as e:
        raise WeightsSourceError(f"{path} is not a readable HDF5 file ({e}).") from None
    weights = {KERAS_TO_CAFFE[k]: v for k, v in layers.items() if k in KERAS_TO_CAFFE}
    missing = [k for k, v in KERAS_TO_CAFFE.items() if v.startswith("conv") and v not in weights]
    if missing:
        raise WeightsSourceError(f"{path} is not a Keras VGG16 weights file: no weights for "
                                 f"{', '.join(missing)} (found layers: {sorted(layers)}). Expected "
                                 f"one of {', '.join(KERAS_FILES)}.")
    conv, cin = {}, 3
    for keras_name, name in KERAS_TO_CAFFE.items():
        if not name.startswith("conv"):
            continue
        kernel, bias = weights[name][:2]
        if kernel.ndim != 4 or kernel.shape[:3] != (3, 3, cin) or bias.shape != kernel.shape[-1:]:
            raise WeightsSourceError(f"{path}: {keras_name} has kernel {kernel.shape}, bias {bias.shape}; "
                                     f"expected (3, 3, {cin}, C) HWIO, i.e. TF dim ordering.")
        conv[name] = (np.asarray(kernel, np.float32), np.asarray(bias, np.float32))
        cin = kernel.shape[-1]
    fc_names = ("fc6", "fc7", "fc8")
    present = [n for n in fc_names if n in weights]
    if present and len(present) != 3:
        raise WeightsSourceError(f"{path} has only {present} of fc1/fc2/predictions; expected all or none.")
    fc = None
    if present:
        fc, din = {}, 7 * 7 * cin
        for name in fc_names:
            w, b = weights[name][:2]
            if w.ndim != 2 or w.shape[0] != din or b.shape != w.shape[1:]:
                raise WeightsSourceError(f"{path}: {name} weight {w.shape}, expected ({din}, N).")
            fc[name] = (np.asarray(w, np.float32), np.asarray(b, np.float32))
            din = w.shape[1]
    return conv, fc



def build_from_keras_h5(h5_path):
    """(GraphDef, metadata) for a Keras VGG16 .h5; full model when it has the top, conv-only otherwise."""
    conv, fc = read_keras_h5(h5_path)
    meta = {"source": f"keras-h5:{os.path.basename(os.fspath(h5_path))}", "source_sha256": sha256_file(h5_path),
            "has_dense": fc is not None, "layout": "caffe-names", "license": "CC BY 4.0 (VGG16, "
            "Simonyan & Zisserman)"}
    return build_frozen_graph(vgg_spec(conv, fc), metadata=meta), meta


def convert_keras_h5(h5_path, out_path=None):
    """Convert a Keras VGG16 .h5 into a VGG16_caffe GraphDef saved at `out_path` (default: the cache).

    With no `out_path` it replaces the cached VGG16_caffe.pb, so `VGG16_caffe()` then has
    fc6/fc7/prob when the .h5 had the top.
    """
    gd, meta = build_from_keras_h5(h5_path)
    if out_path is None:
        out_path = default_cache_file()
    with file_lock(out_path):
        save_graphdef(gd, out_path, meta)
    log.info("Converted %s -> %s (%s)", h5_path, out_path, "with fc6/fc7/prob" if meta["has_dense"]
             else "conv layers only")
    return gd

