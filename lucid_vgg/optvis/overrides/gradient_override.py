"""Lucid's `gradient_override` module: swap the gradient of TensorFlow ops without naming them.

TensorFlow overrides an op's gradient through a *registered name* and the graph's override map.
Names can be registered only once, so `register_to_random_name` registers each function under a
fresh name, and `gradient_override_map({"Relu": fn})` maps op types to functions (or to names
already registered) for every op created inside the `with` block. `use_gradient(grad_f)` gives a
whole Python function a custom gradient.

The map only affects graph ops: use it inside a `tf.function` trace (then differentiate with
`tf.gradients`, as the render step does) or in a `tf.compat.v1` graph (`with tf.Graph().as_default():`).
Every op type and registered name is checked when the block is entered, so a typo fails at once
with the close matches instead of silently leaving the ordinary gradient in place.

Differences from Lucid: `use_gradient` builds on `tf.custom_gradient` instead of a pair of
stateful `py_func`s, so it also works eagerly and the graph stays serialisable; the `op` its
gradient function receives has `inputs`, `outputs`, `type` and `name` (no attributes).
`gradient_override_map` takes an optional `graph` (default: the default graph).
"""
import contextlib
import difflib
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Optional, Union

import tensorflow as tf
from tensorflow.python.framework import op_def_registry
from tensorflow.python.framework import ops as tf_ops

GradFn = Callable[..., Any]
"""A gradient function: `(op, *output_grads) -> input grad(s)`, as for `tf.RegisterGradient`."""
OverrideMap = Mapping[str, Union[GradFn, str]]
"""`{op_type: gradient function or registered gradient name}`."""

__all__ = ["register_to_random_name", "gradient_override_map", "use_gradient", "GradFn",
           "OverrideMap"]


def register_to_random_name(grad_f: GradFn) -> str:
    """Register `grad_f` as a gradient under a new unique name (`<function name>_<uuid4>`); return it.

    TensorFlow refuses to register a name twice, so a fresh name lets a notebook redefine and
    re-register a gradient function as often as it likes.
    """
    if not callable(grad_f):
        raise TypeError(f"a gradient function must be callable (op, grad) -> grad, got "
                        f"{type(grad_f).__name__}: {grad_f!r}")
    name = f"{getattr(grad_f, '__name__', 'grad')}_{uuid.uuid4()}"
    tf.RegisterGradient(name)(grad_f)
    return name


def _registered_gradient_names() -> list[str]:
    return sorted(tf_ops._gradient_registry.list())  # pylint: disable=protected-access


def _known_op_types() -> list[str]:
    return sorted(n for n in dir(tf.raw_ops) if not n.startswith("_"))


def _close(name: str, candidates: Sequence[str], n: int = 5) -> list[str]:
    """Up to n close matches of name (case-insensitive)."""
    lowered = {c.lower(): c for c in candidates}
    return [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)]


def _check_op_type(op_type: object, graph: tf.Graph) -> None:
    """Raise a ValueError naming op_type when no TensorFlow op of that type exists."""
    if not isinstance(op_type, str):
        raise TypeError(f"gradient_override_map keys must be op type names such as 'Relu', got "
                        f"{type(op_type).__name__}: {op_type!r}")
    if op_def_registry.get(op_type) is not None:
        return
    in_graph = sorted({op.type for op in graph.get_operations()})
    close = _close(op_type, in_graph + _known_op_types())
    raise ValueError(
        f"gradient_override_map: there is no op type {op_type!r} in TensorFlow, so the override "
        "would never apply (op types are case-sensitive, e.g. 'Relu', 'MaxPool'). "
        + (f"Did you mean {', '.join(map(repr, close))}? " if close else "")
        + (f"Op types in the current graph: {', '.join(in_graph)}." if in_graph
           else "The current graph has no ops yet (overrides are entered before the model is "
                "imported)."))


def _check_registered_name(name: str, op_type: str) -> None:
    """Raise a ValueError when no gradient function is registered under name."""
    try:
        tf_ops._gradient_registry.lookup(name)  # pylint: disable=protected-access
    except LookupError:
        close = _close(name, _registered_gradient_names())
        raise ValueError(
            f"gradient_override_map: the gradient for {op_type!r} names {name!r}, but no gradient "
            "function is registered under that name (register one with tf.RegisterGradient or "
            "pass the function itself)"
            + (f"; registered names close to it: {', '.join(map(repr, close))}" if close else ""))


