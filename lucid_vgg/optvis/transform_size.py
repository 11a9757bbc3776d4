"""How each transform changes the image's height and width, checked before a render is traced.

Random transforms make the traced image size dynamic, so TensorFlow finds an image that became too
small (for a crop, a mirror pad or the model's pooling) only when the step runs. Each factory in
``transform`` attaches the size rules below; ``check_transformed_size`` walks them with the
render's image size and names the transform, its argument and the range that would fit.
"""
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

_UNKNOWN = 2 ** 62  # "no input size is large enough" (crop_or_pad_to to a fixed, smaller size)


def _px(size: Sequence[int | None]) -> str:
    """``(16, 12)`` as ``16x12 px`` (``?`` for a side not known when tracing)."""
    return "x".join("?" if s is None else str(s) for s in size) + " px"


@dataclass(frozen=True)
class SizeRule:
    """A transform that keeps the size; subclasses shrink, grow or fix it. ``label`` names it."""

    label: str

    def smallest(self, side: int, axis: int) -> int:
        """The smallest output side (axis 0: height, 1: width) for an input side."""
        return side

    def needs(self, out: int, axis: int) -> int:
        """The smallest input side the transform accepts and turns into at least ``out``."""
        return max(out, 1)

    def refuses(self, side: int, axis: int) -> bool:
        """Whether the transform's own operation fails on an input of ``side`` px."""
        return False

    def allowed(self, side: int, out: int, axis: int) -> str:
        """The argument range that turns ``side`` into at least ``out`` (empty if none does)."""
        return ""

    def refusal(self, size: Sequence[int | None]) -> str:
        """Why the transform's own operation fails on an image of ``size`` (height, width)."""
        return f"{self.label} cannot take an image of only {_px(size)} at this point"


@dataclass(frozen=True)
class CropRule(SizeRule):
    """``jitter(d)``: a random crop of ``d`` px; the input must be larger than ``d``."""

    d: int = 0

    def smallest(self, side: int, axis: int) -> int:
        return side - self.d

    def needs(self, out: int, axis: int) -> int:
        return max(out, 1) + self.d

    def refuses(self, side: int, axis: int) -> bool:
        return side <= self.d

    def allowed(self, side: int, out: int, axis: int) -> str:
        return f"d must be in 0..{side - out} here" if side > out else ""

    def refusal(self, size: Sequence[int | None]) -> str:
        return (f"{self.label} crops {self.d} pixels, but the image is only {_px(size)} at "
                "this point")


@dataclass(frozen=True)
class PadRule(SizeRule):
    """``pad(w, mode)``: REFLECT mirrors fewer than ``side`` px, SYMMETRIC at most ``side``."""

    w: int = 0
    mode: str = "CONSTANT"

    def _min_input(self) -> int:
        return {"REFLECT": self.w + 1, "SYMMETRIC": max(self.w, 1)}.get(self.mode, 1)

    def smallest(self, side: int, axis: int) -> int:
        return side + 2 * self.w

    def needs(self, out: int, axis: int) -> int:
        return max(out - 2 * self.w, self._min_input())

    def refuses(self, side: int, axis: int) -> bool:
        return side < self._min_input()

    def allowed(self, side: int, out: int, axis: int) -> str:
        most = side - 1 if self.mode == "REFLECT" else side
        return f"w must be in 0..{most} here in mode {self.mode}, or use mode='CONSTANT'"


@dataclass(frozen=True)
class ScaleRule(SizeRule):
    """``random_scale(scales)``: at the smallest scale, the side truncated as TensorFlow does."""

    scale: float = 1.0

    def smallest(self, side: int, axis: int) -> int:
        return int(np.float32(self.scale) * np.float32(side))

    def needs(self, out: int, axis: int) -> int:
        side = max(1, math.ceil(max(out, 1) / self.scale) - 1)
        while self.smallest(side, axis) < max(out, 1):
            side += 1
        return side

    def allowed(self, side: int, out: int, axis: int) -> str:
        lowest = math.ceil(out / side * 1000)  # in thousandths, raised past float32 truncation
        while ScaleRule(self.label, lowest / 1000).smallest(side, axis) < out:
            lowest += 1
        return f"scales must all be >= {lowest / 1000:g} here"


