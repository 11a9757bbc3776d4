"""Recipes from Lucid's feature-visualization notebooks: negative/positive pairs, diversity,
neuron interaction (plain and aligned interpolation).

Each returns NumPy float32 images in [0, 1]; `out_dir` also writes PNGs.
"""
import os
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import ArrayLike, LayerRef, OptimizerLike, PathLike, Steps, Transforms
from modelzoo.vision_base import Model

#: Lucid's neuron_diversity notebook used `channel(layer, n) - 1e2 * diversity(layer)` on
#: InceptionV1; VGG16's activations are ~10x larger, so the same balance needs 1e3 (measured).
DIVERSITY_WEIGHT = 1e3
#: Lucid's aligned interpolation used `channel_interpolate(...) + 1e-1 * alignment(...)`. The
#: alignment penalty is a mean of squared activations, ~100x larger on VGG16: at 1e-1 all frames
#: freeze into one picture, at 1e-2 the first frame is still half unit 2; 1e-3 keeps each end
#: frame its own unit with the frames morphing in between (benchmarks/interpolation_alignment.py).
ALIGNMENT_WEIGHT = 1e-3
ALIGNMENT_DECAY_RATIO = 5


def _save_all(out_dir: Optional[PathLike], stem: str, images: Iterable[np.ndarray]) -> None:
    if out_dir:
        for i, img in enumerate(images):
            _common.save_png(img, os.path.join(out_dir, f"{stem}_{i}.png"))


# -- negative / positive -----------------------------------------------------------------

def negative_positive(model: Model, layer: LayerRef, unit: int, size: int = 128, steps: Steps = 512,
                      transforms: Transforms = None, optimizer: OptimizerLike = None,
                      seed: Optional[int] = None, use_fixed_seed: Union[bool, int] = False,
                      verbose: bool = False,
                      out_dir: Optional[PathLike] = None) -> Tuple[np.ndarray, np.ndarray]:
    """The images that most decrease and most increase one channel: returns `(neg, pos)`.

    Lucid's negative_neurons notebook: one batch of two, `param.image(128, batch=2)` and
    `channel(layer, n, batch=1) - channel(layer, n, batch=0)`, i.e. batch 0 is optimised for
    `-objectives.channel(...)` beside the positive in batch 1. Each image is [h, w, 3].
    On a post-ReLU layer (VGG's `convX_Y/convX_Y`) the negative side can only push the unit
    to zero, so the negative image is less structured than on Lucid's `*_pre_relu` layers.
    """
    from lucid_vgg.optvis import objectives, param

    name = _common.layer_name(model, layer)
    unit = _common.check_unit(model, name, unit)
    size = _common.check_size(size, 2)
    out_dir = _common.check_out_dir(out_dir)
    _common.check_size_for_layers(model, name, size)
    obj = objectives.channel(name, unit, batch=1) - objectives.channel(name, unit, batch=0)
    imgs = _common.render(model, obj, lambda: param.image(size, batch=2), steps,
                          transforms=transforms, optimizer=optimizer, seed=seed,
                          use_fixed_seed=use_fixed_seed, verbose=verbose)
    neg, pos = imgs[0], imgs[1]
    if out_dir:
        stem = f"{_common.safe_name(name)}_{unit:04d}"
        _common.save_png(neg, os.path.join(out_dir, f"{stem}_neg.png"))
        _common.save_png(pos, os.path.join(out_dir, f"{stem}_pos.png"))
    return neg, pos


# -- diversity ---------------------------------------------------------------------------

def diverse_images(model: Model, layer: LayerRef, unit: int, n: int = 4,
                   weight: float = DIVERSITY_WEIGHT, diversity_layer: Optional[LayerRef] = None,
                   size: int = 128, steps: Steps = 512, transforms: Transforms = None,
                   optimizer: OptimizerLike = None, seed: Optional[int] = None,
                   use_fixed_seed: Union[bool, int] = False, verbose: bool = False,
                   out_dir: Optional[PathLike] = None) -> np.ndarray:
    """`n` different images that all excite one channel: float32 [n, h, w, 3].

    Lucid's neuron_diversity notebook: `param.image(128, batch=4)` and
    `channel(layer, n) - 1e2 * diversity(layer)`.

    Why `weight=1e3` (Lucid used 1e2 on InceptionV1): `diversity(layer)` is the summed cosine
    similarity of the batch elements' Gram matrices divided by the batch size, so it lies in
    [0, n - 1] whatever the layer, while `channel` is a mean activation, which on VGG16's conv
    layers reaches thousands. Measured on conv5_1 unit 4 (128 px, batch 4): 1e2 leaves four
    near-copies (Gram cosine distance at conv3_1 0.027 vs 0.009 without the term), 1e3 gives
    four clearly different images (0.079) that still drive the unit to 800-1900, and 1e4 lets
    the similarity term win (the unit falls to ~100). A network with smaller activations (e.g. a random-weight test
    net) wants a smaller weight. The penalty is taken on `diversity_layer` (default: `layer`,
    as in the notebook).
    """
    from lucid_vgg.optvis import objectives, param

    name = _common.layer_name(model, layer)
    unit = _common.check_unit(model, name, unit)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2 (diversity compares batch elements), got {n!r}.")
    div_layer = _common.layer_name(model, diversity_layer) if diversity_layer else name
    size = _common.check_size(size, int(n))
    out_dir = _common.check_out_dir(out_dir)
    _common.check_size_for_layers(model, [name, div_layer], size)
    obj = objectives.channel(name, unit) - weight * objectives.diversity(div_layer)
    imgs = _common.render(model, obj, lambda: param.image(size, batch=int(n)), steps,
                          transforms=transforms, optimizer=optimizer, seed=seed,
                          use_fixed_seed=use_fixed_seed, verbose=verbose)
    _save_all(out_dir, f"{_common.safe_name(name)}_{unit:04d}_diverse", imgs)
    return imgs


