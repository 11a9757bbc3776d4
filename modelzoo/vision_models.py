"""Lucid's `lucid.modelzoo.vision_models` namespace: every zoo entry by name (and Model, Layer)."""
from modelzoo.caffe_models import VGG16_caffe  # noqa: F401
from modelzoo.vision_base import Layer, Model  # noqa: F401

__all__ = ["Model", "Layer", "VGG16_caffe"]
