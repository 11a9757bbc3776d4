"""Render every unit (channel) of a layer, in batches, with resumable per-unit PNGs and a grid.

One render_vis call per batch of `batch_size` units; batch element i maximises unit i's channel
objective: `Objective.sum(channel(layer, u_i, batch=i))` with `param.image(size, batch=k)`.
With an out_dir, `<out_dir>/manifest.jsonl` (recipes.manifest) records each unit's settings, so
a rerun reuses only the units made with the same settings and model.
"""
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from lucid_vgg.recipes import _common, manifest, unit_settings
from lucid_vgg.recipes._common import LayerRef, OptimizerLike, PathLike, Steps, Transforms
from lucid_vgg.recipes.output_store import OutputStore
from lucid_vgg.recipes.unit_batches import encode_png, unit_objectives, unit_per_image
from modelzoo.vision_base import Model

__all__ = ["render_layer", "render_units", "check_render_layer", "unit_per_image", "unit_path",
           "grid_path", "layer_settings", "LayerRenderInfo"]


@dataclass
class LayerRenderInfo:
    """What a render_layer call did: which units were rendered now and which were loaded."""

    layer: str
    units: List[int]
    rendered: List[int] = field(default_factory=list)
    loaded: List[int] = field(default_factory=list)
    paths: List[str] = field(default_factory=list)
    grid_path: Optional[str] = None


def unit_path(out_dir: PathLike, layer: str, unit: int) -> str:
    """Where render_layer stores one unit's PNG: `<out_dir>/<layer>_<unit:04d>.png`."""
    return os.path.join(out_dir, f"{_common.safe_name(layer)}_{int(unit):04d}.png")


def grid_path(out_dir: PathLike, layer: str) -> str:
    """Where render_layer stores the labelled grid of all units: `<out_dir>/<layer>_grid.png`."""
    return os.path.join(out_dir, f"{_common.safe_name(layer)}_grid.png")


def _check_units(units: Optional[Sequence[int]], depth: Optional[int], layer: str) -> List[int]:
    if units is None:
        if depth is None:
            raise ValueError(f"layer {layer!r} has no known depth; pass units= explicitly.")
        return list(range(depth))
    if isinstance(units, range) and len(units):  # bounds first: range(0, 3_000_000_000) is cheap
        low, high = min(units[0], units[-1]), max(units[0], units[-1])
        bad = low if low < 0 else high if depth is not None and high >= depth else None
        if bad is not None:
            raise ValueError(f"unit {bad} is out of range for layer {layer!r} with {depth} channels.")
    out = []
    for u in units:
        if isinstance(u, bool) or not isinstance(u, (int, np.integer)):
            raise TypeError(f"units must be ints, got {u!r}.")
        if u < 0 or (depth is not None and u >= depth):
            raise ValueError(f"unit {u} is out of range for layer {layer!r} with {depth} channels.")
        out.append(int(u))
    if len(set(out)) != len(out):
        raise ValueError(f"units contains duplicates: {list(units)}.")
    if not out:
        raise ValueError("units is empty.")
    return out


def render_units(model: Model, layer: str, units: Sequence[int], size: int = 128, steps: Steps = 512,
                 transforms: Transforms = None, optimizer: OptimizerLike = None,
                 seed: Optional[int] = None, use_fixed_seed: Union[bool, int] = False,
                 verbose: bool = False, precision: str = "float32") -> np.ndarray:
    """Render `units` of `layer` in one batch (one unit per batch element); [len(units), h, w, 3]."""
    from lucid_vgg.optvis import param

    units = list(units)
    obj = unit_per_image(layer, units)
    k = len(units)
    return _common.render(model, obj, lambda: param.image(size, batch=k), steps,
                          transforms=transforms, optimizer=optimizer, seed=seed,
                          use_fixed_seed=use_fixed_seed, verbose=verbose, precision=precision)


def check_render_layer(model: Model, layer: LayerRef, out_dir: Optional[PathLike] = None,
                       units: Optional[Sequence[int]] = None, size: int = 128, steps: Steps = 512,
                       batch_size: int = 8) -> Tuple[str, List[int], Optional[str]]:
    """Every check render_layer makes before its first step; returns (layer name, units, out_dir).

    None of them loads the graph (render_layer then checks the pooling's minimum image size):
    layer, units, batch_size, steps, `size` (a positive int whose batch fits the parameterisation
    limit), `out_dir` (None writes nothing; "" or a file or read-only directory is a ValueError,
    as is a directory sitting at a unit's or the grid's file name).
    """
    name = _common.layer_name(model, layer)
    depth = _common.get_layer(model, name).depth
    units = _check_units(units, depth, name)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    _common.thresholds_of(steps)
    size = _common.check_size(size, min(int(batch_size), len(units)))
    out_dir = _common.check_out_dir(out_dir)
    if out_dir is not None:
        _common.check_files_writable([unit_path(out_dir, name, u) for u in units]
                                     + [grid_path(out_dir, name)], f"render_layer's {name} PNGs")
    return name, units, out_dir


def layer_settings(size: int, steps: Steps, batch_size: int, transforms: Transforms = None,
                   optimizer: OptimizerLike = None, seed: Optional[int] = None,
                   use_fixed_seed: Union[bool, int] = False,
                   precision: str = "float32") -> Dict[str, Any]:
    """The settings render_layer records per unit (and compares on resume), as plain JSON."""
    return {"recipe": "render_layer", "size": int(size), "steps": unit_settings.steps_value(steps),
            "seed": unit_settings.seed_value(seed), "batch_size": int(batch_size),
            "transforms": unit_settings.describe_transforms(transforms), "param": "image",
            "optimizer": unit_settings.describe_optimizer(optimizer), "precision": precision,
            "use_fixed_seed": use_fixed_seed if isinstance(use_fixed_seed, bool)
            else int(use_fixed_seed)}


