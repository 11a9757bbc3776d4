"""Activations of one photo at several layers (Lucid's `recipes.image_activations`).

Lucid imported the graph in a session and fetched each layer for the photo resized to the
model's input size; here `Model.get_activations` does the fetching (eager, one pass).
"""
from timeit import default_timer as timer
from typing import Any, Dict, Optional, Sequence

import numpy as np

from lucid_vgg.recipes import _common, _photos
from lucid_vgg.recipes._common import ArrayLike
from modelzoo.vision_base import Model

__all__ = ["image_activations", "manifest_image_activations"]


def image_activations(model: Model, image: ArrayLike, layer_names: Optional[Sequence[str]] = None,
                      *, size: Optional[_photos.Size] = None,
                      check_range: bool = True) -> Dict[str, np.ndarray]:
    """`{layer name: activations}` of `image` for each of `layer_names` (default: the model's
    conv layers), each without the batch axis ([h, w, c] for conv layers, [c] for dense ones).

    `image` is RGB [h, w, 3], float in [0, 1] or uint8; it is resized to `size` (default the
    model's `image_shape[:2]`, as Lucid). A name may end in ':0' (Lucid allowed it); the key is
    the name as given.
    """
    if layer_names is None:
        layer_names = _common.conv_layer_names(model)
    elif isinstance(layer_names, str):
        layer_names = [layer_names]
    names = list(layer_names)
    if not names:
        raise ValueError("layer_names is empty: give at least one layer name (or None for the "
                         "model's conv layers)")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"layer_names must be strings, got {name!r}")
    photo = _common.check_photo(image, check_range)
    hw = _photos.check_hw(_photos.model_hw(model) if size is None else size)
    photo = _photos.resize(photo, hw)
    graph_names = [n[:-2] if n.endswith(":0") else n for n in names]
    acts = model.get_activations(photo[None], list(dict.fromkeys(graph_names)))
    return {name: acts[g][0] for name, g in zip(names, graph_names)}


def manifest_image_activations(model: Model, image: ArrayLike, **kwargs: Any) -> Dict[str, Any]:
    """`image_activations` as Lucid's manifest: `{"type": "image-activations", "took": seconds,
    "values": [{"type": "activations", "value", "shape", "layer_name"}, ...]}`."""
    start = timer()
    activations = image_activations(model, image, **kwargs)
    took = timer() - start
    values = [{"type": "activations", "value": value, "shape": value.shape, "layer_name": name}
              for name, value in activations.items()]
    return {"type": "image-activations", "took": took, "values": values}
