"""Dataset examples: for every unit of some conv layers, the image crops that excite it most.

Each image's activation of a unit is its channel's spatial maximum; the crop is the receptive
field of that argmax (clipped to the image), or a square of `crop` px around its centre. Images
flow through in batches and a running top-k per unit keeps memory at k crops per unit.
`examples_for_batch` (one batch -> its own top-k) and `merge_examples` (two top-k -> one) are
plain functions: in-process they run one after the other; with `ray_address` the batches go to
Ray actors (recipes.ray_executor) and this process merges their top-k in batch order.
"""
import itertools
import os
from dataclasses import dataclass
from typing import (Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union)

import numpy as np

from lucid_vgg.misc.io.serialize_array import serialize_array
from lucid_vgg.recipes import _common
from lucid_vgg.recipes._common import ArrayLike, LayerRef, PathLike
from lucid_vgg.recipes.manifest import (MODEL_JSON, Manifest, layer_records, make_row, model_record,
                                        sha256_bytes)
from lucid_vgg.recipes.output_store import OutputStore
from modelzoo.receptive_field import ReceptiveField, ReceptiveFieldError
from modelzoo.receptive_field import receptive_field as graph_receptive_field
from modelzoo.vision_base import Model

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def receptive_field(model: Model, layer: LayerRef) -> ReceptiveField:
    """The receptive field of `layer`, from the Conv2D and pooling ops between it and the input
    (modelzoo.receptive_field; SAME padding taken as (k - 1) // 2 on each side, VALID as none)."""
    try:
        return graph_receptive_field(model.graph_def, _common.layer_name(model, layer))
    except ReceptiveFieldError as e:
        raise ValueError(f"{e}; give crop= in pixels instead") from None


@dataclass
class Examples:
    """The top-k images of each unit of one layer, best first: `values` [units, k] (-inf in
    empty slots), `sources` [units, k] image names (None when empty), `boxes` [units, k, 4]
    ([y0, x0, y1, x1] in the source image) and `crops` [units][k] (uint8 [h, w, 3] or None)."""

    layer: str
    values: np.ndarray
    sources: np.ndarray
    boxes: np.ndarray
    crops: List[List[Optional[np.ndarray]]]

    @property
    def k(self) -> int:
        return int(self.values.shape[1])

    def unit(self, u: int) -> List[Dict[str, Any]]:
        """The filled slots of unit `u`: dicts with activation, source, box and crop."""
        return [{"activation": float(self.values[u, i]), "source": self.sources[u, i],
                 "box": [int(b) for b in self.boxes[u, i]], "crop": self.crops[u][i]}
                for i in range(self.k) if np.isfinite(self.values[u, i])]


def _select(values: np.ndarray, sources: np.ndarray, boxes: np.ndarray,
            crops: List[List[Optional[np.ndarray]]], k: int, layer: str) -> Examples:
    """Keep the k best columns of each row; ties keep the earlier column (stable order)."""
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]
    rows = np.arange(values.shape[0])[:, None]
    picked = [[crops[u][int(i)] for i in order[u]] for u in range(values.shape[0])]
    return Examples(layer, values[rows, order], sources[rows, order], boxes[rows, order], picked)


def merge_examples(a: Examples, b: Examples) -> Examples:
    """One top-k from two (same layer and k): `a`'s entries win ties, so merging batches in
    order gives the top-k of all their images in image order."""
    if a.layer != b.layer or a.values.shape[0] != b.values.shape[0]:
        raise ValueError(f"cannot merge examples of {a.layer!r} and {b.layer!r}")
    crops = [ca + cb for ca, cb in zip(a.crops, b.crops)]
    return _select(np.concatenate([a.values, b.values], 1),
                   np.concatenate([a.sources, b.sources], 1),
                   np.concatenate([a.boxes, b.boxes], 1), crops, max(a.k, b.k), a.layer)


