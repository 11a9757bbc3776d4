"""Attribution between layers (Lucid's building-blocks AttrChannel, AttrSpatial and
SemanticDictionary notebooks): how much each channel or position of a lower layer contributes to
a score read at a higher layer, as activation x gradient, on a photo.

The score is read at `target` (a conv layer, a dense layer, or the class logits `fc8/fc8` of a
full VGG16 graph): a unit summed over positions, a direction (a channel group), or the L2
magnitude of the activation vector, everywhere or at one position. Gradients come from
`tf.gradients` inside one traced `tf.function` per (model, layer, target, override) that feeds
the layer's activations straight into the imported graph, so only the part above the layer runs.
"""
import difflib
import functools
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import ArrayLike, LayerRef
from modelzoo.util import subgraph, upstream_nodes
from modelzoo.vision_base import Model

__all__ = ["Attribution", "SemanticDictionary", "attribute", "spatial_spatial_attribution",
           "semantic_dictionary", "channel_icons", "logits_layer", "unit_direction", "bars",
           "overlay", "mark_position", "LOGITS_NODE"]

#: VGG16's class logits (fc8's output before the softmax `prob`), present in full graphs only.
LOGITS_NODE = "fc8/fc8"
#: A score read at the target: None (L2 magnitude over channels), a channel / class index, a class
#: label (`model.labels`), or a direction over the target's channels (e.g. an NMF group).
Unit = Union[None, int, str, ArrayLike]
Position = Tuple[int, int]
_EPS = 1e-12  # keeps the gradient of the magnitude finite where a target vector is all zero


@dataclass
class Attribution:
    """`attribute`'s result: `acts` [h, w, c] (or [c]) of `layer` for the photo, `grads` the
    gradient of the score with respect to them (averaged along the path when n_steps > 1), and
    `score`, the score's value on the photo."""

    layer: str
    target: str
    acts: np.ndarray
    grads: np.ndarray
    score: float

    @property
    def attr(self) -> np.ndarray:
        """Activation x gradient per position and channel (the linear approximation)."""
        return self.acts * self.grads

    @property
    def channels(self) -> np.ndarray:
        """Channel attribution [c]: `attr` summed over positions."""
        return self.attr.reshape(-1, self.attr.shape[-1]).sum(0)

    @property
    def spatial(self) -> np.ndarray:
        """Spatial attribution [h, w]: `attr` summed over channels (conv layers only)."""
        if self.attr.ndim != 3:
            raise ValueError(f"spatial attribution needs a layer with positions; {self.layer!r} "
                             f"has activations of shape {self.acts.shape}")
        return self.attr.sum(-1)

    def top_channels(self, n: int = 4) -> Tuple[np.ndarray, np.ndarray]:
        """The `n` channels with the largest positive and the `n` with the most negative
        attribution, strongest first."""
        order = np.argsort(-self.channels, kind="stable")
        return order[:n], order[::-1][:n]


@dataclass
class SemanticDictionary:
    """`semantic_dictionary`'s result: `acts` [h, w, c], and at each position the `n_top`
    strongest `channels` [h, w, n_top] with their activation `values` [h, w, n_top]."""

    layer: str
    acts: np.ndarray
    channels: np.ndarray
    values: np.ndarray

    def strongest_positions(self, n: int = 3, min_distance: int = 2) -> List[Position]:
        """`n` positions (y, x) with the largest top activation, at least `min_distance` cells
        apart (Chebyshev distance), strongest first: places worth looking up."""
        peak = self.values[..., 0]
        picked: List[Position] = []
        for flat in np.argsort(-peak, axis=None, kind="stable"):
            y, x = (int(v) for v in np.unravel_index(flat, peak.shape))
            if all(max(abs(y - py), abs(x - px)) >= min_distance for py, px in picked):
                picked.append((y, x))
            if len(picked) == n:
                break
        return picked


# -- checks: everything a caller can get wrong, before any gradient is taken ----------------------
def logits_layer(model: Model) -> Optional[str]:
    """`"fc8/fc8"` when `model`'s graph has VGG16's class logits (a full graph, e.g. from
    `lucid-vgg convert-h5`), else None (the default conv-only VGG16_caffe)."""
    return LOGITS_NODE if LOGITS_NODE in _node_names(model) else None


