"""Feature inversion and caricatures (Lucid's `recipes.caricature`): images whose activations
at a layer line up with those of a photo.

Each layer gets its own image in one batch; batch entry 0 is the photo itself (kept fixed), so
every objective `dot_compare(layer, batch=i)` compares image i with the photo through the same
random transforms. `feature_inversion` is the same function under its notebook name.
"""
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis import objectives
from lucid_vgg.optvis.objectives import ObjectiveFunc
from lucid_vgg.recipes import _common, _photos
from lucid_vgg.recipes._common import ArrayLike, LayerRef, OptimizerLike, PathLike, Transforms
from modelzoo.vision_base import Model

__all__ = ["dot_compare", "feature_inversion", "caricature", "make_caricature"]


@objectives.wrap_objective()
def dot_compare(layer: str, batch: int = 1, cossim_pow: float = 0) -> ObjectiveFunc:
    """How well batch entry `batch` matches entry 0 at `layer`: the dot product of their
    activations, times max(0.1, dot / |acts[batch]|) ** cossim_pow (Lucid's weighting)."""
    def inner(T):
        acts = T(layer)
        reference, other = acts[0], acts[batch]
        dot = tf.reduce_sum(reference * other)
        cossim = tf.maximum(0.1, dot / (1e-6 + tf.sqrt(tf.reduce_sum(other ** 2))))
        return dot * cossim ** cossim_pow
    return inner


def feature_inversion(*args: Any, **kwargs: Any) -> np.ndarray:
    """Lucid's name for `caricature` (same arguments, same result)."""
    return caricature(*args, **kwargs)


def _layer_list(model: Model, layer: Any) -> List[str]:
    if isinstance(layer, str) or hasattr(layer, "name"):
        layers = [layer]
    elif isinstance(layer, (tuple, list)) and layer:
        layers = list(layer)
    else:
        raise TypeError(f"layer must be a layer name, or a non-empty tuple or list of them; got "
                        f"{layer!r}")
    return [_common.layer_name(model, name) for name in layers]


def _check_steps(n_steps: Any) -> int:
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
    return int(n_steps)


def caricature(img: ArrayLike, model: Model, layer: Union[LayerRef, Sequence[LayerRef]],
               n_steps: int = 512, cossim_pow: float = 0.0, verbose: bool = True, *,
               size: Optional[_photos.Size] = None, transforms: Transforms = None,
               optimizer: OptimizerLike = None, use_fixed_seed: Union[bool, int] = False,
               callback: Optional[Callable[..., Any]] = None,
               check_range: bool = True) -> np.ndarray:
    """Invert `img` at one layer or several: float32 [1 + n_layers, h, w, 3] in [0, 1].

    Entry 0 is the photo resized to `size` (default the model's `image_shape[:2]`, as Lucid),
    entry i the image optimised to maximise `dot_compare(layers[i-1], batch=i, cossim_pow)`
    for `n_steps` steps. `cossim_pow` > 0 rewards the direction of the activations over their
    size, which exaggerates what the layer sees (a caricature). `transforms` defaults to the
    standard transforms then a crop back to `size`. Beyond Lucid: `size`, `transforms`,
    `optimizer`, `use_fixed_seed` (render_vis's), `callback(step, loss, vis)` after each step.
    `verbose` shows the results in a notebook (a one-line summary elsewhere).
    """
    from lucid_vgg.misc.io import showing
    from lucid_vgg.optvis import param, render, transform

    layers = _layer_list(model, layer)
    n_steps = _check_steps(n_steps)
    photo = _common.check_photo(img, check_range)
    h, w = _photos.check_hw(_photos.model_hw(model) if size is None else size)
    _common.check_size(max(h, w), 1 + len(layers))
    _common.check_size_for_layers(model, layers, min(h, w), 1 + len(layers))
    photo = _photos.resize(photo, (h, w))
    objective = objectives.Objective.sum([
        1.0 * dot_compare(name, batch=i + 1, cossim_pow=cossim_pow) for i, name in enumerate(layers)])

    def param_f():
        free = param.image(w, h, batch=len(layers), decorrelate=True, fft=True, alpha=False)
        return tf.concat([tf.constant(photo[None]), free], 0)

    if transforms is None:
        transforms = list(transform.standard_transforms) + [transform.crop_or_pad_to(h, w)]
    images = render.render_vis(model, objective, param_f, optimizer=optimizer,
                               transforms=transforms, thresholds=(n_steps - 1,), verbose=False,
                               use_fixed_seed=use_fixed_seed, callback=callback)
    if not images:
        raise KeyboardInterrupt("feature inversion was interrupted before its last step")
    result = np.asarray(images[-1], np.float32)
    if verbose:
        showing.images(list(result[1:]), labels=layers)
    return result


def make_caricature(image_url: PathLike, saved_model_folder_url: PathLike, to: PathLike,
                    *args: Any, **kwargs: Any) -> Dict[str, Any]:
    """Caricatures of a photo file at every layer of a saved model folder, written to `to`:
    `input.jpg`, one JPEG per layer and `results.json` (returned) listing them."""
    from lucid_vgg.misc import io as mio
    from modelzoo.vision_base import Model as BaseModel

    out_dir = _common.check_out_dir(to, "to")
    assert out_dir is not None
    image = mio.load(image_url)
    # Lucid's SerializedModel.from_directory, without its deprecation warning
    model = BaseModel.load_from_manifest(os.path.join(os.fspath(saved_model_folder_url), "manifest.json"))
    layers = list(model.layer_names)
    caricatures = caricature(image, model, layers, *args, **{**kwargs, "verbose": False})
    os.makedirs(out_dir, exist_ok=True)
    input_path = os.path.join(out_dir, "input.jpg")
    mio.save(caricatures[0], input_path)
    values = []
    for picture, name in zip(caricatures[1:], layers):
        path = os.path.join(out_dir, _common.safe_name(name) + ".jpg")
        mio.save(picture, path)
        values.append({"type": "image", "url": path, "shape": list(picture.shape)})
    results = {"type": "caricature", "input_image": input_path, "values": values}
    mio.save(results, os.path.join(out_dir, "results.json"))
    return results
