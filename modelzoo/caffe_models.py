"""Caffe-trained models ported to TF, as in Lucid's zoo: VGG16_caffe."""
import os
from typing import Any, Optional, Sequence

import tensorflow as tf

from modelzoo.fileio import PathLike
from modelzoo.vision_base import IMAGENET_MEAN_BGR, Model
from modelzoo.weights.vgg16 import vgg16_graph_def
from modelzoo.wordnet import IMAGENET_SYNSETS_PATH

# The 1000 ILSVRC-2012 class names in class-index order (= VGG16's fc8/prob units), shipped with
# the package so `model.labels` works offline; provenance in modelzoo/labels/README.md.
IMAGENET_LABELS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "labels",
                                    "ImageNet_standard.txt")

_VGG16_DENSE = ("fc6/fc6", "fc7/fc7", "prob")


class VGG16_caffe(Model):
    """VGG16 (Simonyan & Zisserman, 2014), the ILSVRC-2014 Caffe weights, Lucid's layer names.

    The frozen graph comes from, in order: an explicit path (`VGG16_caffe(path)` or
    $LUCID_VGG_VGG16_PB), the local cache, a graph built from an installed offline weights
    source, or Lucid's original URL. Built from the offline ONNX source it has conv layers only.
    """

    model_path = "https://storage.googleapis.com/modelzoo/vision/caffe_models/VGG16.pb"
    labels_path = IMAGENET_LABELS_PATH
    synsets_path = IMAGENET_SYNSETS_PATH  # shipped (modelzoo.wordnet), same order as labels
    dataset = "ImageNet"
    image_shape = [224, 224, 3]
    is_BGR = True
    image_value_range = (-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR)
    input_name = "input"

    layers: Sequence[Any] = [  # Lucid-style dicts, made Layers by Model.__init_subclass__
        {"tags": ["conv"], "name": "conv1_1/conv1_1", "depth": 64},
        {"tags": ["conv"], "name": "conv1_2/conv1_2", "depth": 64},
        {"tags": ["conv"], "name": "conv2_1/conv2_1", "depth": 128},
        {"tags": ["conv"], "name": "conv2_2/conv2_2", "depth": 128},
        {"tags": ["conv"], "name": "conv3_1/conv3_1", "depth": 256},
        {"tags": ["conv"], "name": "conv3_2/conv3_2", "depth": 256},
        {"tags": ["conv"], "name": "conv3_3/conv3_3", "depth": 256},
        {"tags": ["conv"], "name": "conv4_1/conv4_1", "depth": 512},
        {"tags": ["conv"], "name": "conv4_2/conv4_2", "depth": 512},
        {"tags": ["conv"], "name": "conv4_3/conv4_3", "depth": 512},
        {"tags": ["conv"], "name": "conv5_1/conv5_1", "depth": 512},
        {"tags": ["conv"], "name": "conv5_2/conv5_2", "depth": 512},
        {"tags": ["conv"], "name": "conv5_3/conv5_3", "depth": 512},
        {"tags": ["dense"], "name": "fc6/fc6", "depth": 4096},
        {"tags": ["dense"], "name": "fc7/fc7", "depth": 4096},
        {"tags": ["dense"], "name": "prob", "depth": 1000},
    ]

    def __init__(self, path: Optional[PathLike] = None) -> None:
        self.path = path

    @property
    def graph_source(self) -> Optional[str]:
        """The explicit path or URL given to this instance, or None for the default chain
        ($LUCID_VGG_VGG16_PB, cache, offline build, Lucid's URL): VGG16_caffe("full.pb") and
        VGG16_caffe() are different models."""
        return None if self.path is None else os.fspath(self.path)

    def load_graph_def(self) -> tf.compat.v1.GraphDef:
        """Resolve the frozen graph through modelzoo.weights (explicit path, cache, build, download)."""
        return vgg16_graph_def(self.path)

    @property
    def has_dense_layers(self) -> bool:
        """True when the loaded graph has fc6/fc7/prob (i.e. it came from full ImageNet weights)."""
        names = {node.name for node in self.graph_def.node}
        return "prob" in names

    def _unknown_layer_message(self, name: str) -> str:
        base = str(name).split(":")[0]
        if base in _VGG16_DENSE and self._graph_def is not None and not self.has_dense_layers:
            return (f"{base!r} is not in this VGG16_caffe graph: it was built from the offline "
                    "ONNX weights source, which holds the ImageNet convolutional layers only "
                    "(its dense head is a different classifier, so it is not used). To get "
                    "fc6/fc7/prob, convert Keras' vgg16_weights_tf_dim_ordering_tf_kernels.h5 with "
                    "`lucid-vgg convert-h5 FILE` (or modelzoo.weights.keras_h5), or point "
                    "$LUCID_VGG_VGG16_PB at Lucid's original VGG16.pb.")
        return super()._unknown_layer_message(name)