def _node_names(model: Model) -> frozenset:
    return frozenset(node.name for node in model.graph_def.node)


def _known_layers(model: Model) -> List[str]:
    nodes = _node_names(model)
    names = [n for n in model.layer_names if n in nodes]
    return names + [LOGITS_NODE] if LOGITS_NODE in nodes and LOGITS_NODE not in names else names


def check_layer(model: Model, layer: Any, role: str) -> str:
    """`layer` (a name or a Layer) as a node name of `model`'s graph; ValueError naming the
    layers that exist (with close matches) otherwise."""
    name = getattr(layer, "name", layer)
    if not isinstance(name, str):
        raise TypeError(f"{role} must be a layer name such as 'conv4_3/conv4_3', got {layer!r}")
    known = _known_layers(model)
    if name in known:
        return name
    if name in model.layer_names:  # declared by the model, missing from this graph (fc6/fc7/prob)
        raise ValueError(model._unknown_layer_message(name))  # pylint: disable=protected-access
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"unknown {role} {name!r} in {model.name}.{hint} Existing layers: {known}")


def check_order(model: Model, layer: str, target: str) -> None:
    """ValueError unless `layer` lies below `target` (the target reads it, directly or not)."""
    if layer == target:
        raise ValueError(f"layer and target are both {layer!r}: attribution needs a layer below "
                         "the target, e.g. layer='conv4_3/conv4_3', target='conv5_3/conv5_3'")
    if layer not in upstream_nodes(model.graph_def, [target]):
        known = _known_layers(model)
        below = [n for n in known if n != target and n in upstream_nodes(model.graph_def, [target])]
        raise ValueError(f"layer {layer!r} is not below target {target!r} in the graph, so the "
                         f"target does not depend on it: attribution flows from a lower layer to a "
                         f"higher one (swap them?). Layers below {target!r}: {below}")


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _target_depth(model: Model, target: str) -> Optional[int]:
    """The target's channel count when the model declares it (checked before any work)."""
    for layer in model.layers:
        if layer.name == target and layer.depth is not None:
            return int(layer.depth)
    return None


def _labels(model: Model) -> List[str]:
    try:
        return list(model.labels or [])
    except (RuntimeError, AttributeError):  # Model.labels raises without a labels_path
        return []


def _unit_index(model: Model, target: str, unit: Any, depth: Optional[int], role: str) -> int:
    """A channel index from an int or a class label, range-checked against `depth`."""
    if isinstance(unit, str):
        labels = _labels(model)
        if not labels:
            raise ValueError(f"{role} {unit!r} is a class label, but {model.name} has no class "
                             "labels (no labels_path); give the unit's index instead")
        if unit not in labels:
            close = difflib.get_close_matches(unit, labels, n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"{role} {unit!r} is not one of {model.name}'s {len(labels)} class "
                             f"labels (model.labels).{hint}")
        if depth is not None and depth != len(labels):
            raise ValueError(f"{role} {unit!r} is a class label, but target {target!r} has {depth} "
                             f"channels, not one per class ({len(labels)}); use the class logits "
                             f"{LOGITS_NODE!r} or 'prob' as target")
        unit = labels.index(unit)
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)):
        raise TypeError(f"{role} must be None, an int, a class label or a direction array, "
                        f"got {unit!r}")
    if depth is not None and not 0 <= unit < depth:
        raise ValueError(f"{role} {unit} is out of range for target {target!r}, which has {depth} "
                         f"channels (0..{depth - 1})")
    return int(unit)


