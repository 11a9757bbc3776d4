"""Shared plumbing for the recipes: rendering with seeds/steps, layer and image checks, files."""
import os
import re
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from lucid_vgg.optvis.objectives import ObjectiveLike
from lucid_vgg.optvis.render_parts import OptimizerLike, ParamF, Transforms
from modelzoo.fileio import PathLike
from modelzoo.vision_base import Layer, Model

__all__ = ["LayerRef", "Steps", "ArrayLike", "OptimizerLike", "PathLike", "Transforms"]

#: A layer as the recipes take it: its name, or one of the model's Layer objects.
LayerRef = Union[str, Layer]
#: `steps`: the number of optimisation steps, or the step counts to render at (the last is kept).
Steps = Union[int, Sequence[int]]


def thresholds_of(steps: Any) -> Tuple[int, ...]:
    """`steps` (checked to be `Steps`) as render_vis thresholds: an int becomes `(steps,)`, a
    sequence stays (sorted)."""
    if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool):
        if steps < 0:
            raise ValueError(f"steps must be a non-negative integer, got {steps}.")
        return (int(steps),)
    try:
        ts = tuple(int(s) for s in steps)
    except TypeError:
        raise ValueError(f"steps must be an int or a sequence of ints, got {steps!r}.") from None
    if not ts or min(ts) < 0:
        raise ValueError(f"steps must be non-negative, got {steps!r}.")
    return tuple(sorted(ts))


def render(model: Model, objective: ObjectiveLike, param_f: ParamF, steps: Steps, *,
           transforms: Transforms = None, optimizer: OptimizerLike = None, seed: Optional[int] = None,
           use_fixed_seed: Union[bool, int] = False, verbose: bool = False,
           relu_gradient_override: bool = True, precision: str = "float32") -> np.ndarray:
    """Render and return the images at the last threshold, float32 [b, h, w, 3] in [0, 1].

    This is `render_vis(...)[-1]`; an int `seed` is passed as `use_fixed_seed=seed` (it wins over
    `use_fixed_seed`), so a rerun with the same seed gives the same image and the caller's global
    random state is left as it was (`optvis.seeding.fixed_seed`).
    """
    from lucid_vgg.optvis import render as render_mod

    out = render_mod.render_vis(
        model, objective, param_f, optimizer=optimizer, transforms=transforms,
        thresholds=thresholds_of(steps), verbose=verbose,
        relu_gradient_override=relu_gradient_override,
        use_fixed_seed=use_fixed_seed if seed is None else int(seed), precision=precision)
    if not out:
        raise KeyboardInterrupt("rendering was interrupted before the last threshold")
    return np.asarray(out[-1], dtype=np.float32)


def get_layer(model: Model, layer: Any) -> Layer:
    """The model's Layer for a name or anything with a `.name` (KeyError listing the real names
    otherwise)."""
    return model.get_layer(getattr(layer, "name", layer))


def layer_name(model: Model, layer: LayerRef) -> str:
    return get_layer(model, layer).name


def check_unit(model: Model, layer: LayerRef, unit: int) -> int:
    """Validate a channel index against the layer depth; return it as an int."""
    depth = get_layer(model, layer).depth
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)):
        raise TypeError(f"unit must be an int, got {unit!r}.")
    if depth is not None and not 0 <= unit < depth:
        raise ValueError(f"unit {unit} is out of range for layer {layer!r}, which has {depth} "
                         f"channels (0..{depth - 1}).")
    return int(unit)


def check_photo(img: ArrayLike, check_range: bool = True) -> np.ndarray:
    """A photo as float32 [h, w, 3] in [0, 1]: accepts [h, w, 3], [1, h, w, 3], uint8 (divided by
    255) and floats in [0, 1]; other floats are refused unless check_range=False (modelzoo.images)."""
    from modelzoo.images import to_unit_range

    arr = np.asarray(img)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 3:
        raise ValueError(f"expected one image of rank 3 [height, width, 3] (or [1, h, w, 3]); "
                         f"got an array of rank {np.ndim(img)} with shape {np.shape(img)}.")
    if arr.shape[-1] != 3:
        raise ValueError(f"expected an RGB image [height, width, 3]; got shape {arr.shape}.")
    return to_unit_range(arr, check_range, what="the photo")


def spatial_activations(model: Model, img: ArrayLike, layer: LayerRef,
                        what: str) -> Tuple[np.ndarray, np.ndarray]:
    """Activations [h, w, c] of `layer` for one photo; ValueError if the layer has no x/y extent."""
    name = layer_name(model, layer)
    tags = get_layer(model, layer).tags
    if "dense" in tags and "conv" not in tags:
        raise ValueError(f"{what} needs a conv layer with spatial extent; {name!r} is a dense "
                         f"layer (tags {sorted(tags)}). Use e.g. "
                         f"{_conv_names(model)[-1]!r}.")
    img = check_photo(img)
    acts = np.asarray(model.get_activations(img[None], name))
    if acts.ndim != 4:
        raise ValueError(f"{what} needs a conv layer with spatial extent; {name!r} gives "
                         f"activations of shape {acts.shape}, with no height/width axes.")
    return img, acts[0]


def _conv_names(model: Model) -> List[str]:
    names = [layer.name for layer in model.layers if "conv" in layer.tags]
    return names or [layer.name for layer in model.layers]


def conv_layer_names(model: Model) -> List[str]:
    """Names of the model's conv layers, in order."""
    return _conv_names(model)


def check_n_groups(n_groups: int, n_channels: int, layer: LayerRef, at_least: int = 1) -> int:
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)):
        raise TypeError(f"n_groups must be an int, got {n_groups!r}.")
    if n_groups < at_least:
        raise ValueError(f"n_groups must be at least {at_least}, got {n_groups}.")
    if n_groups > n_channels:
        raise ValueError(f"n_groups={n_groups} is larger than the number of channels of "
                         f"{layer!r} ({n_channels}); choose n_groups <= {n_channels}.")
    return int(n_groups)


def safe_name(name: str) -> str:
    """A layer name as a file-name stem: 'conv4_1/conv4_1' -> 'conv4_1'."""
    parts = str(name).split(":")[0].split("/")
    stem = parts[0] if len(set(parts)) == 1 else "_".join(parts)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)


def save_png(array: ArrayLike, path: PathLike) -> PathLike:
    """Save an image in [0, 1] atomically (misc.io.save)."""
    from lucid_vgg.misc import io as mio

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    mio.save(np.clip(np.asarray(array, np.float32), 0, 1), path)
    return path


def load_png(path: PathLike) -> np.ndarray:
    from lucid_vgg.misc import io as mio

    arr = np.asarray(mio.load(path))
    if arr.dtype == np.uint8:
        arr = arr / 255.0
    return arr[..., :3].astype(np.float32)


def image_grid(images: Iterable[np.ndarray], n_cols: Optional[int] = None,
               labels: Optional[Sequence[str]] = None, pad: int = 2) -> np.ndarray:
    from lucid_vgg.misc import io as mio

    return np.asarray(mio.image_grid(list(images), n_cols=n_cols, labels=labels, pad=pad))