@dataclass(frozen=True)
class FixedRule(SizeRule):
    """``crop_or_pad_to(height, width)``: any input becomes exactly that size."""

    size: tuple[int, int] = (1, 1)

    def smallest(self, side: int, axis: int) -> int:
        return self.size[axis]

    def needs(self, out: int, axis: int) -> int:
        return 1 if self.size[axis] >= out else _UNKNOWN

    def allowed(self, side: int, out: int, axis: int) -> str:
        return f"{('height', 'width')[axis]} must be >= {out}"


Rules = tuple[SizeRule, ...]
F = TypeVar("F", bound=Callable)


def with_size_rules(f: F, rules: Rules) -> F:
    """Attach ``rules`` (how ``f`` changes the image size) to the transform ``f`` and return it."""
    setattr(f, "size_rules", tuple(rules))
    return f


def size_rules(transforms: Sequence[Callable]) -> Rules | None:
    """The size rules of ``transforms`` in order; None if one is a function of unknown effect."""
    rules: list[SizeRule] = []
    for t in transforms:
        own = getattr(t, "size_rules", None)
        if own is None:
            return None
        rules.extend(own)
    return tuple(rules)


def check_transformed_size(transforms: Sequence[Callable], height: int, width: int, need: int,
                           reader: str) -> None:
    """Refuse transforms that can shrink a ``height`` x ``width`` image below what follows them.

    ``need`` is the smallest side ``reader`` (e.g. the layers an objective reads) accepts. A
    transform whose effect is unknown (a user's own function) skips the check.
    """
    rules = size_rules(transforms)
    if not rules:
        return
    # wanted[i]: the smallest output of step i that the steps after it and the reader accept
    wanted = [(need, need)]
    for rule in reversed(rules[1:]):
        wanted.insert(0, (rule.needs(wanted[0][0], 0), rule.needs(wanted[0][1], 1)))
    sizes = [(height, width)]  # sizes[i]: the smallest input of step i
    for i, rule in enumerate(rules):
        size = sizes[-1]
        refused = [a for a in (0, 1) if rule.refuses(size[a], a)]
        if refused:
            raise ValueError(_message(rules, i, sizes, wanted[i], refused[0], need, reader))
        sizes.append((rule.smallest(size[0], 0), rule.smallest(size[1], 1)))
        empty = [a for a in (0, 1) if sizes[-1][a] < 1]
        if empty:
            raise ValueError(_message(rules, i, sizes, wanted[i], empty[0], need, reader))
    short = [a for a in (0, 1) if sizes[-1][a] < need]
    if short:
        axis = short[0]
        # blame the step that shrinks the most; every step's output is then too small for the rest
        i = min(range(len(rules)), key=lambda j: sizes[j + 1][axis] / sizes[j][axis])
        if sizes[i + 1][axis] >= sizes[i][axis]:  # no step shrinks it: the image itself is small
            raise ValueError(f"the {_px((height, width))} image is too small: {reader} need at "
                             f"least {need}x{need} px; render a larger image")
        raise ValueError(_message(rules, i, sizes, wanted[i], axis, need, reader))


def _message(rules: Rules, i: int, sizes: list[tuple[int, int]], wanted: tuple[int, int],
             axis: int, need: int, reader: str) -> str:
    """What step ``i`` does to its input ``sizes[i]``, the argument range that fits, a larger image."""
    rule, size = rules[i], sizes[i]
    if len(sizes) == i + 1:  # the step's own operation refuses its input
        shrunk = [r.label for j, r in enumerate(rules[:i]) if sizes[j + 1][axis] < sizes[j][axis]]
        head = rule.refusal(size) + (f" (after {', '.join(shrunk)})" if shrunk else "")
    else:
        what = reader if i == len(rules) - 1 else f"the transforms after it and {reader}"
        smallest = _px([max(side, 0) for side in sizes[i + 1]])
        head = (f"{rule.label} can make the {_px(size)} image as small as {smallest}, "
                f"but {what} need at least {_px(wanted)} there")
    allowed = rule.allowed(size[axis], wanted[axis], axis)
    first = need
    for r in reversed(rules):
        first = r.needs(first, axis)
    larger = f"render a larger image (at least {first} px a side)" if first < _UNKNOWN else ""
    fixes = [f for f in (allowed, larger) if f]
    return f"{head}: {'; or '.join(fixes) if fixes else 'use other transforms'}"
