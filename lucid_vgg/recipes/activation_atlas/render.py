"""Per-cell renders for the atlas: one icon per direction, each the image whose centre
position at `layer` points along that (optionally whitened) activation direction.

Lucid rendered each batch `num_attempts` times in a new session and kept, per icon, the attempt
whose objective ended highest; here each attempt is one traced render (`make_vis_T`) with the
icons' objectives as `print_objectives`, so their final values come from the same step.
"""
from itertools import chain
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from lucid_vgg.optvis import objectives
from lucid_vgg.optvis.objectives import ObjectiveFunc
from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import LayerRef, Transforms
from modelzoo.vision_base import Model

__all__ = ["direction_neuron_S", "direction_neuron_cossim_S", "render_icons", "icon_transforms"]


def _centre_acts(T: Any, layer_name: str, batch: Optional[int], x: Optional[int],
                 y: Optional[int]) -> tf.Tensor:
    if batch is None:
        raise RuntimeError("direction_neuron_S objectives need batch= (one icon per batch entry)")
    layer = T(layer_name)
    shape = tf.shape(layer)
    return layer[batch, shape[1] // 2 if x is None else x, shape[2] // 2 if y is None else y]


def _whitened(vec: np.ndarray, S: Optional[ArrayLike]) -> tf.Tensor:
    if S is None:
        return tf.constant(vec)
    return tf.constant(vec[None] @ np.asarray(S, np.float32))[0]


@objectives.wrap_objective()
def direction_neuron_S(layer_name: str, vec: ArrayLike, batch: Optional[int] = None,
                       x: Optional[int] = None, y: Optional[int] = None,
                       S: Optional[ArrayLike] = None) -> ObjectiveFunc:
    """mean(acts * (vec @ S)) at position (x, y) (default the centre) of batch entry `batch`."""
    vec = np.asarray(vec, np.float32)

    def inner(T):
        return tf.reduce_mean(_centre_acts(T, layer_name, batch, x, y) * _whitened(vec, S))
    return inner


@objectives.wrap_objective()
def direction_neuron_cossim_S(layer_name: str, vec: ArrayLike, batch: Optional[int] = None,
                              x: Optional[int] = None, y: Optional[int] = None,
                              cossim_pow: float = 2, S: Optional[ArrayLike] = None) -> ObjectiveFunc:
    """`direction_neuron_S` times max(0.1, dot / |acts|) ** cossim_pow: rewards pointing along
    the direction more than growing the activation (Lucid's weighting)."""
    vec = np.asarray(vec, np.float32)

    def inner(T):
        acts = _centre_acts(T, layer_name, batch, x, y)
        dot = tf.reduce_mean(acts * _whitened(vec, S))
        cossim = tf.maximum(0.1, dot / (1e-4 + tf.sqrt(tf.reduce_sum(acts ** 2))))
        return dot * cossim ** cossim_pow
    return inner


def icon_transforms(size: int, alpha: bool = False) -> List[Any]:
    """Lucid's atlas transforms: padding, repeated jitter, slight scaling and rotation, then a
    crop back to `size`."""
    from lucid_vgg.optvis import transform

    transforms = [
        transform.pad(16, mode="constant"),
        transform.jitter(4), transform.jitter(4),
        transform.jitter(8), transform.jitter(8), transform.jitter(8),
        transform.random_scale([0.998 ** n for n in range(20, 40)]),
        transform.random_rotate(list(chain(range(-20, 20), range(-10, 10), range(-5, 5), 5 * [0]))),
        transform.jitter(2),
        transform.crop_or_pad_to(size, size),
    ]
    if alpha:
        transforms.append(transform.collapse_alpha_random())
    return transforms


def _check_directions(model: Model, name: str, directions: Any, S: Any) -> np.ndarray:
    dirs = np.asarray(directions, np.float32)
    if dirs.ndim != 2 or not len(dirs):
        raise ValueError(f"directions must be a non-empty list of vectors [n, depth], got shape "
                         f"{dirs.shape}")
    depth = _common.get_layer(model, name).depth
    if depth is not None and dirs.shape[1] != depth:
        raise ValueError(f"directions have {dirs.shape[1]} entries but {name!r} has {depth} "
                         "channels")
    if S is not None and np.shape(S) != (dirs.shape[1], dirs.shape[1]):
        raise ValueError(f"S must be a [{dirs.shape[1]}, {dirs.shape[1]}] whitening matrix, got "
                         f"shape {np.shape(S)}")
    return dirs


def render_icons(directions: Sequence[ArrayLike], model: Model, layer: LayerRef, size: int = 80,
                 n_steps: int = 128, verbose: bool = False, S: Optional[ArrayLike] = None,
                 num_attempts: int = 3, cossim: bool = True, alpha: bool = False, *,
                 seed: Optional[int] = None, transforms: Transforms = None,
                 normalize: bool = True) -> Tuple[List[np.ndarray], List[float]]:
    """One icon per direction: `(icons, objective values)`, icons float32 [size, size, 3].

    Each of `num_attempts` renders all icons as one batch for `n_steps` steps; each icon comes
    from the attempt whose objective ended highest (Lucid returned an empty list for the values).
    `S` whitens the directions; `cossim` selects `direction_neuron_cossim_S` over the plain dot
    product; `alpha` renders with transparency and blends the icon onto black as Lucid did.
    `seed` (beyond Lucid) makes attempt k use seed + k; `transforms` default `icon_transforms`.
    `normalize` (beyond Lucid) scales each (whitened) direction to a largest entry of 1 first:
    whitening divides by the activations' second moment, so on a layer with large activations
    (VGG16's) the raw objective is ~100x smaller than the boundary penalty and icons stay grey.
    """
    from lucid_vgg.optvis import param, render

    name = _common.layer_name(model, layer)
    dirs = _check_directions(model, name, directions, S)
    size = _common.check_size(size, len(dirs))
    _common.check_size_for_layers(model, name, size, len(dirs))
    for value, what in ((n_steps, "n_steps"), (num_attempts, "num_attempts")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what} must be a positive integer, got {value!r}")
    make = direction_neuron_cossim_S if cossim else direction_neuron_S
    if normalize:  # whiten here, then give each direction a largest entry of 1
        dirs = dirs if S is None else dirs @ np.asarray(S, np.float32)
        dirs = dirs / np.maximum(np.abs(dirs).max(axis=1, keepdims=True), 1e-12)
        S = None
    icon_objs = [make(name, v, batch=n, S=S) for n, v in enumerate(dirs)]
    shape = (len(dirs), size, size, 4 if alpha else 3)
    obj = objectives.Objective.sum(icon_objs + [objectives.penalize_boundary_complexity(shape, w=5)])
    attempts, scores = [], []
    for attempt in range(int(num_attempts)):
        vis = render.make_vis_T(
            model, obj, lambda: param.image(size, batch=len(dirs), fft=True, decorrelate=True, alpha=alpha),
            optimizer=tf.keras.optimizers.Adam(0.05, epsilon=1e-8),
            transforms=icon_transforms(size, alpha) if transforms is None else transforms,
            print_objectives=icon_objs, seed=None if seed is None else int(seed) + attempt)
        render.run_vis(vis, [int(n_steps) - 1], verbose=verbose)
        img = vis.image()
        if alpha:  # blend onto black, keeping 20% of the colour where transparent (Lucid's k=0.8)
            img = img[..., :3] * (0.2 + 0.8 * img[..., 3:])
        attempts.append(img[..., :3])
        scores.append([float(np.sum(v)) for v in vis.printed])
    best = np.argmax(np.asarray(scores), axis=0)
    return ([attempts[a][i] for i, a in enumerate(best)],
            [scores[a][i] for i, a in enumerate(best)])
