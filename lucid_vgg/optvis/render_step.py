"""The step counter of the render being built, for transforms that change during a render.

A render (the eager `Visualization`, or Lucid's graph-mode T) makes its step counter current
while it builds the step; a schedule such as `transform.until_step` reads it with `current()`.
"""
import contextlib
import threading
from typing import Iterator

import tensorflow as tf

_local = threading.local()


@contextlib.contextmanager
def counting(step: tf.Variable) -> Iterator[tf.Variable]:
    """Make `step` (the render's int64 step counter, 0 during the first step) current inside."""
    previous = getattr(_local, "step", None)
    _local.step = step
    try:
        yield step
    finally:
        _local.step = previous


def current() -> tf.Variable:
    """The step counter of the render being built; RuntimeError outside one."""
    step = getattr(_local, "step", None)
    if step is None:
        raise RuntimeError("a step-scheduled transform (transform.until_step) reads the render's "
                           "step counter, so it only works inside a render: pass it in "
                           "render_vis(..., transforms=[...]) or make_vis_T, not on its own")
    return step
