"""Activation atlases (Lucid's `recipes.activation_atlas.main`): lay activation vectors out in
2-D, average them over the cells of a grid, render each cell's mean direction as an icon, and
place the icons on a white canvas.

Lucid drew its vectors from downloaded ImageNet samples (`layer.activations`, InceptionV1
only); here they come from `activations=`, from photos (`images=`, see `collect_activations`)
or, where a Layer carries them, from `layer.activations`.
"""
from enum import Enum, auto
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike

from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import LayerRef
from lucid_vgg.recipes.activation_atlas.collect import collect_activations, count_patches
from lucid_vgg.recipes.activation_atlas.layout import aligned_umap
from lucid_vgg.recipes.activation_atlas.render import render_icons
from lucid_vgg.recipes.activation_atlas.whitening import layer_inverse_covariance, push_activations
from modelzoo.vision_base import Model

__all__ = ["activation_atlas", "aligned_activation_atlas", "bin_laid_out_activations",
           "make_canvas", "ActivationTranslation", "NUMBER_OF_AVAILABLE_SAMPLES"]

#: How many vectors Lucid's downloaded samples held per layer (the default cap here too).
NUMBER_OF_AVAILABLE_SAMPLES = 100000


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _planned_vectors(activations: Optional[ArrayLike], images: Any, number_activations: int,
                     collect_options: Any) -> Optional[int]:
    """How many vectors the atlas will have, when that is known before collecting any: the
    rows of `activations`, or images times patches_per_image (None for a one-pass iterator)."""
    if activations is not None:
        shape = np.shape(activations)
        return min(shape[0], number_activations) if shape else None
    if images is None:
        return None
    per_image = (collect_options or {}).get("patches_per_image", 4)
    if isinstance(per_image, bool) or not isinstance(per_image, (int, np.integer)) or per_image < 1:
        return None  # collect_activations words that error
    planned = count_patches(images, int(per_image))
    return None if planned is None else min(planned, number_activations)


def _activations_for(model: Model, layer: LayerRef, activations: Optional[ArrayLike], images: Any,
                     number_activations: int, collect_options: Any) -> np.ndarray:
    """The atlas's vectors [n, depth], at most `number_activations` of them."""
    if activations is None and images is not None:
        activations = collect_activations(model, layer, images, **(collect_options or {}))
    if activations is None:
        activations = getattr(layer, "activations", None)
    if activations is None:
        raise ValueError("an activation atlas needs activation vectors: pass images= (a folder "
                         "or a list of photos, see collect_activations) or activations= "
                         "(an array [n, depth])")
    acts = np.asarray(activations, np.float32)
    depth = _common.get_layer(model, layer).depth
    if acts.ndim != 2 or (depth is not None and acts.shape[1] != depth):
        raise ValueError(f"activations must be an array [n, depth={depth}] for "
                         f"{_common.layer_name(model, layer)!r}, got shape {acts.shape}")
    return acts[:number_activations]


def _check_grid(grid_size: Any, n_points: Optional[int]) -> int:
    """`grid_size` as an int, and, when the number of vectors is known, at least one vector per
    cell: called before collecting (with the planned count) and again after (with the real one)."""
    if isinstance(grid_size, bool) or not isinstance(grid_size, (int, np.integer)) or grid_size < 1:
        raise ValueError(f"grid_size must be a positive integer, got {grid_size!r}")
    if n_points is not None and n_points < grid_size ** 2:
        raise ValueError(f"an atlas over {n_points} activation vectors (patches) is too sparse "
                         f"for a {grid_size}x{grid_size} grid: it needs at least grid_size**2 = "
                         f"{grid_size ** 2} (one per cell); collect more patches (more images "
                         "or patches_per_image) or use a smaller grid_size")
    return int(grid_size)


def _check_batch(icon_batch_size: Any) -> int:
    if (isinstance(icon_batch_size, bool) or not isinstance(icon_batch_size, (int, np.integer))
            or icon_batch_size < 1):
        raise ValueError(f"icon_batch_size must be a positive integer, got {icon_batch_size!r}")
    return int(icon_batch_size)


