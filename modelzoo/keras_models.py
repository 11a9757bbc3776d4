"""keras.applications networks as model-zoo entries (live Keras models, see modelzoo.keras_model),
each with its own input convention, and ImageNet weights read from Keras' own cache only.

    VGG16, VGG19, ResNet50   Caffe-style: BGR, ImageNet mean subtracted, 0..255
    InceptionV3, MobileNetV2 pixels in [-1, 1], RGB
    EfficientNetB0, ConvNeXtTiny  pixels in 0..255, RGB (they normalise inside the model)

`VGG16()` wants the file Keras itself caches (`$KERAS_HOME` or ~/.keras, then models/<file>);
nothing is downloaded: a missing file is an error naming the file, its URL and where it goes.
`weights=None` gives random weights (tests, architecture checks).
"""
import os
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

import keras

from modelzoo.caffe_models import IMAGENET_LABELS_PATH
from modelzoo.keras_model import KerasModel
from modelzoo.types import ValueRange
from modelzoo.util import load_text_labels
from modelzoo.vision_base import IMAGENET_MEAN_BGR

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
CAFFE_RANGE = (-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR)


class Entry(NamedTuple):
    """How to build one keras.applications network and feed it."""
    build: Callable[..., Any]
    files: Tuple[str, str]       # (with top, without top) as Keras caches them
    url_dir: str
    image_value_range: ValueRange
    is_BGR: bool


ENTRIES: Dict[str, Entry] = {
    "VGG16": Entry(keras.applications.VGG16, ("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                   "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"), "vgg16/", CAFFE_RANGE, True),
    "VGG19": Entry(keras.applications.VGG19, ("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                   "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"), "vgg19/", CAFFE_RANGE, True),
    "ResNet50": Entry(keras.applications.ResNet50, ("resnet50_weights_tf_dim_ordering_tf_kernels.h5",
                      "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"), "resnet/", CAFFE_RANGE, True),
    "InceptionV3": Entry(keras.applications.InceptionV3, (
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"), "inception_v3/", (-1.0, 1.0), False),
    "MobileNetV2": Entry(keras.applications.MobileNetV2, (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"), "mobilenet_v2/",
        (-1.0, 1.0), False),
    "EfficientNetB0": Entry(keras.applications.EfficientNetB0, ("efficientnetb0.h5", "efficientnetb0_notop.h5"),
                            "", (0.0, 255.0), False),
    "ConvNeXtTiny": Entry(keras.applications.ConvNeXtTiny, ("convnext_tiny.h5", "convnext_tiny_notop.h5"),
                          "convnext/", (0.0, 255.0), False),
}
WEIGHTS_CHOICES = ("imagenet", None)


def keras_cache_dir() -> str:
    """Where Keras caches downloaded weights: $KERAS_HOME/models, else ~/.keras/models."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models")


def cached_weights(name: str, include_top: bool = True) -> str:
    """Path of `name`'s ImageNet weights in Keras' cache; FileNotFoundError saying which file
    goes where (and where Keras would download it from) when it is not there."""
    entry = ENTRIES[name]
    file = entry.files[0 if include_top else 1]
    path = os.path.join(keras_cache_dir(), file)
    if not os.path.isfile(path):
        url = ("https://storage.googleapis.com/keras-applications/" if name == "EfficientNetB0"
               else _BASE + entry.url_dir) + file
        raise FileNotFoundError(
            f"{name} ImageNet weights not found: put {file} into {keras_cache_dir()} (Keras' own "
            f"cache, $KERAS_HOME/models or ~/.keras/models; it is downloaded from {url}). "
            "Nothing is downloaded here; use weights=None for random weights.")
    return path


def keras_application(name: str, weights: Optional[str] = "imagenet", include_top: bool = True,
                      **kwargs: Any) -> KerasModel:
    """KerasModel for keras.applications.`name` with its preprocessing as the input convention.
    weights: "imagenet" (from Keras' cache, see cached_weights), None (random) or a file path."""
    if name not in ENTRIES:
        raise ValueError(f"unknown keras.applications entry {name!r}; known: {sorted(ENTRIES)}")
    entry = ENTRIES[name]
    if weights == "imagenet":
        weights = cached_weights(name, include_top)
    elif weights is not None and not os.path.isfile(os.fspath(weights)):
        raise ValueError(f"weights must be 'imagenet', None or an existing weights file, got {weights!r}")
    model = entry.build(weights=weights, include_top=include_top, **kwargs)
    labels = load_text_labels(IMAGENET_LABELS_PATH) if include_top else None
    return KerasModel(model, image_value_range=entry.image_value_range, is_BGR=entry.is_BGR,
                      labels=labels, modelname=name)


def _entry_function(name: str) -> Callable[..., KerasModel]:
    def make(weights: Optional[str] = "imagenet", include_top: bool = True, **kwargs: Any) -> KerasModel:
        return keras_application(name, weights, include_top, **kwargs)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = (f"keras.applications.{name} as a KerasModel (pixels {ENTRIES[name].image_value_range!r}"
                    f"{', BGR' if ENTRIES[name].is_BGR else ''}); weights 'imagenet' (Keras' cache), None or a path.")
    return make


VGG16 = _entry_function("VGG16")
VGG19 = _entry_function("VGG19")
ResNet50 = _entry_function("ResNet50")
InceptionV3 = _entry_function("InceptionV3")
MobileNetV2 = _entry_function("MobileNetV2")
EfficientNetB0 = _entry_function("EfficientNetB0")
ConvNeXtTiny = _entry_function("ConvNeXtTiny")

__all__ = ["ENTRIES", "keras_application", "cached_weights", "keras_cache_dir"] + list(ENTRIES)
