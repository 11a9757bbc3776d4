"""Argument checks that fail early with a message naming the argument and what is allowed."""
import numbers
from collections.abc import Sequence
from typing import Literal, overload


@overload
def positive_int(value: object, name: str, allow_none: Literal[False] = False) -> int: ...
@overload
def positive_int(value: object, name: str, allow_none: bool) -> int | None: ...


def positive_int(value: object, name: str, allow_none: bool = False) -> int | None:
    """Return ``value`` as int if it is a positive integer (or None when allowed), else raise."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        allowed = "a positive integer" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return int(value)


def nonnegative_int(value: object, name: str) -> int:
    """Return ``value`` as int if it is an integer >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


@overload
def positive_number(value: object, name: str, allow_none: Literal[False] = False) -> float: ...
@overload
def positive_number(value: object, name: str, allow_none: bool) -> float | None: ...


def positive_number(value: object, name: str, allow_none: bool = False) -> float | None:
    """Return ``value`` as float if it is a finite number > 0 (or None when allowed), else raise."""
    if value is None and allow_none:
        return None
    # ``<= 0`` as numbers.Real declares no ``>``; NaN fails ``value != value``
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value <= 0 \
            or value != value or value == float("inf"):
        allowed = "a positive number" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return float(value)


def shape4(shape: Sequence[int], name: str = "shape") -> tuple[int, ...]:
    """Return a 4-tuple [batch, h, w, channels] of positive ints, else raise."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{name} must be a sequence [batch, height, width, channels], got {shape!r}")
    if len(dims) != 4:
        raise ValueError(f"{name} must have 4 entries [batch, height, width, channels], got {shape!r}")
    return tuple(positive_int(d, f"{name}[{i}]") for i, d in enumerate(dims))


MAX_IMAGE_VALUES = 2 ** 28  # 1 GiB of float32 per parameterisation (e.g. 4 x 4096 x 4096 x 3)


def image_size(shape: tuple[int, ...], name: str = "shape") -> tuple[int, ...]:
    """Refuse parameterisations too large to build (they would exhaust memory, not fail cleanly)."""
    n = 1
    for d in shape:
        n *= int(d)
    if n > MAX_IMAGE_VALUES:
        raise ValueError(f"{name} {tuple(shape)} holds {n:,} values ({n * 4 / 2**30:.1f} GiB as float32), "
                         f"more than the limit of {MAX_IMAGE_VALUES:,}: render smaller images or "
                         "fewer at a time (feature visualisations are usually 128-512 px)")
    return shape


def shape_any(shape: Sequence[int], name: str = "shape") -> tuple[int, ...]:
    """Return a tuple of positive ints (any rank >= 1), else raise."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of positive integers, got {shape!r}")
    if not dims:
        raise ValueError(f"{name} must have at least one entry, got {shape!r}")
    return tuple(positive_int(d, f"{name}[{i}]") for i, d in enumerate(dims))
