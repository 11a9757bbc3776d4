"""lucid-vgg: Lucid feature visualisation in TensorFlow 2.

Importing it imports `modelzoo` (the lower layer, TensorFlow-free at import), which sets the
oneDNN default before TensorFlow loads; see modelzoo/__init__.py.
"""
import modelzoo as _modelzoo  # noqa: F401  the oneDNN default lives there, in one place

try:  # the installed distribution's version (setup.cfg), recorded in render manifests
    from importlib.metadata import PackageNotFoundError as _NotFound, version as _version

    __version__ = _version("lucid-vgg")
except _NotFound:  # running from a source tree that is not installed
    __version__ = "0+unknown"
