"""One meaning of "seed" for a render: `fixed_seed` seeds TensorFlow and NumPy while a render is
built and puts the caller's random state back afterwards, so seeding never leaks out of a render.

`render_vis(use_fixed_seed=...)`, `make_vis_T(seed=...)`, the recipes' `seed=` and the CLI's
`--seed` all reach this one module (through `Visualization`).
"""
import contextlib
from typing import Any, Iterator, Optional, Union

import numpy as np
import tensorflow as tf

SeedLike = Union[bool, int, np.integer, None]


def seed_of(use_fixed_seed: SeedLike) -> Optional[int]:
    """Lucid's `use_fixed_seed` as a seed: False/None -> None (unseeded), True -> 0, an int -> itself."""
    if use_fixed_seed is None or use_fixed_seed is False:
        return None
    if use_fixed_seed is True:
        return 0
    if isinstance(use_fixed_seed, (int, np.integer)):
        if use_fixed_seed < 0:  # NumPy's generators refuse them (with a message naming no seed)
            raise ValueError(f"a seed must be a non-negative integer, got {int(use_fixed_seed)}")
        return int(use_fixed_seed)
    raise TypeError(f"a seed must be True, False, None or an int, got "
                    f"{type(use_fixed_seed).__name__}: {use_fixed_seed!r}")


def _tf_context() -> Any:
    from tensorflow.python.eager import context  # pylint: disable=import-outside-toplevel
    return context.context()


def _save_tf_state() -> tuple:
    """TensorFlow's global seed and the position in its stream of per-op seeds (eager mode), or
    the default graph's seed (TF1 graph mode)."""
    if not tf.executing_eagerly():
        graph = tf.compat.v1.get_default_graph()
        return ("graph", graph, graph.seed)
    ctx = _tf_context()
    rng = getattr(ctx, "_rng", None)
    return ("eager", getattr(ctx, "_seed", None), rng.getstate() if rng is not None else None)


def _restore_tf_state(saved: tuple) -> None:
    if saved[0] == "graph":
        saved[1].seed = saved[2]
        return
    _, seed, rng_state = saved
    tf.random.set_seed(seed)  # resets the per-op seed stream; put it back where it was
    rng = getattr(_tf_context(), "_rng", None)
    if rng is not None and rng_state is not None:
        rng.setstate(rng_state)


@contextlib.contextmanager
def fixed_seed(seed: SeedLike) -> Iterator[Optional[int]]:
    """Within the block, TensorFlow's global seed and NumPy's global RNG are seeded with `seed`;
    on leaving it (also on an error) both are exactly as they were. Yields the seed as an int.

    `seed` is read as `seed_of` reads it; None/False leave everything untouched. Random ops
    created (or traced into a tf.function) inside the block keep their fixed op seeds after it.
    """
    value = seed_of(seed)
    if value is None:
        yield None
        return
    np_state = np.random.get_state()
    tf_state = _save_tf_state()
    tf.random.set_seed(value)
    np.random.seed(value % 2**32)
    try:
        yield value
    finally:
        _restore_tf_state(tf_state)
        np.random.set_state(np_state)
