"""Activation vectors for an atlas: random patches of photos, one layer position per patch.

Lucid's atlases used 100k vectors it had collected from ImageNet (one random spatial position
per image, the same position for every layer) and downloaded. Here `collect_activations` makes
them from any photos: it is a plain function of (model, layer, images, settings) whose patch
sampling depends only on `seed` and each image's position in `images`, so a distributed executor
can run it on shards of images (one seed per shard) and concatenate the results. With
`ray_address` the patches' forward passes run on Ray actors (the engine of
`recipes.ray_executor`); the patches are still cut here, so the vectors are the in-process ones.
"""
import itertools
import os
from typing import Any, Iterator, List, Optional, Tuple

import numpy as np

from lucid_vgg.recipes import _common, _photos
from lucid_vgg.recipes._common import LayerRef
from modelzoo.vision_base import Model

__all__ = ["collect_activations", "collect_patches", "sample_patches", "count_patches",
           "vectors_task"]


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


#: One batch of patches: (its index in the stream, crops [b, p, p, 3], read positions [b, 2]).
Batch = Tuple[int, np.ndarray, np.ndarray]


def _batches(images: Any, patch_size: int, per_image: int, batch_size: int, seed: int,
             check_range: bool) -> Iterator[Batch]:
    crops: List[np.ndarray] = []
    where: List[np.ndarray] = []
    count = 0
    for index, photo in enumerate(_photos.iter_photos(images, check_range)):
        # one generator per image, from (seed, index): the same patches whoever runs which images
        rng = np.random.default_rng([seed, index])
        c, p = sample_patches(photo, patch_size, per_image, rng)
        crops.extend(c)
        where.extend(p)
        while len(crops) >= batch_size:
            yield count, np.stack(crops[:batch_size]), np.stack(where[:batch_size])
            crops, where, count = crops[batch_size:], where[batch_size:], count + 1
    if crops:
        yield count, np.stack(crops), np.stack(where)


def vectors_task(model: Model, batch: Batch, layer_name: str) -> np.ndarray:
    """One batch's vectors [b, depth], in the executor's task form task(model, batch, opts):
    what runs in-process or on a Ray worker (returns the small vectors, never writes)."""
    _, crops, where = batch
    acts = model.get_activations(crops, layer_name, check_range=False)
    return _read_positions(np.asarray(acts), where)


def _describe(batch: Batch) -> str:
    """A lost batch, for the error when its Ray worker keeps dying."""
    return (f"collecting atlas activations of patch batch {batch[0]} ({len(batch[1])} patches); "
            "nothing was written, run it again")


def count_patches(images: Any, patches_per_image: int) -> Optional[int]:
    """How many patches `collect_activations` will take from `images` without reading any
    pixels: known for a folder, an array or a sized collection; None for a one-pass iterator."""
    if isinstance(images, (str, os.PathLike)):
        return len(_photos.list_image_files(os.fspath(images))) * patches_per_image
    if isinstance(images, np.ndarray):
        return (1 if images.ndim == 3 else len(images)) * patches_per_image
    if hasattr(images, "__len__") and not isinstance(images, (bytes, dict)):
        return len(images) * patches_per_image
    return None


def collect_patches(images: Any, patch_size: int, patches_per_image: int = 4, seed: int = 0,
                    check_range: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """The patches [n, patch_size, patch_size, 3] and read positions [n, 2] that
    `collect_activations` with the same arguments takes, row for row: to show which piece of
    which photo gave each activation vector (e.g. an atlas of real patches)."""
    per_image = _positive(patches_per_image, "patches_per_image")
    patch = _common.check_size(patch_size, 1, "patch_size")
    parts = list(_batches(images, patch, per_image, 256, int(seed), check_range))
    if not parts:
        raise ValueError("images is empty: give at least one image to take patches from")
    return np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])


def _run(model: Model, name: str, batches: Iterator[Batch], ray_address: Optional[str],
         ray_workers: Optional[int], ray_cpus_per_worker: int) -> List[np.ndarray]:
    """Every batch's vectors, in batch order: in this process, or on Ray actors."""
    if ray_address is None:
        return [vectors_task(model, batch, name) for batch in batches]
    from lucid_vgg.recipes.ray_executor import RayExecutor

    executor = RayExecutor(model, name, ray_address, workers=ray_workers,
                           cpus_per_worker=ray_cpus_per_worker, task=vectors_task,
                           describe=_describe)
    try:
        parts = {batch[0]: vectors for batch, vectors in executor.run(batches)}
    finally:
        executor.close()
    return [parts[i] for i in sorted(parts)]


def collect_activations(model: Model, layer: LayerRef, images: Any,
                        patch_size: Optional[int] = None, patches_per_image: int = 4,
                        batch_size: int = 32, seed: int = 0,
                        check_range: bool = True, *, ray_address: Optional[str] = None,
                        ray_workers: Optional[int] = None,
                        ray_cpus_per_worker: int = 1) -> np.ndarray:
    """Activation vectors [n_images * patches_per_image, depth] of `layer` for `images`.

    `images`: a folder of image files, an array [n, h, w, 3] / [h, w, 3] or an iterable of
    [h, w, 3] arrays (any sizes), float RGB in [0, 1] or uint8. From each image
    `patches_per_image` random `patch_size` crops (default the model's input size) are taken,
    run through the model `batch_size` at a time, and each gives the layer's vector at one
    random position. `seed` and an image's index fix its patches, so collecting with the same
    arguments (e.g. for two layers or two models) gives vectors from the same places.
    `ray_address` ("auto", "local", "HOST:PORT" or "ray://HOST:PORT"): the batches run on Ray
    actors that load the model once (`ray_workers`, default one per GPU, else CPUs /
    `ray_cpus_per_worker`; see `recipes.ray_executor`); the result is the in-process one.
    """
    name = _common.layer_name(model, layer)
    per_image = _positive(patches_per_image, "patches_per_image")
    batch_size = _positive(batch_size, "batch_size")
    patch = _common.check_size(_photos.model_hw(model)[0] if patch_size is None else patch_size,
                               batch_size, "patch_size")
    _common.check_size_for_layers(model, name, patch, batch_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if ray_address is not None:  # an unreachable cluster: an error now, before any image is read
        from lucid_vgg.recipes import ray_executor

        ray_executor.check_address(ray_address)
    batches = _batches(images, patch, per_image, batch_size, int(seed), check_range)
    first = next(batches, None)  # no images: an error before any worker starts
    if first is None:
        raise ValueError("images is empty: give at least one image to collect activations from")
    parts = _run(model, name, itertools.chain([first], batches), ray_address, ray_workers,
                 ray_cpus_per_worker)
    return np.concatenate(parts).astype(np.float32)
