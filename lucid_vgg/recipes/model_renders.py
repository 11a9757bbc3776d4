"""Render every unit of a model's layers to one file per unit and kind, with a manifest: resumable,
idempotent, in-process or on a Ray cluster (`ray_address`).

Layout under `out` (a directory or an fsspec URL): `<layer>/<kind>/<unit:04d>.png` (diverse:
`<unit:04d>_<i>.png`), `manifest.jsonl` (recipes.manifest: one row per finished file, appended by
this process only) and `model.json`. A unit is done only when its file exists and the latest
manifest row for it has the settings asked for and the file's SHA-256; anything else is
rendered again and gets a new row.
"""
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from lucid_vgg.recipes import _common, manifest, unit_settings
from lucid_vgg.recipes._common import LayerRef, OptimizerLike, PathLike, Steps, Transforms
from lucid_vgg.recipes.feature_vis import DIVERSITY_WEIGHT
from lucid_vgg.recipes.layer_renders import _check_units
from lucid_vgg.recipes.output_store import OutputStore
from lucid_vgg.recipes.unit_batches import BatchResult, BatchSpec, RenderOptions, render_batch
from modelzoo.vision_base import Model

__all__ = ["render_model", "RenderModelInfo", "unit_file", "KINDS"]

KINDS = manifest.KINDS
_KIND_SEED_OFFSET = {"positive": 0, "negative": 1 << 20, "diverse": 2 << 20}
UnitsArg = Union[None, Sequence[int], Mapping[str, Sequence[int]]]


@dataclass
class RenderModelInfo:
    """What a render_model call did: files rendered now, files already done, batches run."""

    out: str
    layers: List[str]
    kinds: List[str]
    rendered: int = 0
    reused: int = 0
    batches: int = 0
    rows: List[Dict[str, Any]] = field(default_factory=list)
    #: per finished batch, in order: seconds a worker spent in render_batch, and seconds this
    #: process spent writing its files and rows
    batch_seconds: List[float] = field(default_factory=list)
    record_seconds: List[float] = field(default_factory=list)


def unit_file(layer: str, kind: str, unit: int, index: Optional[int] = None) -> str:
    """The file of one unit and kind, relative to `out` (POSIX): `conv4_1/positive/0012.png`."""
    stem = f"{int(unit):04d}" if index is None else f"{int(unit):04d}_{int(index)}"
    return f"{_common.safe_name(layer)}/{kind}/{stem}.png"


def check_kinds(kinds: Any) -> List[str]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    try:
        kinds = list(kinds)
    except TypeError:
        raise ValueError(f"kinds must be a sequence of {KINDS}, got {kinds!r}") from None
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds or len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must be distinct values from {list(KINDS)} (at least one), "
                         f"got {kinds!r}")
    return kinds


def check_layers(model: Model, layers: Optional[Sequence[LayerRef]]) -> List[str]:
    if layers is None:
        return _common.conv_layer_names(model)
    if isinstance(layers, str):
        layers = [layers]
    names = [_common.layer_name(model, layer) for layer in layers]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"layers must name distinct layers (at least one), got {list(layers)!r}")
    return names


def _units_of(model: Model, name: str, units: UnitsArg) -> List[int]:
    if isinstance(units, Mapping):
        chosen = units.get(name)
        return _check_units(None if chosen is None else list(chosen),
                            _common.get_layer(model, name).depth, name)
    return _check_units(None if units is None else list(units),
                        _common.get_layer(model, name).depth, name)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def job_settings(kind: str, opts: RenderOptions, seed: Optional[int],
                 batch_size: int) -> Dict[str, Any]:
    """The settings recorded for (and compared on resume of) a file of `kind`."""
    settings = {"recipe": "render_model", "size": opts.size,
                "steps": unit_settings.steps_value(opts.steps), "seed": seed,
                "batch_size": batch_size if kind != "diverse" else opts.diverse_n,
                "transforms": unit_settings.describe_transforms(opts.transforms),
                "param": "image", "optimizer": unit_settings.describe_optimizer(opts.optimizer),
                "precision": opts.precision, "use_fixed_seed": opts.use_fixed_seed}
    if kind == "diverse":
        settings.update(diverse_n=opts.diverse_n, diversity_weight=float(opts.diversity_weight))
    return settings


def _plan(book: manifest.Manifest, layer: str, kind: str, units: List[int], settings: Dict[str, Any],
          seed: Optional[int], batch_size: int, diverse_n: int) -> Tuple[List[BatchSpec], int]:
    """The batches still to render for (layer, kind), and how many files are already done."""
    key = manifest.settings_key(settings)
    reuse = unit_settings.reusable(settings)
    per_unit = diverse_n if kind == "diverse" else 1
    todo, done = [], 0
    for u in units:
        keys = [(layer, u, kind, i) for i in range(per_unit)]
        if reuse and all(book.done(k, key) is not None for k in keys):
            done += per_unit
        else:
            todo.append(u)
    step = 1 if kind == "diverse" else batch_size
    specs = []
    for start in range(0, len(todo), step):
        chunk = tuple(todo[start:start + step])
        if kind == "diverse":
            files = tuple(unit_file(layer, kind, chunk[0], i) for i in range(diverse_n))
            keys_ = tuple((layer, chunk[0], kind, i) for i in range(diverse_n))
        else:
            files = tuple(unit_file(layer, kind, u) for u in chunk)
            keys_ = tuple((layer, u, kind, 0) for u in chunk)
        chunk_seed = None if seed is None else seed + chunk[0] + _KIND_SEED_OFFSET[kind]
        specs.append(BatchSpec(layer, kind, chunk, chunk_seed, files, keys_))
    return specs, done