def _resolve(override_dict: OverrideMap, graph: tf.Graph) -> dict[str, str]:
    """Check every entry, then register the functions: {op_type: registered name}."""
    if not isinstance(override_dict, Mapping):
        raise TypeError("gradient_override_map takes a dict {op_type: gradient function or "
                        f"registered name}}, got {type(override_dict).__name__}: {override_dict!r}")
    for op_type, grad_f in override_dict.items():
        _check_op_type(op_type, graph)
        if isinstance(grad_f, str):
            _check_registered_name(grad_f, op_type)
        elif not callable(grad_f):
            raise TypeError(f"gradient_override_map: the gradient for {op_type!r} must be a function "
                            f"(op, grad) -> grad or a registered name, got {type(grad_f).__name__}: "
                            f"{grad_f!r}")
    return {op_type: grad_f if isinstance(grad_f, str) else register_to_random_name(grad_f)
            for op_type, grad_f in override_dict.items()}


@contextlib.contextmanager
def gradient_override_map(override_dict: OverrideMap,
                          graph: Optional[tf.Graph] = None) -> Iterator[None]:
    """Context manager: ops of the given types created inside get the given gradients.

    `override_dict` maps op types (`"Relu"`) to gradient functions `(op, grad) -> grad` or to
    names registered with `tf.RegisterGradient`. Works in a `tf.function` trace and in a
    `tf.compat.v1` graph; eagerly there are no graph ops to affect, so it raises.
    """
    if graph is None:
        if tf.executing_eagerly():
            raise RuntimeError(
                "gradient_override_map only affects graph ops, and TensorFlow is executing eagerly "
                "here: enter it inside a tf.function (and differentiate with tf.gradients) or inside "
                "`with tf.Graph().as_default():` (tf.compat.v1 session code)")
        graph = tf.compat.v1.get_default_graph()
    names = _resolve(override_dict, graph)
    with graph.gradient_override_map(names):
        yield


class FunctionOp:
    """What `use_gradient`'s gradient function gets as `op`: the function's inputs and outputs."""

    type = "UseGradient"

    def __init__(self, name: str, inputs: Sequence[tf.Tensor], outputs: Sequence[tf.Tensor]) -> None:
        self.name = name
        self.inputs = list(inputs)
        self.outputs = list(outputs)

    def get_attr(self, name: str) -> Any:
        raise ValueError(f"use_gradient's op stands for the Python function {self.name!r} and has "
                         f"no attribute {name!r}; it has inputs, outputs, type and name")


def use_gradient(grad_f: GradFn) -> Callable[[Callable[..., Any]], Callable[..., tf.Tensor]]:
    """Decorator: `@use_gradient(grad_f)` makes `f(*inputs)` differentiate as `grad_f(op, grad)`.

    `op.inputs` are f's inputs and `op.outputs` its (single tensor) output; `grad_f` returns one
    gradient per input (a single tensor when f takes one input).
    """
    if not callable(grad_f):
        raise TypeError(f"use_gradient takes a gradient function (op, grad) -> grad(s), got "
                        f"{type(grad_f).__name__}: {grad_f!r}")

    def function_wrapper(f: Callable[..., Any]) -> Callable[..., tf.Tensor]:
        def inner(*inputs: Any) -> tf.Tensor:
            tensors = [tf.convert_to_tensor(x) for x in inputs]

            @tf.custom_gradient
            def wrapped(*xs: tf.Tensor) -> Any:
                out = tf.convert_to_tensor(f(*xs))

                def grad(dy: tf.Tensor) -> Any:
                    op = FunctionOp(getattr(f, "__name__", "f"), xs, [out])
                    grads = grad_f(op, dy)
                    grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
                    if len(grads) != len(xs):
                        raise ValueError(f"use_gradient: {getattr(grad_f, '__name__', 'grad_f')} "
                                         f"returned {len(grads)} gradients for {len(xs)} inputs")
                    return grads
                return out, grad
            return wrapped(*tensors)
        return inner
    return function_wrapper