def activation_atlas(model: Model, layer: LayerRef, grid_size: int = 10, icon_size: int = 96,
                     number_activations: int = NUMBER_OF_AVAILABLE_SAMPLES,
                     icon_batch_size: int = 32, verbose: bool = False, *,
                     images: Any = None, activations: Optional[ArrayLike] = None,
                     collect_options: Optional[dict] = None, threshold: int = 5,
                     n_steps: int = 128, num_attempts: int = 1, whiten: bool = False,
                     layout_method: str = "auto", seed: Optional[int] = 0) -> np.ndarray:
    """An activation atlas of `layer`: float [grid_size * icon_size, grid_size * icon_size, 3].

    The vectors (see the module docs; `collect_options` go to `collect_activations`) are laid
    out with `aligned_umap` (t-SNE without umap-learn; `layout_method` forces one), binned into
    a grid_size x grid_size grid, and every cell holding more than `threshold` vectors gets an
    icon of their mean direction (`render_icons`, `icon_batch_size` at a time, `n_steps` steps,
    whitened by the vectors' inverse covariance if `whiten`). Other cells stay white. Cell
    (i, j) is rows i*icon_size.. and columns j*icon_size.. (layout x down, y across, as Lucid).
    """
    name = _common.layer_name(model, layer)
    # every cheap check first: nothing is collected, laid out or rendered for a bad call
    grid_size = _check_grid(grid_size, _planned_vectors(activations, images, number_activations,
                                                        collect_options))
    icon_batch_size = _check_batch(icon_batch_size)
    icon_size = _common.check_size(icon_size, min(icon_batch_size, grid_size ** 2), "icon_size")
    _common.check_size_for_layers(model, name, icon_size)
    acts = _activations_for(model, layer, activations, images, number_activations, collect_options)
    _check_grid(grid_size, len(acts))  # a one-pass iterator's count: still before any render
    layout = aligned_umap(acts, verbose=verbose, method=layout_method, seed=seed)
    directions, coordinates, _ = bin_laid_out_activations(layout, acts, grid_size, threshold)
    S = layer_inverse_covariance(acts) if whiten else None
    icons: List[np.ndarray] = []
    for batch in _chunks(directions, int(icon_batch_size)):
        icon_batch, _ = render_icons(batch, model, layer=name, size=icon_size, n_steps=n_steps,
                                     S=S, num_attempts=num_attempts, seed=seed)
        icons += icon_batch
    return make_canvas(icons, coordinates, grid_size)


def aligned_activation_atlas(model1: Model, layer1: LayerRef, model2: Model, layer2: LayerRef,
                             grid_size: int = 10, icon_size: int = 80, num_steps: int = 1024,
                             whiten_layers: bool = True,
                             number_activations: int = NUMBER_OF_AVAILABLE_SAMPLES,
                             icon_batch_size: int = 32, verbose: bool = False, *,
                             images: Any = None, activations1: Optional[ArrayLike] = None,
                             activations2: Optional[ArrayLike] = None,
                             collect_options: Optional[dict] = None, threshold: int = 10,
                             layout_method: str = "auto", seed: Optional[int] = 0
                             ) -> Iterator[Iterator[np.ndarray]]:
    """Two atlases of two layers (two models, or one) laid out together, so that the same cell
    shows what each layer makes of the same kind of input.

    Yields, for model1 then model2, a generator of that atlas's canvas, growing by
    `icon_batch_size` icons per step (the last is the whole atlas). The two layers' vectors
    must come from the same places: `images=` collects both with the same patches, or pass
    `activations1`/`activations2` with aligned rows. Each layer's vectors are joined with the
    other's translated into its space (`push_activations`) before the joint layout.
    """
    for given in (activations1, activations2):
        grid_size = _check_grid(grid_size, _planned_vectors(given, images, number_activations,
                                                            collect_options))
    icon_batch_size = _check_batch(icon_batch_size)
    acts1 = _activations_for(model1, layer1, activations1, images, number_activations, collect_options)
    acts2 = _activations_for(model2, layer2, activations2, images, number_activations, collect_options)
    if len(acts1) != len(acts2):
        raise ValueError(f"the two layers' activations must be aligned (same rows), got "
                         f"{len(acts1)} and {len(acts2)} vectors")
    _check_grid(grid_size, len(acts1))
    combined = _combine_activations(layer1, layer2, acts1, acts2)
    layouts = aligned_umap(list(combined), verbose=verbose, method=layout_method, seed=seed)
    for model, layer, layout, acts in zip((model1, model2), (layer1, layer2), layouts, (acts1, acts2)):
        name = _common.layer_name(model, layer)
        directions, coordinates, _ = bin_laid_out_activations(layout, acts, grid_size, threshold)
        S = layer_inverse_covariance(acts) if whiten_layers else None
        yield _progressive_canvas(model, name, directions, coordinates, grid_size, icon_size,
                                  num_steps, S, icon_batch_size, seed)


