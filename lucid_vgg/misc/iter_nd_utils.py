"""Iterate over nested iterables with n-dimensional indices, and turn {index: value} dicts back
into arrays (Lucid's helpers for building grids of renders, e.g. over pairs of units)."""
import itertools
from collections.abc import Iterable
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np


def recursive_enumerate_nd(it: Iterable, stop_iter: Optional[Callable[[Any], bool]] = None,
                           prefix: Tuple[int, ...] = ()) -> Iterator[Tuple[Tuple[int, ...], Any]]:
    """Yield (index tuple, leaf) for every leaf of the nested iterable `it`.

    Iteration descends into every iterable except those for which `stop_iter(x)` is true (e.g.
    `lambda x: isinstance(x, np.ndarray) and x.ndim <= 3` keeps images whole); strings and bytes
    are always leaves. `prefix` is prepended to every index (used by the recursion)."""
    if not isinstance(it, Iterable):
        raise TypeError("recursive_enumerate_nd takes an iterable, got %s." % type(it).__name__)
    stop = stop_iter if stop_iter is not None else (lambda x: False)
    for n, x in enumerate(it):
        index = tuple(prefix) + (n,)
        if isinstance(x, Iterable) and not isinstance(x, (str, bytes)) and not stop(x):
            yield from recursive_enumerate_nd(x, stop_iter=stop, prefix=index)
        else:
            yield index, x


def dict_to_ndarray(d: Dict[Tuple[int, ...], Any]) -> np.ndarray:
    """An array whose entry at each key (an index tuple) is the value; the shape is one more than the
    largest index on each axis, unfilled entries are 0. Array values add their own trailing axes
    (and set the dtype); scalar values give float32."""
    if not isinstance(d, dict) or not d:
        raise ValueError("dict_to_ndarray takes a non-empty dict {index tuple: value}, got %r."
                         % (d if not isinstance(d, dict) else "{}",))
    keys = list(d)
    if not all(isinstance(k, tuple) and all(isinstance(i, (int, np.integer)) and i >= 0 for i in k) for k in keys):
        bad = next(k for k in keys if not (isinstance(k, tuple) and all(isinstance(i, (int, np.integer)) and i >= 0 for i in k)))
        raise ValueError("dict_to_ndarray: every key must be a tuple of non-negative ints, got %r." % (bad,))
    rank = len(keys[0])
    if any(len(k) != rank for k in keys):
        raise ValueError("dict_to_ndarray: all keys need the same length, got %s."
                         % sorted({len(k) for k in keys}))
    shape = [max(k[i] for k in keys) + 1 for i in range(rank)]
    first = d[keys[0]]
    if isinstance(first, np.ndarray):
        out = np.zeros(shape + list(first.shape), dtype=first.dtype)
    else:
        out = np.zeros(shape, dtype="float32")
    for key, value in d.items():
        out[key] = value
    return out


def batch_iter(it: Iterable, batch_size: int = 64) -> Iterator[List[Any]]:
    """Yield lists of up to `batch_size` consecutive items of `it` (the last may be shorter)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError("batch_size must be a positive int, got %r." % (batch_size,))
    items = iter(it)  # a list would otherwise restart at its first item on every islice
    while True:
        batch = list(itertools.islice(items, int(batch_size)))
        if not batch:
            return
        yield batch
