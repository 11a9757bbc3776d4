"""Activation grids (Lucid's building-blocks/ActivationGrid notebook, lucid/recipes/activation_grid.py).

Run a photo through the model, take the activation vector at every spatial position (cell) of
a conv layer, and render a small image for each cell. Returns the cells cropped by 2 px on each
side as in Lucid, shape [grid_h, grid_w, W - 4, W - 4, 3]; `assemble(cells)` tiles them.
"""
import functools
import os
from typing import Any, Optional, Tuple, Union

import numpy as np
import tensorflow as tf

from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import ArrayLike, LayerRef, OptimizerLike, PathLike, Transforms
from modelzoo.vision_base import Model

CROP = 2


def assemble(cells: ArrayLike) -> np.ndarray:
    """Tile [gh, gw, h, w, 3] cells into one [gh * h, gw * w, 3] image (Lucid's hstack(hstack))."""
    cells = np.asarray(cells)
    # numpy's stub wants a sequence for hstack; an array works the same (stacked along axis 0)
    return np.hstack(np.hstack(cells))  # type: ignore[call-overload]


def _crop(vis, grid_shape, W):
    vis = np.asarray(vis, np.float32).reshape(list(grid_shape) + [W, W, 3])
    return vis[:, :, CROP:W - CROP, CROP:W - CROP, :]


def _check_cell_size(cell_size):
    """`cell_size` as the recipes' one size check reads it, and more than the 2 x CROP crop."""
    if isinstance(cell_size, bool) or not isinstance(cell_size, (int, np.integer)) \
            or cell_size <= 2 * CROP:
        raise ValueError(f"cell_size must be an integer > {2 * CROP} (cells are cropped by "
                         f"{CROP} px per side), got {cell_size!r}.")
    return _common.check_size(cell_size, name="cell_size")


def _save_grid(out_dir, name, cells, suffix):
    if out_dir:
        _common.save_png(assemble(cells), os.path.join(
            out_dir, f"{_common.safe_name(name)}_{suffix}.png"))


