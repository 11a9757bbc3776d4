"""lucid-vgg's model zoo: the Model base class and the VGG16_caffe entry (Lucid's names)."""
import lucid_vgg  # noqa: F401  (first: it sets TensorFlow's oneDNN default before TF loads)
from modelzoo.vision_base import IMAGENET_MEAN, IMAGENET_MEAN_BGR, Layer, Model
from modelzoo.caffe_models import VGG16_caffe

__all__ = ["Model", "Layer", "VGG16_caffe", "IMAGENET_MEAN", "IMAGENET_MEAN_BGR"]
