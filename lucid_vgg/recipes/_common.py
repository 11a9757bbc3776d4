"""Shared plumbing for the recipes: rendering with seeds/steps, layer and image checks, files."""
import os
import re
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from lucid_vgg.optvis.limits import MAX_STEPS
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
        steps = (steps,)
    try:
        ts = tuple(int(s) for s in steps)
    except TypeError:
        raise ValueError(f"steps must be an int or a sequence of ints, got {steps!r}.") from None
    if not ts or min(ts) < 0:
        raise ValueError(f"steps must be non-negative, got {steps!r}.")
    if max(ts) > MAX_STEPS:
        raise ValueError(f"steps must be at most {MAX_STEPS:,} (lucid_vgg.optvis.limits.MAX_STEPS), "
                         f"got {max(ts):,}.")
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


def check_size(size: Any, batch: int = 1, name: str = "size") -> int:
    """An image side as a positive int (16.9 is refused, never truncated) for which `batch`
    images [batch, size, size, 3] stay within the parameterisation limit: one size check for
    every recipe and the CLI, made before any weights load or step runs."""
    from lucid_vgg.optvis.param import _checks

    size = _checks.positive_int(size, name)
    _checks.image_size((int(batch), size, size, 3), f"{name}={size} with a batch of {batch}: shape")
    return size


def check_size_for_layers(model: Any, layers: Any, size: int, batch: int = 1) -> None:
    """ValueError when a `size` px image is smaller than the pooling in front of `layers` needs
    (the render's own check, made up front; models without `min_input_size` are not checked)."""
    from lucid_vgg.optvis.fast_graph import check_image_size

    if hasattr(model, "min_input_size"):  # graph node names: "input" too, not only model.layers
        names = [getattr(layer, "name", layer) for layer in
                 ([layers] if isinstance(layers, str) else layers)]
        check_image_size(model, names, (batch, size, size, 3))


def check_out_dir(out_dir: Any, name: str = "out_dir") -> Optional[str]:
    """`out_dir` as a path a recipe can write into, or None ("write nothing"), checked before the
    first step: an empty path, a file, or a directory that cannot be written is a ValueError."""
    if out_dir is None:
        return None
    if not isinstance(out_dir, (str, os.PathLike)):
        raise ValueError(f"{name} must be a directory path or None, got {out_dir!r}")
    path = os.fspath(out_dir)
    if not str(path).strip():
        raise ValueError(f"{name} is an empty path: give a directory to write to "
                         "(None writes nothing)")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{name} {path!r} exists and is not a directory")
    _check_writable_dir(path, name)
    return path


def check_output_file(path: Any, name: str = "output") -> str:
    """A file path that can be written: not empty, not a directory, in a writable directory."""
    if not isinstance(path, (str, os.PathLike)) or not str(os.fspath(path)).strip():
        raise ValueError(f"{name} must be a file path, got {path!r}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"{name} {path!r} is a directory; give a file name inside it instead")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{name} directory {folder!r} does not exist")
    _check_writable_dir(folder, name)
    return path


def check_files_writable(paths: Any, what: str) -> None:
    """ValueError naming the first of `paths` that exists but is not a regular file."""
    for path in paths:
        if os.path.lexists(path) and not os.path.isfile(path):
            raise ValueError(f"{path!r} exists and is not a file, so {what} cannot be written "
                             "there: move it away or choose another directory")


def _check_writable_dir(path: str, name: str) -> None:
    """Probe the directory (or its nearest existing parent, to be created) with a temporary file:
    a read-only or foreign directory fails here, before any work, not after the render."""
    import tempfile

    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(f"{name} {path!r} cannot be created: {existing!r} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise ValueError(f"{name} {path!r} cannot be written: {existing!r} refuses new files "
                         f"({e.strerror or e}); choose another directory") from None


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


def spatial_activations(model: Model, img: ArrayLike, layer: LayerRef, what: str,
                        check_range: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """The photo (`check_photo`) and the activations [h, w, c] of `layer` for it; ValueError if
    the layer has no x/y extent."""
    name = layer_name(model, layer)
    tags = get_layer(model, layer).tags
    if "dense" in tags and "conv" not in tags:
        raise ValueError(f"{what} needs a conv layer with spatial extent; {name!r} is a dense "
                         f"layer (tags {sorted(tags)}). Use e.g. "
                         f"{_conv_names(model)[-1]!r}.")
    img = check_photo(img, check_range)
    acts = np.asarray(model.get_activations(img[None], name, check_range=check_range))
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
