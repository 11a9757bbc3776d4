"""One render per unit with its objective's value at every step (Lucid's
`recipes.feature_visualization`): `neuron(...)` and `channel(...)`.

Lucid built a session graph with `relu_overrides`, an Adam `minimize` op and a loop that fetched
each unit's objective per step; here `render.make_vis_T` builds the traced step (with the units'
objectives as `print_objectives`) and the loop reads them from `vis.printed`.
"""
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis import objectives
from lucid_vgg.recipes import _common, _photos
from lucid_vgg.recipes._common import ArrayLike, LayerRef
from modelzoo.vision_base import Model

__all__ = ["neuron", "channel"]

Result = Union[Tuple[np.ndarray, np.ndarray], List[Tuple[np.ndarray, np.ndarray]]]


def neuron(*args: Any, **kwargs: Any) -> Result:
    """Render the centre neuron of each channel in `channel_indices` (see `_main`)."""
    return _main(objectives.neuron, *args, **kwargs)


def channel(*args: Any, **kwargs: Any) -> Result:
    """Render each whole channel in `channel_indices` (see `_main`)."""
    return _main(objectives.channel, *args, **kwargs)


def _unit_objectives(objective_f: Callable[..., Any], name: str, indices: Sequence[int],
                     sign: int, decorrelation_matrix: Optional[ArrayLike],
                     depth: Optional[int]) -> List[Any]:
    """One objective per batch entry: the unit itself, or with a decorrelation matrix S the
    direction S[i] (unit i seen through S, as the atlas's whitened directions)."""
    if decorrelation_matrix is None:
        return [sign * objective_f(name, i, batch=b) for b, i in enumerate(indices)]
    S = np.asarray(decorrelation_matrix, np.float32)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or (depth is not None and S.shape[0] != depth):
        raise ValueError(f"decorrelation_matrix must be square [depth, depth] = [{depth}, {depth}] "
                         f"for {name!r}, got shape {S.shape}")
    if objective_f is objectives.neuron:
        return [sign * objectives.direction_neuron(name, S[i], batch=b) for b, i in enumerate(indices)]
    return [sign * objectives.direction(name, S[i], batch=b) for b, i in enumerate(indices)]


def _main(objective_f: Callable[..., Any], model: Model, layer: LayerRef,
          channel_indices: Union[int, Sequence[int]], alpha: bool = False, negative: bool = False,
          decorrelation_matrix: Optional[ArrayLike] = None, n_steps: int = 128,
          parallel_transforms: int = 16, lr: float = 0.05, override_gradients: bool = True, *,
          size: Optional[int] = None, use_fixed_seed: Union[bool, int] = False) -> Result:
    """Render one image per index in `channel_indices` at `layer`, tracking each objective.

    Returns `(image [1, h, w, c], losses [1, n_steps])` for a single index, else a list of
    `(image [h, w, c], losses [n_steps])` per index; `losses[:, t]` is each unit's objective at
    step t (signed: with `negative=True` the units are minimised). `c` is 4 with `alpha` (the
    objective is then scaled by the image's mean opacity deficit and an alpha blur is
    subtracted, as Lucid). `size` (beyond Lucid) defaults to the model's input size.
    `decorrelation_matrix` (Lucid raised NotImplementedError) renders direction S[i] instead of
    unit i. `parallel_transforms` is accepted and unused, as in Lucid. `override_gradients`
    turns on the redirected-ReLU gradient (for the first 16 steps, as render_vis).
    """
    from lucid_vgg.optvis import param, render, transform

    given: List[Any] = (list(channel_indices) if isinstance(channel_indices, (tuple, list))
                        else [channel_indices])
    if not given:
        raise ValueError("channel_indices is empty: give at least one channel index")
    if not isinstance(layer, str) and not hasattr(layer, "name"):
        raise ValueError(f"layer must be a Layer object or a str, got {type(layer).__name__}")
    name = _common.layer_name(model, layer)
    indices = [_common.check_unit(model, name, i) for i in given]
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    h, w = _photos.check_hw(_photos.model_hw(model) if size is None else size)
    batch = len(indices)
    _common.check_size(max(h, w), batch)
    _common.check_size_for_layers(model, name, min(h, w), batch)
    objs = _unit_objectives(objective_f, name, indices, -1 if negative else 1,
                            decorrelation_matrix, _common.get_layer(model, name).depth)
    obj = objectives.Objective.sum(objs)
    transforms = list(transform.standard_transforms) + [transform.crop_or_pad_to(h, w)]
    if alpha:
        transforms.append(transform.collapse_alpha_random())
        opacity_deficit = objectives.Objective(
            lambda T: 1.0 - tf.reduce_mean(T("input")[..., -1]), "opacity_deficit")
        obj = obj * opacity_deficit - 0.1 * objectives.blur_alpha_each_step()

    vis = render.make_vis_T(
        model, obj, lambda: param.image(w, h, fft=True, decorrelate=True, alpha=alpha, batch=batch),
        optimizer=tf.keras.optimizers.Adam(lr, epsilon=1e-8), transforms=transforms,
        relu_gradient_override=override_gradients, print_objectives=objs,
        seed=_seed(use_fixed_seed))
    losses = np.zeros((batch, int(n_steps)), np.float32)
    for step in range(int(n_steps)):
        vis.step()
        losses[:, step] = [float(np.sum(v)) for v in vis.printed]
    visualization = vis.image()
    if batch == 1:
        return visualization, losses
    return list(zip(visualization, losses))


def _seed(use_fixed_seed: Union[bool, int]) -> Optional[int]:
    from lucid_vgg.optvis.seeding import seed_of

    return seed_of(use_fixed_seed)