def _reusable_units(model: Model, store: OutputStore, name: str, units: Sequence[int],
                    settings: Dict[str, Any], size: int, verbose: bool
                    ) -> Tuple[manifest.Manifest, Dict[int, np.ndarray]]:
    """The manifest (checked for this model) and the units whose file and row match `settings`."""
    book = manifest.Manifest(store)
    book.check_model(manifest.model_record(model))
    key = manifest.settings_key(settings)
    found: Dict[int, np.ndarray] = {}
    if not unit_settings.reusable(settings):
        return book, found
    for u in units:
        rel = os.path.basename(unit_path(".", name, u))
        if book.done((name, u, "positive", 0), key) is None:
            continue
        try:
            img = _common.load_png(store.path(rel))
        except Exception as e:  # unreadable leftovers are re-rendered
            if verbose:
                print(f"re-rendering unit {u}: cannot read {rel} ({e})")
            continue
        if img.shape[:2] == (size, size):
            found[u] = img
    return book, found


def _write_grid(stack: np.ndarray, units: Sequence[int], path: str, n_cols: Optional[int]) -> None:
    """Write the labelled grid of `units` unless the file already holds exactly these bytes
    (so a rerun for other units replaces a grid of the old ones, and an equal rerun writes nothing)."""
    cols = n_cols or int(math.ceil(math.sqrt(len(units))))
    stack = np.rint(np.clip(stack, 0, 1) * 255) / 255  # as saved: a rerun that loads = same grid
    data = encode_png(_common.image_grid(stack, n_cols=cols, labels=[str(u) for u in units]))
    if os.path.isfile(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    from modelzoo.fileio import atomic_write_bytes

    atomic_write_bytes(path, data)


def render_layer(model: Model, layer: LayerRef, out_dir: Optional[PathLike] = None,
                 units: Optional[Sequence[int]] = None, size: int = 128, steps: Steps = 512,
                 batch_size: int = 8, transforms: Transforms = None, optimizer: OptimizerLike = None,
                 seed: Optional[int] = None, use_fixed_seed: Union[bool, int] = False,
                 n_cols: Optional[int] = None, verbose: bool = False,
                 progress: Optional[Callable[[int, int], object]] = None, return_info: bool = False,
                 precision: str = "float32") -> Union[np.ndarray, Tuple[np.ndarray, LayerRenderInfo]]:
    """Visualise every unit of `layer` (or just `units`); returns float32 [n_units, h, w, 3].

    Units are rendered `batch_size` at a time (one unit per batch element, as Lucid's notebooks
    batch channels). With `out_dir`, each unit is saved as `<layer>_<unit:04d>.png` as soon as
    its batch finishes (atomic writes) with a row in `<out_dir>/manifest.jsonl`, plus a labelled
    `<layer>_grid.png` of exactly `units`. A rerun loads a unit instead of rendering it only when
    its manifest row has the same settings (size, steps, seed, batch_size, transforms,
    optimizer, precision) and model and the PNG's SHA-256 still matches; anything else is
    rendered again (a manifest of another model is a ValueError before any work). Loaded images
    come back quantised to 8 bits. `seed` seeds each batch with `seed + its first unit`
    (reproducible for the same units and batch_size; a resumed run batches only the missing
    units, so its images can differ from an uninterrupted run's). `progress(done, total)` is
    called after each batch. With `return_info=True` returns `(images, LayerRenderInfo)`.
    """
    name, units, out_dir = check_render_layer(model, layer, out_dir, units, size, steps,
                                             batch_size)
    _common.check_size_for_layers(model, name, size)
    info = LayerRenderInfo(layer=name, units=list(units))
    settings = layer_settings(size, steps, batch_size, transforms, optimizer, seed,
                              use_fixed_seed, precision)
    images: Dict[int, np.ndarray] = {}
    book = None
    if out_dir is not None:
        store = OutputStore(out_dir)
        book, images = _reusable_units(model, store, name, units, settings, size, verbose)
        info.loaded = [u for u in units if u in images]
    todo = [u for u in units if u not in images]

    done = len(units) - len(todo)
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        chunk_seed = None if seed is None else int(seed) + chunk[0]
        imgs = render_units(model, name, chunk, size=size, steps=steps, transforms=transforms,
                            optimizer=optimizer, seed=chunk_seed, use_fixed_seed=use_fixed_seed,
                            verbose=verbose, precision=precision)
        scores = unit_objectives(model, name, chunk, imgs) if book is not None else []
        for i, (u, img) in enumerate(zip(chunk, imgs)):
            images[u] = img
            info.rendered.append(u)
            if book is not None:
                rel = os.path.basename(unit_path(".", name, u))
                data = encode_png(img)
                book.store.write_bytes(rel, data)
                book.append(manifest.make_row(name, u, "positive", 0, rel,
                                              manifest.sha256_bytes(data), scores[i], settings,
                                              manifest.model_record(model)))
        done += len(chunk)
        if progress is not None:
            progress(done, len(units))

    stack = np.stack([images[u] for u in units]).astype(np.float32)
    if out_dir is not None:
        info.paths = [unit_path(out_dir, name, u) for u in units]
        _write_grid(stack, units, grid_path(out_dir, name), n_cols)
        info.grid_path = grid_path(out_dir, name)
    return (stack, info) if return_info else stack
