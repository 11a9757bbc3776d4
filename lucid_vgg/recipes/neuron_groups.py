"""Neuron groups (Lucid's building-blocks/NeuronGroups notebook): factor a photo's activations
at one layer into k groups with NMF, show where each group fires and what it responds to.
"""
import os
from dataclasses import dataclass
from typing import Any, List, Optional, Union

import numpy as np

from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import ArrayLike, LayerRef, OptimizerLike, PathLike, Steps, Transforms
from modelzoo.vision_base import Model


@dataclass
class NeuronGroups:
    """The result of `neuron_groups` (groups ordered left to right by where they peak).

    - `spatial_maps`: [k, H, W] non-negative, each group's map upsampled to the photo
      (bilinear), in activation units; `spatial_maps.sum(0)` is the total NMF activation.
    - `layer_maps`: [k, h, w] the same maps at the layer's resolution.
    - `directions`: [k, channels] each group's channel factor (NMF components).
    - `images`: [k, size, size, 3] a visualisation of each direction (`objectives.direction`).
    - `reconstruction_error`: ||acts - maps @ directions|| / ||acts|| at layer resolution.
    """

    layer: str
    spatial_maps: np.ndarray
    layer_maps: np.ndarray
    directions: np.ndarray
    images: np.ndarray
    reconstruction_error: float

    @property
    def n_groups(self) -> int:
        return len(self.directions)

    def __getitem__(self, key: str) -> Any:
        """Dict-style access: `groups["spatial_maps"]`."""
        return getattr(self, key)

    def keys(self) -> List[str]:
        return ["layer", "spatial_maps", "layer_maps", "directions", "images",
                "reconstruction_error"]

    def overlays(self, img: ArrayLike, colors: Optional[ArrayLike] = None,
                 percentile: float = 99) -> np.ndarray:
        """Each group's map over `img` for display: [k, H, W, 3] in [0, 1].

        As Lucid's widget: the map divided by the `percentile` of all maps, tinted by the
        group's colour (default red), blended onto the photo.
        """
        img = _common.check_photo(img)
        scale = np.percentile(self.spatial_maps, percentile) or 1.0
        colors = np.asarray(colors if colors is not None else [[1.0, 0.0, 0.0]] * self.n_groups,
                            np.float32)
        out = []
        for m, c in zip(self.spatial_maps, colors):
            a = np.clip(m / scale, 0, 1)[..., None]
            out.append((1 - a) * img * 0.5 + a * c)
        return np.clip(np.stack(out), 0, 1).astype(np.float32)


def upsample_maps(maps: ArrayLike, height: int, width: int) -> np.ndarray:
    """Bilinear resize of [k, h, w] maps to [k, height, width] (non-negativity preserved)."""
    import tensorflow as tf

    maps = np.asarray(maps, np.float32)
    t = tf.image.resize(maps.transpose(1, 2, 0)[None], (height, width), method="bilinear")
    return np.maximum(t.numpy()[0].transpose(2, 0, 1), 0).astype(np.float32)


def neuron_groups(model: Model, img: ArrayLike, layer: LayerRef, n_groups: int = 6, size: int = 80,
                  steps: Steps = 512, transforms: Transforms = None, optimizer: OptimizerLike = None,
                  seed: Optional[int] = None, use_fixed_seed: Union[bool, int] = False,
                  verbose: bool = False, random_state: Optional[int] = 0,
                  out_dir: Optional[PathLike] = None, check_range: bool = True) -> NeuronGroups:
    """Factor `img`'s activations at `layer` into `n_groups` groups; returns `NeuronGroups`.

    Lucid's NeuronGroups notebook: `ChannelReducer(n_groups, "NMF").fit_transform(acts)` gives
    each group's spatial factor and `components_` its channel factor; groups are sorted by the
    x position of their peak; each channel factor is rendered with
    `sum(direction(layer, factor_i, batch=i))` and `param.image(80, batch=n_groups)`.
    (The notebook's attribution to classes is not ported here.)
    `random_state` seeds NMF's initialisation. With `out_dir`, writes each group's icon and map.
    A float photo must be in [0, 1] (uint8 is divided by 255); `check_range=False` takes it as is.
    """
    from lucid_vgg.misc.channel_reducer import ChannelReducer
    from lucid_vgg.optvis import objectives, param

    img = _common.check_photo(img, check_range)
    name = _common.layer_name(model, layer)
    out_dir = _common.check_out_dir(out_dir)
    size = _common.check_size(size)
    _common.check_size_for_layers(model, name, size)
    img, acts = _common.spatial_activations(model, img, name, "neuron_groups", check_range)
    n_groups = _common.check_n_groups(n_groups, acts.shape[-1], name)
    if float(acts.max()) <= 0:
        raise ValueError(f"{name!r} is all zero for this image; NMF has nothing to factor.")

    nmf = ChannelReducer(n_groups, "NMF", random_state=random_state, max_iter=1000)
    spatial = np.asarray(nmf.fit_transform(acts), np.float32).transpose(2, 0, 1)  # [k, h, w]
    channel = np.asarray(nmf.components_, np.float32)  # [k, c]

    order = np.argsort(np.argmax(spatial.max(1), 1), kind="stable")
    spatial, channel = spatial[order], channel[order]
    recon = np.einsum("khw,kc->hwc", spatial, channel)
    err = float(np.linalg.norm(acts - recon) / max(np.linalg.norm(acts), 1e-12))

    obj = objectives.Objective.sum(
        [objectives.direction(name, channel[i], batch=i) for i in range(n_groups)])
    icons = _common.render(model, obj, lambda: param.image(size, batch=n_groups), steps,
                           transforms=transforms, optimizer=optimizer, seed=seed,
                           use_fixed_seed=use_fixed_seed, verbose=verbose)
    maps = upsample_maps(spatial, img.shape[0], img.shape[1])
    result = NeuronGroups(layer=name, spatial_maps=maps, layer_maps=spatial, directions=channel,
                          images=icons, reconstruction_error=err)
    if out_dir:
        stem = f"{_common.safe_name(name)}_group"
        scale = np.percentile(maps, 99) or 1.0
        for i in range(n_groups):
            _common.save_png(icons[i], os.path.join(out_dir, f"{stem}{i}_icon.png"))
            m = np.clip(maps[i] / scale, 0, 1)
            _common.save_png(np.repeat(m[..., None], 3, -1), os.path.join(out_dir, f"{stem}{i}_map.png"))
    return result
