"""Lucid's aligned activations: 100k activations per layer, sampled over ImageNet at the same
spatial positions for every layer of a model, so layers (and models) can be correlated.

They live on Lucid's storage bucket and are fetched through modelzoo.weights.download (cached,
atomic, verified). Offline, a DownloadError names each URL and the cache file where a copy can be
placed by hand. Lucid published them for its own zoo's models; not every model has them.
"""
import functools
from typing import Any, List

import numpy as np

from modelzoo.weights.download import DownloadError, cache_path_for, fetch

PATH_TEMPLATE = "gs://modelzoo/aligned-activations/{}/{}-{:05d}-of-01000.npy"
PAGE_SIZE = 10000
NUMBER_OF_AVAILABLE_SAMPLES = 100000
NUMBER_OF_PAGES = NUMBER_OF_AVAILABLE_SAMPLES // PAGE_SIZE

_GCS_HTTPS = "https://storage.googleapis.com/"


def sanitize(name: str) -> str:
    """A layer or model name as it appears in the file names ('conv1_1/conv1_1' -> 'conv1_1_conv1_1')."""
    return name.replace("/", "_")


def _as_http(url: str) -> str:
    """gs://bucket/path as the bucket's public https URL (what the download module fetches)."""
    return _GCS_HTTPS + url[len("gs://"):] if url.startswith("gs://") else url


def _model_name(layer: Any) -> str:
    """The model name of a Layer (Lucid's `layer.model_name`; here also from its model class)."""
    name = getattr(layer, "model_name", None)
    if name:
        return str(name)
    owner = getattr(layer, "model_class", None)
    if owner is None:
        raise TypeError(f"get_aligned_activations needs a model Layer (model.get_layer(name)); got "
                        f"{type(layer).__name__} {layer!r}.")
    return str(getattr(owner, "modelname", None) or owner.__name__)


def activation_urls(layer: Any) -> List[str]:
    """The URLs of the NUMBER_OF_PAGES pages of `layer`'s aligned activations."""
    return [_as_http(PATH_TEMPLATE.format(sanitize(_model_name(layer)), sanitize(layer.name), page))
            for page in range(NUMBER_OF_PAGES)]


def _load_page(url: str) -> np.ndarray:
    """One page of activations: fetched (or found) in the download cache, read without pickle."""
    try:
        path = fetch(url)
    except DownloadError as e:
        raise DownloadError(f"{e} Aligned activations come from Lucid's storage: without network "
                            f"access, place a copy of {url} at {cache_path_for(url)} "
                            "(the download cache; $LUCID_VGG_CACHE moves it).") from None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path} (from {url}) is not a NumPy .npy array: {e}. Delete it to "
                         "download it again.") from None


@functools.lru_cache()
def get_aligned_activations(layer: Any) -> np.ndarray:
    """[100000, depth] activations of `layer` sampled over ImageNet (Lucid's published pages),
    downloaded once into the cache; rows align across the layers of one model."""
    activations = np.vstack([_load_page(url) for url in activation_urls(layer)])
    depth = getattr(layer, "depth", None)
    if activations.ndim != 2 or (depth is not None and activations.shape[1] != depth):
        raise ValueError(f"The aligned activations of {layer.name} (from {activation_urls(layer)[0]} "
                         f"and its {NUMBER_OF_PAGES - 1} sibling pages) have shape {activations.shape}: "
                         f"{activations.shape[-1]} channels but the layer {layer.name} has depth {depth}.")
    if not np.all(np.isfinite(activations)):
        raise ValueError(f"The aligned activations of {layer.name} contain NaN or infinite values.")
    return activations


def _activations(layer: Any) -> np.ndarray:
    acts = getattr(layer, "activations", None)
    return acts if isinstance(acts, np.ndarray) else get_aligned_activations(layer)


@functools.lru_cache()
def layer_covariance(layer1: Any, layer2: Any = None) -> np.ndarray:
    """[depth1, depth2] covariance (uncentred, as in Lucid) between two layers' neurons over the
    aligned samples; with one layer, that layer's symmetric matrix."""
    layer2 = layer2 or layer1
    act1, act2 = _activations(layer1), _activations(layer2)
    return np.matmul(act1.T, act2) / float(act1.shape[0])


@functools.lru_cache()
def layer_inverse_covariance(layer: Any) -> np.ndarray:
    """The inverse of `layer_covariance(layer)` (cached: pushing many vectors reuses it)."""
    return np.linalg.inv(layer_covariance(layer))


def push_activations(activations: np.ndarray, from_layer: Any, to_layer: Any) -> np.ndarray:
    """Map activation vectors [n, depth_from] of `from_layer` to the `to_layer` activations they
    predict linearly ([n, depth_to]), through the recorded correlations of the two layers."""
    decorrelated = np.dot(layer_inverse_covariance(from_layer), np.asarray(activations).T).T
    return np.dot(decorrelated, layer_covariance(from_layer, to_layer))