def _progressive_canvas(model: Model, name: str, directions: List[np.ndarray],
                        coordinates: List[np.ndarray], grid_size: int, icon_size: int,
                        n_steps: int, S: Optional[np.ndarray], icon_batch_size: int,
                        seed: Optional[int]) -> Iterator[np.ndarray]:
    icons: List[np.ndarray] = []
    for batch in _chunks(directions, int(icon_batch_size)):
        icon_batch, _ = render_icons(batch, model, alpha=False, layer=name, size=icon_size,
                                     n_steps=n_steps, S=S, seed=seed)
        icons += icon_batch
        yield make_canvas(icons, coordinates, grid_size)


class ActivationTranslation(Enum):
    """How `_combine_activations` joins two layers' vectors."""
    ONE_TO_TWO = auto()
    BIDIRECTIONAL = auto()


def _combine_activations(layer1: Any, layer2: Any, activations1: Optional[ArrayLike] = None,
                         activations2: Optional[ArrayLike] = None,
                         mode: ActivationTranslation = ActivationTranslation.BIDIRECTIONAL,
                         number_activations: int = NUMBER_OF_AVAILABLE_SAMPLES
                         ) -> Tuple[np.ndarray, np.ndarray]:
    """ONE_TO_TWO: (layer1's vectors in layer2's space, layer2's vectors). BIDIRECTIONAL: each
    layer's vectors next to (channel-concatenated with) the other's translated into its space,
    both as [n, depth1 + depth2] in the order (layer1 part, layer2 part)."""
    a1 = np.asarray(layer1.activations if activations1 is None else activations1)[:number_activations]
    a2 = np.asarray(layer2.activations if activations2 is None else activations2)[:number_activations]
    one_to_two = push_activations(a1, a1, a2)
    if mode is ActivationTranslation.ONE_TO_TWO:
        return one_to_two, a2
    two_to_one = push_activations(a2, a2, a1)
    return np.concatenate([a1, one_to_two], axis=1), np.concatenate([two_to_one, a2], axis=1)


def bin_laid_out_activations(layout: ArrayLike, activations: ArrayLike, grid_size: int,
                             threshold: int = 5) -> Tuple[List[np.ndarray], List[np.ndarray], List[int]]:
    """Mean vector, grid cell [x, y] and count of every grid cell holding more than `threshold`
    points of `layout` (in [0, 1]^2; 1.0 falls in the last cell); emptier cells are left out.
    RuntimeError if no cell is kept."""
    layout = np.asarray(layout)
    activations = np.asarray(activations)
    if layout.ndim != 2 or layout.shape[1] != 2 or len(layout) != len(activations):
        raise ValueError(f"layout must be [n, 2] with one row per activation vector, got "
                         f"{layout.shape} for {len(activations)} vectors")
    cells = np.clip((layout * grid_size).astype(int), 0, grid_size - 1)
    means, coordinates, counts = [], [], []
    for y in range(grid_size):  # Lucid's order: x varies fastest
        for x in range(grid_size):
            mask = (cells[:, 0] == x) & (cells[:, 1] == y)
            count = int(np.count_nonzero(mask))
            if count > threshold:
                means.append(activations[mask].mean(axis=0))
                coordinates.append(np.array([x, y]))
                counts.append(count)
    if not coordinates:
        raise RuntimeError(f"no grid cell holds more than threshold={threshold} points: lower "
                           "threshold, use a smaller grid_size or more activation vectors")
    return means, coordinates, counts


def make_canvas(icon_batch: Sequence[np.ndarray], coordinates: Sequence[ArrayLike],
                grid_size: int) -> np.ndarray:
    """The icons on a white canvas [grid_size * h, grid_size * w, c]: icon k at cell
    coordinates[k] = (x, y), i.e. rows x*h.. and columns y*w..; cells without an icon stay 1."""
    icons = [np.asarray(i) for i in icon_batch]
    if not icons:
        raise ValueError("make_canvas needs at least one icon")
    h, w, c = icons[0].shape
    canvas = np.ones((grid_size, grid_size, h, w, c), np.float32)
    for icon, xy in zip(icons, coordinates):
        x, y = (int(v) for v in np.asarray(xy))
        canvas[x, y] = icon
    return canvas.transpose(0, 2, 1, 3, 4).reshape(grid_size * h, grid_size * w, c)
