"""lucid-vgg's model zoo: the Model base class and the VGG16_caffe entry (Lucid's names).

The lower layer: it imports nothing from lucid_vgg. Its top-level names load on first use, so
TensorFlow-free submodules (modelzoo.fileio, used by lucid_vgg.misc.io) import without TF.
"""
import importlib as _importlib
import os as _os
import sys as _sys

# TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI/BF16 or AMX;
# a VGG16 render step runs 1.6x faster with them on AVX2-only CPUs too (BENCHMARKS.md). Read at
# TensorFlow's import, so set only when TF is not loaded yet; an explicit setting wins.
# lucid_vgg imports this package first, so its users get the same default.
if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

_EXPORTS = {"Model": "modelzoo.vision_base", "Layer": "modelzoo.vision_base",
            "IMAGENET_MEAN": "modelzoo.vision_base", "IMAGENET_MEAN_BGR": "modelzoo.vision_base",
            "VGG16_caffe": "modelzoo.caffe_models",
            # Lucid's own modelzoo/__init__ is empty: these are conveniences; Lucid's paths
            # (modelzoo.nets_factory.get_model, modelzoo.vision_base.FrozenGraphModel...) work too.
            # Submodules sharing a function's name (get_activations, wordnet) stay modules here.
            "get_model": "modelzoo.nets_factory", "models_map": "modelzoo.nets_factory",
            "SerializedModel": "modelzoo.vision_base", "FrozenGraphModel": "modelzoo.vision_base",
            "KerasModel": "modelzoo.keras_model"}

__all__ = ["Model", "Layer", "VGG16_caffe", "IMAGENET_MEAN", "IMAGENET_MEAN_BGR", "get_model", "models_map",
           "SerializedModel", "FrozenGraphModel", "KerasModel"]


def __getattr__(name):
    """`modelzoo.Model` etc. and submodules (`modelzoo.vision_base`): imported on first use (PEP 562)."""
    if name in _EXPORTS:
        value = getattr(_importlib.import_module(_EXPORTS[name]), name)
    elif not name.startswith("__"):
        try:
            value = _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'modelzoo' has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module 'modelzoo' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
