"""Create-once variables for parameterisations that are called twice (eagerly, then traced).

A Lucid ``param_f`` builds tf ops around the variables it creates. Render calls it once
eagerly (creating and recording variables) and once inside its ``tf.function`` step, where
``make_variable`` hands back the recorded variables in creation order instead of new ones.
"""
from collections.abc import Callable
from typing import Literal

import numpy as np
import tensorflow as tf
from tensorflow.types.experimental import TensorLike

Constraint = Callable[[tf.Tensor], tf.Tensor]
"""A post-step projection ``variable value -> allowed value`` (e.g. ``unit_balls.project_L2``)."""

_ACTIVE_STORES: list["VariableStore"] = []


class VariableStore:
    """Records the tf.Variables a param_f creates so a second call (inside a tf.function trace) reuses them in creation order."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self.variables: list[tf.Variable] = []
        self.constraints: list[tuple[tf.Variable, Constraint]] = []
        self.rng = np.random.default_rng(seed)
        self._index = 0

    def __enter__(self) -> "VariableStore":
        _ACTIVE_STORES.append(self)
        self._index = 0
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        if not _ACTIVE_STORES or _ACTIVE_STORES[-1] is not self:
            raise RuntimeError("VariableStore contexts must be exited in reverse order of entry")
        _ACTIVE_STORES.pop()
        return False

    def project(self) -> None:
        """Apply every recorded post-step constraint in place (``v.assign(fn(v))``)."""
        for variable, fn in self.constraints:
            variable.assign(fn(variable))

    def _next(self, initial_value: TensorLike | Callable[[], TensorLike], name: str | None,
              dtype: tf.DType, constraint: Constraint | None) -> tf.Variable:
        if self._index < len(self.variables):
            variable = self.variables[self._index]
            # a callable initial value is not evaluated again, so there is nothing to compare
            shape = None if callable(initial_value) else tuple(np.shape(initial_value))
            if shape is not None and tuple(variable.shape) != shape:
                raise ValueError(
                    f"make_variable: variable #{self._index} ({variable.name}) was created with "
                    f"shape {tuple(variable.shape)} but this call asks for shape {shape}; a "
                    "param_f must create the same variables, in the same order, on every call.")
        else:
            with tf.init_scope():
                variable = tf.Variable(initial_value, name=name, dtype=dtype)
            self.variables.append(variable)
            if constraint is not None:
                self.constraints.append((variable, constraint))
        self._index += 1
        return variable


def active_store() -> VariableStore | None:
    """The innermost active VariableStore, or None."""
    return _ACTIVE_STORES[-1] if _ACTIVE_STORES else None


def make_variable(initial_value: TensorLike | Callable[[], TensorLike], name: str | None = None,
                  dtype: tf.DType = tf.float32,
                  constraint: Constraint | None = None) -> tf.Variable:
    """Create (or, on a later pass under the same store, reuse) a tf.Variable.

    ``constraint`` is an optional projection ``tensor -> tensor`` that render applies after
    each optimizer step (``v.assign(constraint(v))``); it is recorded in ``store.constraints``.
    """
    if constraint is not None and not callable(constraint):
        raise ValueError(f"make_variable: constraint must be callable or None, got {constraint!r}")
    store = active_store()
    if store is None:
        return tf.Variable(initial_value, name=name, dtype=dtype)
    return store._next(initial_value, name, dtype, constraint)


def rng() -> np.random.Generator:
    """The active store's numpy Generator (seeded, reproducible), else a fresh unseeded one."""
    store = active_store()
    return store.rng if store is not None else np.random.default_rng()