def activation_grid_simple(model: Model, img: ArrayLike, layer: LayerRef, cell_size: int = 42,
                           n_steps: int = 256, mode: str = "direction",
                           batch_size: Optional[int] = None, transforms: Transforms = None,
                           optimizer: OptimizerLike = None, seed: Optional[int] = None,
                           use_fixed_seed: Union[bool, int] = False, verbose: bool = False,
                           out_dir: Optional[PathLike] = None,
                           check_range: bool = True) -> np.ndarray:
    """Lucid's "very naive" activation grid: one independent image per cell.

    `mode="direction"` (Lucid's form): cell n maximises `direction(layer, acts[n], batch=n)`,
    its whole activation vector. `mode="unit"`: cell n maximises `channel(layer, argmax(acts[n]),
    batch=n)`, its single most active unit. Renders `param.image(cell_size, batch=cells)` with
    thresholds `(n_steps // 2, n_steps)` as Lucid; `batch_size` renders the cells in chunks
    instead of all at once (less memory). Returns [gh, gw, cell_size - 4, cell_size - 4, 3].
    A float photo must be in [0, 1] (uint8 is divided by 255); `check_range=False` takes it as is.
    """
    from lucid_vgg.optvis import objectives, param

    if mode not in ("direction", "unit"):
        raise ValueError(f"mode must be 'direction' or 'unit', got {mode!r}.")
    W = _check_cell_size(cell_size)
    name = _common.layer_name(model, layer)
    out_dir = _common.check_out_dir(out_dir)
    img, acts = _common.spatial_activations(model, img, name, "activation_grid_simple",
                                            check_range)
    acts_flat = acts.reshape([-1, acts.shape[-1]])
    N = len(acts_flat)
    chunk = N if batch_size is None else int(batch_size)
    steps = sorted({max(1, n_steps // 2), int(n_steps)})

    parts = []
    for start in range(0, N, chunk):
        vecs = acts_flat[start:start + chunk]
        if mode == "direction":
            terms = [objectives.direction(name, v, batch=i) for i, v in enumerate(vecs)]
        else:
            terms = [objectives.channel(name, int(np.argmax(v)), batch=i)
                     for i, v in enumerate(vecs)]
        k = len(vecs)
        parts.append(_common.render(
            model, objectives.Objective.sum(terms), functools.partial(param.image, W, batch=k), steps,
            transforms=transforms, optimizer=optimizer,
            seed=None if seed is None else int(seed) + start, use_fixed_seed=use_fixed_seed,
            verbose=verbose))
    cells = _crop(np.concatenate(parts), acts.shape[:2], W)
    _save_grid(out_dir, name, cells, f"activation_grid_simple_{mode}")
    return cells


def _group_weights(acts_flat, n_groups, random_state):
    """Lucid: NMF of the cells' activation vectors, each group's weights scaled to max 1."""
    from lucid_vgg.misc.channel_reducer import ChannelReducer

    reducer = ChannelReducer(n_groups, "NMF", random_state=random_state, max_iter=1000)
    groups = np.asarray(reducer.fit_transform(acts_flat), np.float32)
    peak = groups.max(0)
    return groups / np.where(peak > 0, peak, 1.0)


def _sampled_directions(layer, acts_flat, holder):
    """`Objective.sum(direction(layer, acts[inds[n]], batch=n))` for the sampled indices."""
    from lucid_vgg.optvis import objectives

    acts_t = tf.constant(acts_flat, tf.float32)

    def inner(T):
        t = T(layer)  # [B, h, w, c]
        vecs = tf.gather(acts_t, holder["inds"])  # [B, c]
        dots = tf.reduce_sum(t * vecs[:, None, None, :], -1)  # [B, h, w]
        return tf.reduce_sum(tf.reduce_mean(dots, axis=[1, 2]))

    return objectives.Objective(inner, name="sampled_directions",
                                description=f"Sampled_Directions [{layer}, {len(acts_flat)} cells]")


def activation_grid(model: Model, img: ArrayLike, layer: LayerRef, n_groups: int = 6,
                    cell_size: int = 42, n_steps: int = 256, batch_size: int = 64,
                    transforms: Transforms = None, optimizer: OptimizerLike = None,
                    seed: Optional[int] = None, use_fixed_seed: Union[bool, int] = False,
                    verbose: bool = False, random_state: Optional[int] = 0,
                    out_dir: Optional[PathLike] = None,
                    return_groups: bool = False, check_range: bool = True
                    ) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Lucid's "less naive" activation grid: coherent cells, optimised in random mini-batches.

    As `render_activation_grid_less_naive`: NMF splits the cells' activation vectors into
    `n_groups` groups (each group's weights scaled to a maximum of 1); every cell image is
    `to_valid_rgb(0.7 * unique_i + 0.5 * sum_j groups[i, j] * group_j)` with FFT images
    `unique` ([cells, W, W, 3]) and `group` ([n_groups, W, W, 3]), so cells with similar
    activations share parameters and look alike. Each step draws `batch_size` random cells
    (Lucid: 64) and maximises `direction(layer, acts[cell], batch=n)` for each. `n_groups=0`
    gives unshared cells. Returns [gh, gw, cell_size - 4, cell_size - 4, 3] (and the
    [cells, n_groups] group weights with `return_groups=True`). A float photo must be in [0, 1]
    (uint8 is divided by 255); `check_range=False` takes it as is.
    """
    from lucid_vgg.optvis import param
    from lucid_vgg.optvis.param import variables
    from lucid_vgg.optvis.param.color import to_valid_rgb

    W = _check_cell_size(cell_size)
    name = _common.layer_name(model, layer)
    out_dir = _common.check_out_dir(out_dir)
    img, acts = _common.spatial_activations(model, img, name, "activation_grid", check_range)
    acts_flat = acts.reshape([-1, acts.shape[-1]]).astype(np.float32)
    N = len(acts_flat)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if n_groups:
        n_groups = _common.check_n_groups(n_groups, acts.shape[-1], name)
        if n_groups > N:
            raise ValueError(f"n_groups={n_groups} is larger than the number of cells ({N}) of "
                             f"{name!r} for this image; choose n_groups <= {N}.")
        if float(acts_flat.max()) <= 0:
            raise ValueError(f"{name!r} is all zero for this image; NMF has nothing to group.")
        groups = _group_weights(acts_flat, n_groups, random_state)
    else:
        n_groups, groups = 0, np.zeros([N, 0], np.float32)
    groups_t = tf.constant(groups)
    holder = {}

    def all_cells():
        unique = param.fft_image([N, W, W, 3])
        raw = 0.7 * unique
        if n_groups:
            group_imgs = param.fft_image([n_groups, W, W, 3])
            raw = raw + 0.5 * tf.einsum("nk,khwc->nhwc", groups_t, group_imgs)
        return to_valid_rgb(raw, decorrelate=True)

    def param_f():
        holder["store"] = variables.active_store()
        opt_imgs = all_cells()
        holder["inds"] = tf.random.uniform([batch_size], 0, N, dtype=tf.int32)
        return tf.gather(opt_imgs, holder["inds"])

    obj = _sampled_directions(name, acts_flat, holder)
    _common.render(model, obj, param_f, n_steps, transforms=transforms, optimizer=optimizer,
                   seed=seed, use_fixed_seed=use_fixed_seed, verbose=verbose)
    store = holder.get("store")
    if store is None:
        raise RuntimeError("render_vis did not call param_f under a VariableStore; cannot read "
                           "back the optimised cells.")
    with store:  # replay the parameterisation on the optimised variables, all cells at once
        vis = all_cells().numpy()
    cells = _crop(vis, acts.shape[:2], W)
    _save_grid(out_dir, name, cells, "activation_grid")
    return (cells, groups) if return_groups else cells


# -- Lucid's names and argument order (lucid/recipes/activation_grid.py) ------------------

def render_activation_grid_very_naive(img: ArrayLike, model: Model, layer: LayerRef = "conv4_3/conv4_3",
                                      W: int = 42, n_steps: int = 256, **kwargs: Any) -> np.ndarray:
    """Lucid's name for `activation_grid_simple(model, img, layer, cell_size=W, ...)`."""
    return activation_grid_simple(model, img, layer, cell_size=W, n_steps=n_steps, **kwargs)


def render_activation_grid_less_naive(img: ArrayLike, model: Model, layer: LayerRef = "conv4_3/conv4_3",
                                      W: int = 42, n_groups: int = 6, subsample_factor: int = 1,
                                      n_steps: int = 256,
                                      **kwargs: Any) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Lucid's name for `activation_grid(model, img, layer, n_groups, cell_size=W, ...)`.

    `subsample_factor` is accepted and ignored, as in Lucid.
    """
    del subsample_factor
    return activation_grid(model, img, layer, n_groups=n_groups, cell_size=W, n_steps=n_steps,
                           **kwargs)
