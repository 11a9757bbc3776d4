"""lucid-vgg: Lucid feature visualisation in TensorFlow 2.

Importing it imports `modelzoo` (the lower layer, TensorFlow-free at import), which sets the
oneDNN default before TensorFlow loads; see modelzoo/__init__.py.
"""
import modelzoo as _modelzoo  # noqa: F401  the oneDNN default lives there, in one place