def _unit_vector(model: Model, target: str, u: Any, depth: Optional[int],
                 role: str) -> Optional[np.ndarray]:
    """`u` (an index, a label or a direction) checked and, when `depth` is known, as a vector."""
    if isinstance(u, (str, int, np.integer)) and not isinstance(u, bool):
        index = _unit_index(model, target, u, depth, role)
        if depth is None:
            return None
        vec = np.zeros(depth, np.float32)
        vec[index] = 1.0
        return vec
    vec = np.asarray(u, np.float32)
    if vec.ndim != 1 or (depth is not None and vec.shape[0] != depth):
        raise ValueError(f"{role}: a direction must be a vector of {depth or 'depth'} entries (one "
                         f"per channel of {target!r}), got shape {vec.shape}")
    if not np.isfinite(vec).all():
        raise ValueError(f"{role}: the direction holds NaN or inf")
    return vec


def unit_direction(model: Model, target: LayerRef, unit: Unit, minus: Unit = None,
                   depth: Optional[int] = None) -> Optional[np.ndarray]:
    """The score's weights over `target`'s channels: None for the magnitude (`unit=None`), else a
    vector (one-hot for an index or a label, the array itself for a direction) minus `minus`'s
    (Lucid's class1 - class2). `depth` defaults to the target's declared depth; ValueError for
    an index, label or length that does not fit."""
    name = check_layer(model, target, "target")
    depth = depth if depth is not None else _target_depth(model, name)
    if minus is not None and unit is None:
        raise ValueError("minus needs a unit to subtract from; unit=None scores the magnitude")
    if unit is None:
        return None
    vectors = []
    for role, u in (("unit", unit), ("minus", minus)):
        vec = None if u is None else _unit_vector(model, name, u, depth, role)
        if u is not None and vec is None:
            raise ValueError(f"the depth of {name!r} is not declared by {model.name}; pass depth=")
        if vec is not None:
            vectors.append(vec)
    if len(vectors) == 2 and vectors[0].shape != vectors[1].shape:
        raise ValueError(f"unit and minus give directions of {len(vectors[0])} and "
                         f"{len(vectors[1])} entries; they must match")
    return vectors[0] - vectors[1] if len(vectors) == 2 else vectors[0]


def _check_position(position: Any, shape: Tuple[int, ...], target: str) -> Optional[Position]:
    if position is None:
        return None
    if len(shape) != 3:
        raise ValueError(f"position needs a target with positions; {target!r} has shape {shape}")
    try:
        y, x = (int(v) for v in position)
    except (TypeError, ValueError):
        raise ValueError(f"position must be a (y, x) pair of ints, got {position!r}") from None
    if not (0 <= y < shape[0] and 0 <= x < shape[1]):
        raise ValueError(f"position {(y, x)} is outside target {target!r}, whose activations are "
                         f"{shape[0]} x {shape[1]} positions for this photo")
    return y, x


# -- the traced gradient ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _gradient_fn(model: Model, layer: str, target: str, rank: int, override: "_Frozen") -> Callable:
    """A tf.function (acts [n, ...] of rank `rank`, weights [n, c2], mask [n, h2, w2], magnitude)
    -> (scores [n], d sum(scores) / d acts), traced once: the layer's activations are fed into
    the graph in place of the layer; `override` maps op types to gradient functions while the
    graph is imported. `magnitude` picks the L2 norm over channels instead of the weighted sum."""
    from lucid_vgg.optvis.overrides import gradient_override_map

    runner = model.with_graph_def(subgraph(model.graph_def, [model.input_name, target]))
    spec = [tf.TensorSpec([None] * rank, tf.float32), tf.TensorSpec([None, None], tf.float32),
            tf.TensorSpec([None, None, None], tf.float32), tf.TensorSpec([], tf.bool)]

    @tf.function(autograph=False, input_signature=spec)
    def run(acts, weights, mask, magnitude):
        with gradient_override_map(override.mapping):
            T = runner.import_graph(tf.zeros([1, 1, 1, 3]), scope="attribution",
                                    input_map={layer + ":0": acts})
        out = T(target)
        norm = tf.sqrt(tf.reduce_sum(tf.square(out), -1) + _EPS)
        dot = tf.reduce_sum(out * (weights[:, None, None] if out.shape.rank == 4 else weights), -1)
        per = tf.where(magnitude, norm, dot)
        if per.shape.rank == 3:
            per = tf.reduce_sum(per * mask, [1, 2])
        grads = tf.gradients(tf.reduce_sum(per), acts)[0]
        return per, grads

    return run