# -- neuron interaction ------------------------------------------------------------------

def _check_frames(frames: Any) -> int:
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 2:
        raise ValueError(f"frames must be an integer >= 2, got {frames!r}.")
    return int(frames)


def interpolate_param_f(frames: int = 6, size: int = 128) -> Callable[[], Any]:
    """Lucid's shared ("aligned") parameterisation for a batch of `frames` interpolation frames.

    Each frame has its own FFT image, plus low-resolution tensors shared across frames: four
    with one underlying frame (identical in every frame) and two with two underlying frames,
    linearly interpolated along the batch by `lowres_tensor`, so neighbouring frames share
    most of their coarse structure. Returns a function for render_vis's `param_f`.
    """
    from lucid_vgg.optvis import param
    from lucid_vgg.optvis.param.color import to_valid_rgb

    frames = _check_frames(frames)
    size = _common.check_size(size, frames)

    def inner():
        shape = (frames, size, size, 3)
        unique = param.fft_image(shape)
        shared = [param.lowres_tensor(shape, (b, max(1, size // f), max(1, size // f), 3))
                  for b, f in ((1, 2), (1, 4), (1, 8), (2, 8), (1, 16), (2, 16))]
        return to_valid_rgb(unique + sum(shared), decorrelate=True)

    return inner


def default_alignment_layers(model: Model, layer1: str, layer2: str) -> List[str]:
    """Layers on which to align frames: the two conv layers just below the shallower target.

    Lucid aligned on mixed3b and mixed4a for targets in mixed4a/mixed4b, i.e. slightly
    earlier layers, where neighbouring frames should look alike without forcing the targets.
    """
    convs = _common.conv_layer_names(model)
    idx = [convs.index(n) for n in (layer1, layer2) if n in convs]
    if not idx:
        return [layer1]
    first = min(idx)
    picked = convs[max(0, first - 2):first]
    return picked or [convs[first]]


def interpolate(model: Model, neuron1: Tuple[LayerRef, int], neuron2: Tuple[LayerRef, int],
                frames: int = 6, aligned: bool = True, size: int = 128, steps: Steps = 512,
                alignment_layers: Optional[Union[str, Sequence[LayerRef]]] = None,
                alignment_weight: float = ALIGNMENT_WEIGHT, decay_ratio: float = ALIGNMENT_DECAY_RATIO,
                transforms: Transforms = None, optimizer: OptimizerLike = None,
                seed: Optional[int] = None, use_fixed_seed: Union[bool, int] = False,
                verbose: bool = False, out_dir: Optional[PathLike] = None) -> np.ndarray:
    """Frames interpolating from `neuron1 = (layer1, unit1)` to `neuron2`: [frames, h, w, 3].

    The objective is Lucid's `channel_interpolate(layer1, unit1, layer2, unit2)` (frame i
    weighs unit1 by 1 - i/(frames-1) and unit2 by i/(frames-1)).

    `aligned=False` is the plain version: independent `param.image(size, batch=frames)`, so
    each frame finds its own, unrelated, solution. `aligned=True` is Lucid's aligned
    interpolation: the shared parameterisation of `interpolate_param_f` plus
    `alignment_weight * alignment(layer, decay_ratio)` summed over `alignment_layers`
    (default `default_alignment_layers`), which penalises differences between nearby frames'
    activations, so the frames change smoothly.
    """
    from lucid_vgg.optvis import objectives, param

    (l1, u1), (l2, u2) = neuron1, neuron2
    l1, l2 = _common.layer_name(model, l1), _common.layer_name(model, l2)
    u1, u2 = _common.check_unit(model, l1, u1), _common.check_unit(model, l2, u2)
    frames = _check_frames(frames)
    size = _common.check_size(size, frames)
    out_dir = _common.check_out_dir(out_dir)
    obj = objectives.channel_interpolate(l1, u1, l2, u2)
    read: List[LayerRef] = [l1, l2]  # the layers the objective reads
    if aligned:
        if alignment_layers is None:
            alignment_layers = default_alignment_layers(model, l1, l2)
        elif isinstance(alignment_layers, str):
            alignment_layers = [alignment_layers]
        read += list(alignment_layers)
        align = [objectives.alignment(_common.layer_name(model, a), decay_ratio=decay_ratio)
                 for a in alignment_layers]
        if align and alignment_weight:
            obj = obj + alignment_weight * objectives.Objective.sum(align)
        param_f = interpolate_param_f(frames, size)
    else:
        def param_f():
            return param.image(size, batch=frames)
    _common.check_size_for_layers(model, read, size)
    imgs = _common.render(model, obj, param_f, steps, transforms=transforms, optimizer=optimizer,
                          seed=seed, use_fixed_seed=use_fixed_seed, verbose=verbose)
    stem = (f"{_common.safe_name(l1)}_{u1}_to_{_common.safe_name(l2)}_{u2}"
            f"_{'aligned' if aligned else 'plain'}")
    _save_all(out_dir, stem, imgs)
    return imgs


def frame_difference(frames: ArrayLike) -> float:
    """Mean absolute difference between consecutive frames (smaller = smoother)."""
    frames = np.asarray(frames, np.float32)
    return float(np.mean(np.abs(np.diff(frames, axis=0))))
