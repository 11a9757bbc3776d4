"""Infer properties of graph tensors that TensorFlow does not record on them, e.g. the data format.

Lucid's objectives use `infer_data_format` to turn NCHW activations into NHWC before indexing
channels.
"""
from typing import Any, List, Optional, Union

import tensorflow as tf

from lucid_vgg.misc.graph_analysis.overlay_graph import OverlayNode

TensorLike = Union[tf.Tensor, tf.Operation, OverlayNode]


def as_tensor(t: TensorLike) -> tf.Tensor:
    """The graph tensor of an OverlayNode, of an op (its output 0), or the tensor itself."""
    if isinstance(t, OverlayNode):
        return t.tf_node
    if isinstance(t, tf.Operation):
        if not t.outputs:
            raise ValueError(f"op {t.name!r} has no outputs to infer properties of")
        return t.outputs[0]
    if isinstance(t, tf.Tensor):
        return t
    raise TypeError(f"expected a tf.Tensor, a tf.Operation or an OverlayNode, got {type(t).__name__}")


def _data_format(op: tf.Operation) -> Optional[str]:
    try:
        value: Any = op.get_attr("data_format")
    except ValueError:  # the op has no such attribute
        return None
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


def infer_data_format(t: TensorLike, max_depth: int = 20) -> Optional[str]:
    """"NHWC" or "NCHW" for a 4-D activation: the `data_format` of the nearest op upstream that has
    one (searched breadth-first, at most `max_depth` ops back); None when not 4-D or none is found."""
    tensor = as_tensor(t)
    if not hasattr(tensor, "op"):  # eager tensors have no op
        raise TypeError("infer_data_format reads the ops that made a tensor, so it needs a graph tensor "
                        "(e.g. from a tf.Graph the model is imported into), not an eager tensor")
    if tensor.shape.rank != 4:  # None: unknown rank
        return None
    candidates: List[tf.Tensor] = [tensor]
    seen = set()
    for _ in range(max_depth):
        inputs: List[tf.Tensor] = []
        for candidate in candidates:
            if candidate.op.name in seen:
                continue
            seen.add(candidate.op.name)
            data_format = _data_format(candidate.op)
            if data_format is not None:
                return data_format
            inputs.extend(candidate.op.inputs)
        candidates = inputs
    return None