class InProcessExecutor:
    """Runs each batch in this process, one after another (the default; Ray not needed)."""

    def __init__(self, model: Model, opts: RenderOptions) -> None:
        self.model, self.opts = model, opts

    def run(self, specs: Sequence[BatchSpec]) -> Iterator[Tuple[BatchSpec, BatchResult]]:
        for spec in specs:
            yield spec, render_batch(self.model, spec, self.opts)

    def close(self) -> None:
        return None


def _executor(model: Model, opts: RenderOptions, ray_address: Optional[str],
              ray_workers: Optional[int], ray_cpus_per_worker: int) -> Any:
    if ray_address is None:
        return InProcessExecutor(model, opts)
    from lucid_vgg.recipes import ray_executor

    return ray_executor.RayExecutor(model, opts, ray_address, workers=ray_workers,
                                    cpus_per_worker=ray_cpus_per_worker)


def render_model(model: Model, out: PathLike, layers: Optional[Sequence[LayerRef]] = None,
                 kinds: Sequence[str] = ("positive",), size: int = 128, steps: Steps = 512,
                 seed: Optional[int] = 0, batch_size: int = 8, units: UnitsArg = None,
                 transforms: Transforms = None, optimizer: OptimizerLike = None,
                 use_fixed_seed: Union[bool, int] = False, precision: str = "float32",
                 diverse_n: int = 4, diversity_weight: float = DIVERSITY_WEIGHT,
                 ray_address: Optional[str] = None, ray_workers: Optional[int] = None,
                 ray_cpus_per_worker: int = 1,
                 progress: Optional[Callable[[int, int], object]] = None) -> RenderModelInfo:
    """Render every unit of `layers` (default: every conv layer) as each of `kinds` into `out`.

    positive/negative: batches of `batch_size` units, one unit per image (render_layer's
    objective, negated for negative); diverse: one batch of `diverse_n` images per unit
    (`channel - diversity_weight * diversity`, as recipes.diverse_images). Each batch is seeded
    with `seed + its first unit` (+ an offset per kind). `units` limits the units (a list for
    every layer, or {layer: list}). Each file gets a manifest row with its settings, SHA-256,
    the model's fingerprint and its final objective value (the unit's mean activation, negated
    for negative). Resumable and idempotent (see the module docstring); `out` holding renders of
    another model is a ValueError before any work. `ray_address` ("auto", "HOST:PORT",
    "ray://HOST:PORT" or "local") runs one task per batch on Ray workers that load the model
    once (`ray_workers`, default one per GPU, else CPUs / `ray_cpus_per_worker`); killed
    workers are restarted and their batch retried. `progress(done, total)` counts files.
    """
    names = check_layers(model, layers)
    kinds = check_kinds(kinds)
    per_layer = {name: _units_of(model, name, units) for name in names}
    batch_size = _check_int(batch_size, "batch_size", 1)
    seed = None if seed is None else _check_int(seed, "seed", 0)
    diverse_n = _check_int(diverse_n, "diverse_n", 2)
    _common.thresholds_of(steps)
    size = _common.check_size(size, max(batch_size, diverse_n if "diverse" in kinds else 1))
    store = OutputStore(out)
    store.check_writable("out")
    if ray_address is not None:  # an unreachable cluster: an error now, before any work
        from lucid_vgg.recipes import ray_executor

        ray_executor.check_address(ray_address)
    _common.check_size_for_layers(model, names, size)
    book = manifest.Manifest(store)
    record = manifest.model_record(model)
    book.check_model(record)
    opts = RenderOptions(size=size, steps=steps, transforms=transforms, optimizer=optimizer,
                         use_fixed_seed=use_fixed_seed, precision=precision, diverse_n=diverse_n,
                         diversity_weight=float(diversity_weight))
    book.write_model_json(record, manifest.layer_records(model, names),
                          job_settings("positive", opts, seed, batch_size))
    info = RenderModelInfo(out=store.location, layers=names, kinds=kinds)
    specs: List[BatchSpec] = []
    settings_of = {kind: job_settings(kind, opts, seed, batch_size) for kind in kinds}
    for name in names:
        for kind in kinds:
            todo, done = _plan(book, name, kind, per_layer[name], settings_of[kind], seed,
                               batch_size, diverse_n)
            specs.extend(todo)
            info.reused += done
    total = info.reused + sum(len(s.files) for s in specs)
    if not specs:
        return info
    executor = _executor(model, opts, ray_address, ray_workers, ray_cpus_per_worker)
    try:
        for spec, result in executor.run(specs):
            _record(book, spec, result, settings_of[spec.kind], record, info)
            if progress is not None:
                progress(info.reused + info.rendered, total)
    finally:
        executor.close()
    return info


def _record(book: manifest.Manifest, spec: BatchSpec, result: BatchResult,
            settings: Dict[str, Any], record: Dict[str, str], info: RenderModelInfo) -> None:
    """Write one finished batch's files (atomically), then append their rows."""
    start = time.perf_counter()
    for rel, key, data, score in zip(spec.files, spec.keys, result.pngs, result.objectives):
        book.store.write_bytes(rel, data)
        row = manifest.make_row(key[0], key[1], key[2], key[3], rel, manifest.sha256_bytes(data),
                                score, settings, record)
        book.append(row)
        info.rows.append(row)
        info.rendered += 1
    info.batches += 1
    info.batch_seconds.append(float(result.info.get("seconds", 0.0)))
    info.record_seconds.append(time.perf_counter() - start)