def _spatial_max(model: Model, images: Sequence[np.ndarray], layers: Sequence[str]
                 ) -> Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per layer, image and unit: the channel's spatial max and its (y, x). One forward pass per
    group of same-shape images serves every layer."""
    n = len(images)
    found: Dict[str, List[List[Any]]] = {layer: [[None] * n, [None] * n, [None] * n]
                                         for layer in layers}
    by_shape: Dict[Tuple[int, ...], List[int]] = {}
    for i, img in enumerate(images):
        by_shape.setdefault(img.shape, []).append(i)
    for idx in by_shape.values():
        acts_of = model.get_activations(np.stack([images[i] for i in idx]), list(layers),
                                        batch_size=len(idx))
        for layer in layers:
            acts = np.asarray(acts_of[layer])
            flat = acts.reshape(len(idx), -1, acts.shape[-1])
            arg = flat.argmax(1)
            maxes, ys, xs = found[layer]
            for j, i in enumerate(idx):
                maxes[i] = flat[j][arg[j], np.arange(flat.shape[-1])]
                ys[i], xs[i] = np.divmod(arg[j], acts.shape[2])
    return {layer: (np.stack(m), np.stack(y), np.stack(x)) for layer, (m, y, x) in found.items()}


def examples_for_batch(model: Model, layers: Sequence[str], images: Sequence[np.ndarray],
                       names: Sequence[Any], k: int, crop: Optional[int] = None,
                       fields: Optional[Dict[str, ReceptiveField]] = None) -> Dict[str, Examples]:
    """The top-k of one batch for each layer: `images` float [h, w, 3] in [0, 1] (any sizes),
    `names` their identifiers. A plain function of its arguments (map it over batches)."""
    out = {}
    spatial = _spatial_max(model, images, layers)
    for layer in layers:
        rf = (fields or {}).get(layer) or receptive_field(model, layer)
        maxes, ys, xs = spatial[layer]  # [b, units] each
        n_units = maxes.shape[1]
        values = maxes.T.astype(np.float32)
        order = np.argsort(-values, axis=1, kind="stable")[:, :k]
        boxes = np.zeros(order.shape + (4,), np.int64)
        crops: List[List[Optional[np.ndarray]]] = []
        for u in range(n_units):
            row = []
            for slot, i in enumerate(order[u]):
                img = images[i]
                box = rf.box(int(ys[i, u]), int(xs[i, u]), img.shape[0], img.shape[1], crop)
                boxes[u, slot] = box
                row.append(np.round(img[box[0]:box[2], box[1]:box[3]] * 255).astype(np.uint8))
            crops.append(row)
        sources = np.empty(order.shape, object)
        sources[:] = [[names[i] for i in row] for row in order]
        out[layer] = _padded(Examples(layer, np.take_along_axis(values, order, 1), sources,
                                      boxes, crops), k)
    return out


def _padded(ex: Examples, k: int) -> Examples:
    """`ex` with empty slots (-inf, None) added up to k columns (a batch smaller than k)."""
    extra = k - ex.k
    if extra <= 0:
        return ex
    n = ex.values.shape[0]
    return Examples(ex.layer, np.concatenate([ex.values, np.full((n, extra), -np.inf, np.float32)], 1),
                    np.concatenate([ex.sources, np.full((n, extra), None, object)], 1),
                    np.concatenate([ex.boxes, np.zeros((n, extra, 4), np.int64)], 1),
                    [row + [None] * extra for row in ex.crops])


def _image_source(images: Any) -> Tuple[Iterator[Tuple[Any, np.ndarray]], str]:
    """(name, image) pairs from a folder path or an iterable of arrays, and a description."""
    if isinstance(images, (str, os.PathLike)):
        folder = os.fspath(images)
        if not os.path.isdir(folder):
            raise ValueError(f"images {folder!r} is not a directory; give a folder of "
                             f"{'/'.join(IMAGE_EXTENSIONS)} files or an iterable of arrays")
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS))
        if not files:
            raise ValueError(f"images folder {folder!r} holds no {'/'.join(IMAGE_EXTENSIONS)} "
                             "files")
        return ((f, _common.load_png(os.path.join(folder, f))) for f in files), folder
    if isinstance(images, Mapping):
        return ((name, img) for name, img in images.items()), "<named arrays>"
    if isinstance(images, np.ndarray) and images.ndim == 4:
        images = list(images)
    try:
        it = iter(images)
    except TypeError:
        raise ValueError(f"images must be a folder path or an iterable of [h, w, 3] arrays, "
                         f"got {type(images).__name__}") from None
    return ((i, img) for i, img in enumerate(it)), "<arrays>"


def _batches(pairs: Iterator[Tuple[Any, ArrayLike]], size: int
             ) -> Iterator[Tuple[List[Any], List[np.ndarray]]]:
    names: List[Any] = []
    arrays: List[np.ndarray] = []
    for name, img in pairs:
        names.append(name)
        arrays.append(_common.check_photo(img))
        if len(arrays) == size:
            yield names, arrays
            names, arrays = [], []
    if arrays:
        yield names, arrays


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_layers(model: Model, layers: Union[LayerRef, Sequence[LayerRef]]) -> List[str]:
    given: Sequence[Any] = [layers] if isinstance(layers, str) or hasattr(layers, "name") \
        else layers
    names = [_common.layer_name(model, layer) for layer in given]
    if not names:
        raise ValueError("layers is empty: give at least one conv layer name")
    for name in names:
        tags = _common.get_layer(model, name).tags
        if "conv" not in tags:
            raise ValueError(f"dataset examples need conv layers (a spatial argmax); {name!r} "
                             f"has tags {sorted(tags)}")
    return names


@dataclass(frozen=True)
class BatchOptions:
    """The arguments of examples_for_batch that are the same for every batch."""

    layers: Tuple[str, ...]
    k: int
    crop: Optional[int]
    fields: Dict[str, ReceptiveField]


#: One batch of images: (its index in the stream, the images' names, the images).
Batch = Tuple[int, List[Any], List[np.ndarray]]


def examples_task(model: Model, batch: Batch, opts: BatchOptions) -> Dict[str, Examples]:
    """examples_for_batch in the executor's task form, task(model, batch, opts): what a Ray
    worker runs on each batch (returns only the batch's small top-k, never writes)."""
    _, names, arrays = batch
    return examples_for_batch(model, list(opts.layers), arrays, names, opts.k, opts.crop,
                              opts.fields)


def describe_batch(batch: Batch) -> str:
    """A lost batch, for the error when its Ray worker keeps dying."""
    index, names, _ = batch
    shown = ", ".join(repr(n) for n in names[:4]) + (", ..." if len(names) > 4 else "")
    return (f"collecting dataset examples of batch {index} (images {shown}); nothing was "
            "written, run it again")


def _merge_in_order(parts: Iterable[Tuple[Batch, Dict[str, Examples]]], layers: Sequence[str]
                    ) -> Dict[str, Examples]:
    """Merge per-batch top-k as they arrive, in batch order (early arrivals wait), so ties go
    to the earlier image whatever order workers finish in: the in-process result exactly."""
    pending: Dict[int, Dict[str, Examples]] = {}
    result: Dict[str, Examples] = {}
    expected = 0
    for batch, part in parts:
        pending[batch[0]] = part
        while expected in pending:
            part = pending.pop(expected)
            result = part if not result else {n: merge_examples(result[n], part[n])
                                              for n in layers}
            expected += 1
    return result


def _run_batches(model: Model, batches: Iterator[Batch], opts: BatchOptions,
                 ray_address: Optional[str], ray_workers: Optional[int],
                 ray_cpus_per_worker: int) -> Dict[str, Examples]:
    """Every batch's top-k merged into one: in this process, or on Ray actors given an address."""
    if ray_address is None:
        return _merge_in_order(((b, examples_task(model, b, opts)) for b in batches),
                               opts.layers)
    from lucid_vgg.recipes.ray_executor import RayExecutor

    executor = RayExecutor(model, opts, ray_address, workers=ray_workers,
                           cpus_per_worker=ray_cpus_per_worker, task=examples_task,
                           describe=describe_batch)
    try:
        return _merge_in_order(executor.run(batches), opts.layers)
    finally:
        executor.close()


def dataset_examples(model: Model, layers: Union[LayerRef, Sequence[LayerRef]],
                     images: Union[PathLike, Mapping[str, ArrayLike], Iterable[ArrayLike]],
                     k: int = 8,
                     crop: Optional[int] = None, out: Optional[PathLike] = None,
                     batch_size: int = 8, ray_address: Optional[str] = None,
                     ray_workers: Optional[int] = None,
                     ray_cpus_per_worker: int = 1) -> Dict[str, Examples]:
    """For each unit of `layers`, the `k` images (and crops) that activate it most.

    images: a folder of PNG/JPEG files (names become the sources), a dict name -> image, or an
    iterable of [h, w, 3] arrays in [0, 1] or uint8 (indices become the sources). crop: None for the receptive field
    of the argmax, else the side in px of a square around it. out: a render output folder to
    write `examples/<layer>/<unit>_<index>.png` and `kind: "example"` rows of manifest.jsonl.
    ray_address ("auto", "HOST:PORT", "ray://HOST:PORT" or "local"): the batches run on Ray
    actors that load the model once (`ray_workers`, default one per GPU, else CPUs /
    `ray_cpus_per_worker`; a killed worker's batch is retried); this process merges their
    top-k and alone writes, so the result and files are those of the in-process run.
    """
    names = _check_layers(model, layers)
    k, batch_size = _positive(k, "k"), _positive(batch_size, "batch_size")
    crop = None if crop is None else _positive(crop, "crop")
    out_dir = _common.check_out_dir(out, "out")
    if ray_address is not None:  # an unreachable cluster: an error now, before any image is read
        from lucid_vgg.recipes import ray_executor

        ray_executor.check_address(ray_address)
    if out_dir is not None:  # another model's manifest there: refused before any work
        Manifest(OutputStore(out_dir)).check_model(model_record(model))
    pairs, described = _image_source(images)
    fields = {name: receptive_field(model, name) for name in names} if crop is None else {}
    batches = ((i, batch_names, arrays)
               for i, (batch_names, arrays) in enumerate(_batches(pairs, batch_size)))
    first = next(batches, None)  # no images: an error before any worker starts
    if first is None:
        raise ValueError("images is empty: give at least one image")
    opts = BatchOptions(tuple(names), k, crop, fields)
    result = _run_batches(model, itertools.chain([first], batches), opts, ray_address,
                          ray_workers, ray_cpus_per_worker)
    if out_dir is not None:
        settings = {"k": k, "crop": crop, "images": described}
        write_examples(model, result, out_dir, settings)
    return result


def write_examples(model: Model, examples: Dict[str, Examples], out: PathLike,
                   settings: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Write every crop as `<out>/examples/<layer>/<unit:04d>_<index>.png` (atomically) and append
    one `kind: "example"` row per crop to `<out>/manifest.jsonl`, through the manifest of
    render_model (same row format, model fingerprint and durable appends); model.json if absent.
    Another model's manifest there is refused before anything is written."""
    store = OutputStore(out)
    book = Manifest(store)
    ident = model_record(model)
    book.check_model(ident)
    if not store.exists(MODEL_JSON):
        book.write_model_json(ident, layer_records(model, examples), settings)
    rows = []
    for layer, ex in examples.items():
        for u in range(ex.values.shape[0]):
            for index, entry in enumerate(ex.unit(u)):
                rel = f"examples/{_common.safe_name(layer)}/{u:04d}_{index}.png"
                data = serialize_array(entry["crop"] / 255.0, fmt="png")
                store.write_bytes(rel, data)
                row = make_row(layer, u, "example", index, rel, sha256_bytes(data), None, settings,
                               ident, activation=entry["activation"],
                               source={"image": entry["source"], "box": entry["box"]})
                book.append(row)
                rows.append(row)
    return rows
