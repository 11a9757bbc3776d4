"""Lucid's `get_activations`: one layer's responses over an n-dimensional family of images.

For synthetic image families made in Python (a grid of stimuli, a generator): images are indexed
by tuples, fed in batches through `Model.get_activations` (which does the TensorFlow work), and
responses sharing an index are reduced (mean, rms or max). Returns [ind1, ind2, ..., channels].
"""
import itertools
from collections.abc import Iterable
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from modelzoo.images import stack_images, to_unit_range

REDUCERS = ("mean", "rms", "max")

Index = Tuple[int, ...]


def _recursive_enumerate_nd(it: Any, stop_iter: Callable[[Any], bool],
                            prefix: Index = ()) -> Iterator[Tuple[Index, Any]]:
    """(n-d index, item) for the nested iterable `it`, not descending into items where `stop_iter`."""
    for n, x in enumerate(it):
        index = prefix + (n,)
        if isinstance(x, Iterable) and not stop_iter(x):
            yield from _recursive_enumerate_nd(x, stop_iter, index)
        else:
            yield index, x


def _batches(it: Iterator[Any], batch_size: int) -> Iterator[List[Any]]:
    """Lists of up to `batch_size` consecutive items of `it`."""
    while True:
        batch = list(itertools.islice(it, batch_size))
        if not batch:
            return
        yield batch


def check_images(images: ArrayLike, check_range: bool = True) -> np.ndarray:
    """A NumPy image batch as float32 [b, h, w, 3] in [0, 1] (see modelzoo.images)."""
    arr = stack_images(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"images must have shape [h, w, 3] or [batch, h, w, 3], got {np.shape(arr)}.")
    if arr.shape[0] == 0:
        raise ValueError("images is an empty batch.")
    return to_unit_range(arr, check_range)


def check_batch_size(batch_size: Any) -> int:
    """`batch_size` as an int: any integral number >= 1 (np.int64 too), never a bool or float."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)


def _is_image(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.ndim <= 3


class _Reduction:
    """Running reduction of responses per index: a dense array when `ind_shape` is known, a dict
    (shape found at the end from the largest index) otherwise."""

    def __init__(self, reducer: str, ind_shape: Optional[Sequence[int]]) -> None:
        self.reducer, self.ind_shape = reducer, None if ind_shape is None else tuple(ind_shape)
        self.sums: Any = None
        self.counts: Any = None

    def add(self, index: Index, act: np.ndarray) -> None:
        if self.sums is None:
            if self.ind_shape is None:
                self.sums, self.counts = {}, {}
            else:
                self.sums = np.zeros(self.ind_shape + act.shape, act.dtype)
                self.counts = np.zeros(self.ind_shape, np.int64)
        if self.ind_shape is not None and len(index) != len(self.ind_shape):
            raise ValueError(f"example index {index} has {len(index)} dimensions but ind_shape "
                             f"{self.ind_shape} has {len(self.ind_shape)}.")
        value = act * act if self.reducer == "rms" else act
        first = self.counts[index] == 0 if self.ind_shape is not None else index not in self.counts
        if first:
            self.sums[index] = value
        elif self.reducer == "max":
            self.sums[index] = np.maximum(self.sums[index], value)
        else:
            self.sums[index] = self.sums[index] + value
        self.counts[index] = (0 if first else self.counts[index]) + 1

    def result(self) -> np.ndarray:
        if self.sums is None:
            raise ValueError("get_activations got no examples.")
        if self.ind_shape is None:
            dims = len(next(iter(self.sums)))
            shape = tuple(max(i[d] for i in self.sums) + 1 for d in range(dims))
            sample = next(iter(self.sums.values()))
            sums, counts = np.zeros(shape + sample.shape, sample.dtype), np.zeros(shape, np.int64)
            for index, value in self.sums.items():
                sums[index], counts[index] = value, self.counts[index]
        else:
            sums, counts = self.sums, self.counts
        if self.reducer == "max":
            return sums
        n = np.maximum(counts, 1).reshape(counts.shape + (1,) * (sums.ndim - counts.ndim)).astype(sums.dtype)
        return sums / n if self.reducer == "mean" else np.sqrt(sums / n)


def get_activations_iter(model: Any, layer: str, generator: Iterable, reducer: str = "mean",
                         batch_size: int = 64, dtype: Optional[DTypeLike] = None,
                         ind_shape: Optional[Sequence[int]] = None, center_only: bool = False,
                         check_range: bool = True) -> np.ndarray:
    """Responses of `layer` to images from `generator` of (index tuple, image [h, w, 3]) pairs,
    reduced per index by `reducer` ("mean", "rms" or "max"); [*index shape, *layer shape].

    center_only keeps the middle spatial position; dtype casts each batch (e.g. "float16");
    ind_shape (the index extent) lets results go straight into one preallocated array.
    Images are float RGB in [0, 1] as for Model.get_activations (check_range as there).
    """
    if reducer not in REDUCERS:
        raise ValueError(f"reducer must be one of {', '.join(map(repr, REDUCERS))}; got {reducer!r}.")
    batch_size = check_batch_size(batch_size)
    if not isinstance(layer, str):
        raise TypeError(f"layer must be one layer name (a string), got {type(layer).__name__} {layer!r}.")
    reduction = _Reduction(reducer, ind_shape)
    for batch in _batches(iter(generator), batch_size):
        indices = [tuple(np.atleast_1d(i).tolist()) for i, _ in batch]
        acts = model.get_activations([img for _, img in batch], layer, batch_size=len(batch),
                                     check_range=check_range)
        if center_only and acts.ndim == 4:
            acts = acts[:, acts.shape[1] // 2, acts.shape[2] // 2]
        if dtype is not None:
            acts = acts.astype(dtype)
        for index, act in zip(indices, acts):
            reduction.add(index, act)
    return reduction.result()


def get_activations(model: Any, layer: str, examples: Any, batch_size: int = 64,
                    dtype: Optional[DTypeLike] = None, ind_shape: Optional[Sequence[int]] = None,
                    center_only: bool = False, check_range: bool = True) -> np.ndarray:
    """Responses of `layer` over an n-d family of images: `examples` is an array [*ind, h, w, 3]
    or any nesting of iterables (generators too) whose leaves are [h, w, 3] images. Returns
    [*ind, *layer shape] (center_only: [*ind, channels]). Other arguments: get_activations_iter."""
    if ind_shape is None and isinstance(examples, np.ndarray):
        if examples.ndim < 4:
            raise ValueError(f"examples must be images [*index, h, w, 3] with at least one index "
                             f"dimension; got shape {examples.shape} (wrap one image as img[None]).")
        ind_shape = examples.shape[:-3]
    enumerated = _recursive_enumerate_nd(examples, _is_image)
    return get_activations_iter(model, layer, enumerated, batch_size=batch_size, dtype=dtype,
                                ind_shape=ind_shape, center_only=center_only, check_range=check_range)


def lucid_argument_order(first: Any, second: Any) -> Tuple[Any, Any, bool]:
    """(images, layers, swapped): Model.get_activations' (images, layers) from either its own
    order or Lucid's Model.get_activations(layer, examples) order (a layer name first)."""
    if isinstance(first, str) and not isinstance(second, str):
        return second, first, True
    return first, second, False