def _scores_and_grads(fn: Callable, acts: np.ndarray, weights: Optional[np.ndarray],
                      masks: np.ndarray, batch_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """`fn` over a batch of activations `acts` [n, ...] and masks [n, h2, w2], in chunks."""
    w = np.zeros([1, 1], np.float32) if weights is None else weights[None].astype(np.float32)
    scores, grads = [], []
    for start in range(0, len(acts), batch_size):
        a, m = acts[start:start + batch_size], masks[start:start + batch_size]
        s, g = fn(tf.constant(a), tf.constant(np.repeat(w, len(a), 0)), tf.constant(m),
                  tf.constant(weights is None))
        scores.append(s.numpy())
        grads.append(g.numpy())
    return np.concatenate(scores), np.concatenate(grads)


def _prepare(model: Model, img: ArrayLike, layer: LayerRef, target: LayerRef,
             check_range: bool) -> Tuple[str, str, np.ndarray, np.ndarray]:
    """Names checked and ordered, photo checked; then the forward pass: (layer, target,
    layer activations [1, ...], target activations [1, ...])."""
    name, target_name = check_layer(model, layer, "layer"), check_layer(model, target, "target")
    check_order(model, name, target_name)
    photo = _common.check_photo(img, check_range)
    acts = model.get_activations(photo[None], [name, target_name], check_range=check_range)
    return name, target_name, acts[name], acts[target_name]


def attribute(model: Model, img: ArrayLike, layer: LayerRef, target: LayerRef, unit: Unit = None,
              minus: Unit = None, *, position: Optional[Position] = None, n_steps: int = 1,
              override: Optional[Mapping[str, Any]] = None, batch_size: int = 16,
              check_range: bool = True) -> Attribution:
    """Attribution of a score at `target` to `layer`'s activations on the photo `img`.

    The score: with `unit=None` the L2 magnitude of `target`'s activation vectors (Lucid's
    spatial attribution), else `target`'s activations weighted by `unit_direction(unit, minus)`
    (a channel, a class label or index on `fc8/fc8`/`prob`, a direction such as an NMF group),
    summed over positions, or read at `position` (y, x) only. `n_steps=1` is Lucid's linear
    approximation (gradient at the activations); `n_steps=N` averages the gradient along the
    straight path from zero at (k + 1) / N, k = 0 .. N-1 (Lucid's channel_attr_path samples
    k / N). `override` ({op type: gradient function}, e.g. `{"MaxPool":
    overrides.l2_smoothed_maxpool_grad}`) is in force while the graph is imported.
    """
    n_steps = _check_int(n_steps, "n_steps", 1)
    batch_size = _check_int(batch_size, "batch_size", 1)
    name, target_name = check_layer(model, layer, "layer"), check_layer(model, target, "target")
    check_order(model, name, target_name)
    _check_units_early(model, target_name, unit, minus)
    name, target_name, acts, target_acts = _prepare(model, img, name, target_name, check_range)
    weights = unit_direction(model, target_name, unit, minus, depth=target_acts.shape[-1])
    pos = _check_position(position, target_acts.shape[1:], target_name)
    masks = _position_masks(target_acts.shape[1:], [pos])
    fn = _gradient_fn(model, name, target_name, acts.ndim, _Frozen(override))
    alphas = (np.arange(n_steps, dtype=np.float32) + 1) / n_steps
    scaled = acts * alphas.reshape([-1] + [1] * (acts.ndim - 1))
    scores, grads = _scores_and_grads(fn, scaled, weights, np.repeat(masks, n_steps, 0),
                                      batch_size)
    return Attribution(layer=name, target=target_name, acts=acts[0], grads=grads.mean(0),
                       score=float(scores[-1]))


def _check_units_early(model: Model, target: str, unit: Unit, minus: Unit) -> None:
    """Types, labels and (where the model declares the target's depth) ranges of the units,
    checked before the forward pass."""
    if minus is not None and unit is None:
        raise ValueError("minus needs a unit to subtract from; unit=None scores the magnitude")
    depth = _target_depth(model, target)
    for role, u in (("unit", unit), ("minus", minus)):
        if u is not None:
            _unit_vector(model, target, u, depth, role)


class _Frozen:
    """An override dict as a cache key: equal when it maps the same op types to the same
    gradient functions (by identity), so lru_cache accepts it."""

    def __init__(self, mapping: Optional[Mapping[str, Any]]) -> None:
        self.mapping = dict(mapping or {})  # holds the functions, so their ids stay unique
        self.key = tuple(sorted((k, id(v)) for k, v in self.mapping.items()))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and self.key == other.key


def _position_masks(shape: Tuple[int, ...], positions: Sequence[Optional[Position]]) -> np.ndarray:
    """One mask [h2, w2] per position (all ones for None); [n, 1, 1] for a dense target."""
    if len(shape) != 3:
        return np.ones([len(positions), 1, 1], np.float32)
    masks = np.ones([len(positions), shape[0], shape[1]], np.float32)
    for i, pos in enumerate(positions):
        if pos is not None:
            masks[i] = 0.0
            masks[i, pos[0], pos[1]] = 1.0
    return masks


def spatial_spatial_attribution(model: Model, img: ArrayLike, layer: LayerRef, target: LayerRef,
                                unit: Unit = None, *, positions: Optional[Sequence[Position]] = None,
                                override: Optional[Mapping[str, Any]] = None, batch_size: int = 16,
                                check_range: bool = True) -> np.ndarray:
    """Lucid's spatial-to-spatial attribution: for each position of `target` (all, as
    [h2, w2, h1, w1], or the listed `positions`, as [n, h1, w1]) the spatial attribution
    [h1, w1] over `layer` of the score at that position (the magnitude for `unit=None`)."""
    batch_size = _check_int(batch_size, "batch_size", 1)
    name, target_name = check_layer(model, layer, "layer"), check_layer(model, target, "target")
    check_order(model, name, target_name)
    name, target_name, acts, target_acts = _prepare(model, img, name, target_name, check_range)
    if acts.ndim != 4 or target_acts.ndim != 4:
        raise ValueError(f"spatial-to-spatial attribution needs two conv layers; {name!r} and "
                         f"{target_name!r} give shapes {acts.shape[1:]} and {target_acts.shape[1:]}")
    weights = unit_direction(model, target_name, unit, depth=target_acts.shape[-1])
    h2, w2 = target_acts.shape[1:3]
    grid = positions is None
    wanted: List[Optional[Position]] = (
        [(y, x) for y in range(h2) for x in range(w2)] if positions is None else
        [_check_position(p, target_acts.shape[1:], target_name) for p in positions])
    fn = _gradient_fn(model, name, target_name, acts.ndim, _Frozen(override))
    masks = _position_masks(target_acts.shape[1:], wanted)
    _, grads = _scores_and_grads(fn, np.repeat(acts, len(wanted), 0), weights, masks, batch_size)
    maps = (acts * grads).sum(-1)
    return maps.reshape(h2, w2, *maps.shape[1:]) if grid else maps


def semantic_dictionary(model: Model, img: ArrayLike, layer: LayerRef, n_top: int = 4,
                        check_range: bool = True) -> SemanticDictionary:
    """Lucid's semantic dictionary: at each position of `layer` the `n_top` channels with the
    largest activation on `img`, to be shown as their feature visualisations (`channel_icons`)."""
    name = check_layer(model, layer, "layer")
    n_top = _check_int(n_top, "n_top", 1)
    _, acts = _common.spatial_activations(model, img, name, "semantic_dictionary", check_range)
    if n_top > acts.shape[-1]:
        raise ValueError(f"n_top={n_top} is more than the {acts.shape[-1]} channels of {name!r}")
    order = np.argsort(-acts, axis=-1, kind="stable")[..., :n_top]
    return SemanticDictionary(layer=name, acts=acts, channels=order,
                              values=np.take_along_axis(acts, order, -1))


def channel_icons(model: Model, layer: LayerRef, channels: Sequence[int], size: int = 80,
                  steps: int = 256, seed: Optional[int] = 0, **render_kw: Any) -> np.ndarray:
    """Feature visualisations [n, size, size, 3] of `channels` of `layer`, one batch element
    each (`objectives.channel(layer, n, batch=i)` summed), for attribution and dictionary
    displays (Lucid used precomputed spritemaps)."""
    from lucid_vgg.optvis import objectives, param

    name = check_layer(model, layer, "layer")
    channels = [_common.check_unit(model, name, c) for c in channels]
    if not channels:
        raise ValueError("channels is empty: give the channel indices to visualise")
    size = _common.check_size(size, len(channels))
    _common.check_size_for_layers(model, name, size, len(channels))
    obj = objectives.Objective.sum(
        [objectives.channel(name, c, batch=i) for i, c in enumerate(channels)])
    return _common.render(model, obj, lambda: param.image(size, batch=len(channels)), steps,
                          seed=seed, **render_kw)


# -- pictures: Lucid's svelte widgets as plain images ------------------------------------------------
def bars(values: ArrayLike, height: int = 60, bar_width: int = 2) -> np.ndarray:
    """`values` sorted from largest to smallest as bars [2 * height, n * bar_width, 3] around a
    middle line, positive blue upwards and negative red downwards (Lucid's BarsWidget)."""
    v = np.sort(np.asarray(values, np.float64).ravel())[::-1]
    scale = np.abs(v).max() or 1.0
    out = np.ones([2 * height, len(v) * bar_width, 3], np.float32)
    for i, value in enumerate(v):
        n = int(round(abs(value) / scale * (height - 1)))
        rows = slice(height - n, height) if value > 0 else slice(height, height + n)
        out[rows, i * bar_width:(i + 1) * bar_width] = (0.2, 0.4, 0.9) if value > 0 else (0.9, 0.25, 0.2)
    out[height - 1:height + 1] = 0.5
    return out


def overlay(img: ArrayLike, amap: ArrayLike, scale: Optional[float] = None) -> np.ndarray:
    """An attribution map [h, w] over the photo [H, W, 3]: resized (bilinear), divided by
    `scale` (default the 99th percentile of its magnitude, so a few peaks do not hide the rest),
    positive blue and negative red over a faded photo."""
    photo = _common.check_photo(img)
    amap = np.asarray(amap, np.float32)
    big = tf.image.resize(amap[..., None], photo.shape[:2], method="bilinear").numpy()[..., 0]
    scale = scale or float(np.percentile(np.abs(amap), 99)) or float(np.abs(amap).max()) or 1.0
    pos, neg = np.clip(big / scale, 0, 1)[..., None], np.clip(-big / scale, 0, 1)[..., None]
    faded = 0.3 * photo + 0.5 * photo.mean(-1, keepdims=True) + 0.2
    blue, red = np.array([0.1, 0.35, 1.0], np.float32), np.array([1.0, 0.2, 0.1], np.float32)
    return np.clip(faded * (1 - pos - neg) + pos * blue + neg * red, 0, 1).astype(np.float32)


def mark_position(image: ArrayLike, position: Position, grid: Tuple[int, int],
                  color: Sequence[float] = (1.0, 0.6, 0.0), min_size: int = 9) -> np.ndarray:
    """`image` with a 2 px square outline over cell `position` (y, x) of a `grid` (h, w) laid
    over it (at least `min_size` px wide): where a layer position sits in the photo."""
    out = np.array(image, np.float32, copy=True)
    h, w = out.shape[:2]
    cy, cx = (position[0] + 0.5) * h / grid[0], (position[1] + 0.5) * w / grid[1]
    half = max(h / grid[0], w / grid[1], min_size) / 2
    top, left = max(int(cy - half), 0), max(int(cx - half), 0)
    bottom, right = min(int(cy + half), h - 1), min(int(cx + half), w - 1)
    out[top:bottom + 1, [left, left + 1, right - 1, right]] = color
    out[[top, top + 1, bottom - 1, bottom], left:right + 1] = color
    return out
