"""Activation vectors for an atlas: random patches of photos, one layer position per patch.

Lucid's atlases used 100k vectors it had collected from ImageNet (one random spatial position
per image, the same position for every layer) and downloaded. Here `collect_activations` makes
them from any photos: it is a plain function of (model, layer, images, settings) whose patch
sampling depends only on `seed` and each image's position in `images`, so a distributed executor
can run it on shards of images (one seed per shard) and concatenate the results.
"""
from typing import Any, Iterator, List, Optional, Tuple

import numpy as np

from lucid_vgg.recipes import _common, _photos
from lucid_vgg.recipes._common import LayerRef
from modelzoo.vision_base import Model

__all__ = ["collect_activations", "sample_patches"]


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def sample_patches(photo: np.ndarray, patch_size: int, n: int,
                   rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """`n` random square crops [n, patch_size, patch_size, 3] of `photo` (first resized so its
    shorter side is at least `patch_size`) and for each a relative position in (0, 1)^2 at
    which to read the layer (away from the edges, as Lucid sampled)."""
    h, w = photo.shape[:2]
    if min(h, w) < patch_size:
        scale = patch_size / min(h, w)
        photo = _photos.resize(photo, (max(patch_size, round(h * scale)),
                                       max(patch_size, round(w * scale))))
        h, w = photo.shape[:2]
    ys = rng.integers(0, h - patch_size + 1, n)
    xs = rng.integers(0, w - patch_size + 1, n)
    crops = np.stack([photo[y:y + patch_size, x:x + patch_size] for y, x in zip(ys, xs)])
    return crops, rng.uniform(0.125, 0.875, (n, 2))


def _read_positions(acts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """acts [n, h, w, c] (or [n, c]) read at relative positions [n, 2] -> [n, c]."""
    if acts.ndim == 2:
        return acts
    h, w = acts.shape[1:3]
    rows = np.minimum((positions[:, 0] * h).astype(int), h - 1)
    cols = np.minimum((positions[:, 1] * w).astype(int), w - 1)
    return acts[np.arange(len(acts)), rows, cols]


def _batches(model: Model, name: str, images: Any, patch_size: int, per_image: int,
             batch_size: int, seed: int, check_range: bool
             ) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
    crops: List[np.ndarray] = []
    where: List[np.ndarray] = []
    for index, photo in enumerate(_photos.iter_photos(images, check_range)):
        # one generator per image, from (seed, index): the same patches whoever runs which images
        rng = np.random.default_rng([seed, index])
        c, p = sample_patches(photo, patch_size, per_image, rng)
        crops.extend(c)
        where.extend(p)
        while len(crops) >= batch_size:
            yield np.stack(crops[:batch_size]), np.stack(where[:batch_size])
            crops, where = crops[batch_size:], where[batch_size:]
    if crops:
        yield np.stack(crops), np.stack(where)


def collect_activations(model: Model, layer: LayerRef, images: Any,
                        patch_size: Optional[int] = None, patches_per_image: int = 4,
                        batch_size: int = 32, seed: int = 0,
                        check_range: bool = True) -> np.ndarray:
    """Activation vectors [n_images * patches_per_image, depth] of `layer` for `images`.

    `images`: a folder of image files, an array [n, h, w, 3] / [h, w, 3] or an iterable of
    [h, w, 3] arrays (any sizes), float RGB in [0, 1] or uint8. From each image
    `patches_per_image` random `patch_size` crops (default the model's input size) are taken,
    run through the model `batch_size` at a time, and each gives the layer's vector at one
    random position. `seed` and an image's index fix its patches, so collecting with the same
    arguments (e.g. for two layers or two models) gives vectors from the same places.
    """
    name = _common.layer_name(model, layer)
    per_image = _positive(patches_per_image, "patches_per_image")
    batch_size = _positive(batch_size, "batch_size")
    patch = _common.check_size(_photos.model_hw(model)[0] if patch_size is None else patch_size,
                               batch_size, "patch_size")
    _common.check_size_for_layers(model, name, patch, batch_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    parts = [_read_positions(np.asarray(model.get_activations(crops, name, check_range=False)), where)
             for crops, where in _batches(model, name, images, patch, per_image, batch_size,
                                          int(seed), check_range)]
    if not parts:
        raise ValueError("images is empty: give at least one image to collect activations from")
    return np.concatenate(parts).astype(np.float32)
