"""Receptive fields read off a frozen graph: how many input pixels one unit of a layer sees.

Walks the data path from a layer back to the input placeholder and composes the kernel sizes,
strides and dilations of its convolutions and pools (sizes come from the graph, not a table),
so it holds for any model whose layers form a chain of conv/pool and pointwise ops (VGG,
AlexNet-like nets). Branching graphs (Inception's concats, ResNet's sums) raise
`ReceptiveFieldError`, a ValueError naming the op that joins two paths.
"""
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import tensorflow as tf

from modelzoo.util import downstream_nodes, node_name

__all__ = ["ReceptiveField", "ReceptiveFieldError", "receptive_field", "Box"]

#: Box: [y0, x0, y1, x1] in image pixels, y1/x1 exclusive.
Box = Tuple[int, int, int, int]

#: Ops that keep every spatial position to itself (elementwise, or across channels only).
POINTWISE_OPS = frozenset((
    "Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "BiasAdd",
    "Identity", "Cast", "Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "LRN",
    "FusedBatchNorm", "FusedBatchNormV3"))
CONV_OPS = ("Conv2D", "DepthwiseConv2dNative")
POOL_OPS = ("MaxPool", "AvgPool")


class ReceptiveFieldError(ValueError):
    """The receptive field cannot be read off the graph (a branch, an unknown op, no input)."""


@dataclass(frozen=True)
class ReceptiveField:
    """Where a layer's position p looks in the input: `size` px wide (both axes), centred on
    input pixel `start + p * stride`."""

    size: int
    stride: int
    start: float

    def box(self, y: int, x: int, height: int, width: int, crop: Optional[int] = None) -> Box:
        """The box around position (y, x) clipped to a height x width image; `crop` px wide
        around the same centre when given."""
        side = self.size if crop is None else int(crop)
        half = (side - 1) / 2.0
        y0, x0 = (math.floor(self.start + p * self.stride - half + 0.5) for p in (y, x))
        return (max(y0, 0), max(x0, 0), min(y0 + side, height), min(x0 + side, width))


def _data_path(graph_def: tf.compat.v1.GraphDef, name: str) -> List[Any]:
    """The nodes from the input placeholder (excluded) up to `name`, in data-flow order."""
    nodes = {n.name: n for n in graph_def.node}
    if node_name(name) not in nodes:
        raise ReceptiveFieldError(f"no node {node_name(name)!r} in the graph")
    fed = downstream_nodes(graph_def, [n.name for n in graph_def.node if n.op == "Placeholder"])
    chain, node = [], nodes[node_name(name)]
    while node.op != "Placeholder":
        chain.append(node)
        data = [node_name(i) for i in node.input if not i.startswith("^") and node_name(i) in fed]
        if len(set(data)) > 1:
            raise ReceptiveFieldError(
                f"the graph is not a chain at {node.name!r} ({node.op} joins {sorted(set(data))}): "
                f"the receptive field of {name!r} depends on which path is taken")
        if not data:
            raise ReceptiveFieldError(f"{name!r} is not computed from the model's input")
        node = nodes[data[0]]
    return chain[::-1]


def _attr(node: Any, key: str) -> Any:
    """`node.attr[key]` or None, without adding the key (indexing a protobuf map inserts an
    empty value, which corrupts the caller's graph)."""
    return node.attr[key] if key in node.attr else None


def _spatial(node: Any, key: str) -> Tuple[int, int]:
    """The (height, width) entries of a 4-long NHWC/NCHW list attribute (1, 1 when absent)."""
    value = _attr(node, key)
    values = list(value.list.i) if value is not None else []
    if len(values) != 4:
        return 1, 1
    fmt = _attr(node, "data_format")
    nchw = fmt is not None and fmt.s == b"NCHW"
    return (values[2], values[3]) if nchw else (values[1], values[2])


def _kernel_hw(nodes: Dict[str, Any], node: Any) -> Tuple[int, int]:
    """(height, width) of a convolution's filter, read from its Const (through Identity ops)."""
    if node.op in POOL_OPS:
        return _spatial(node, "ksize")
    const = nodes.get(node_name(node.input[1]))
    while const is not None and const.op == "Identity":
        const = nodes.get(node_name(const.input[0]))
    value = _attr(const, "value") if const is not None else None
    dims = list(value.tensor.tensor_shape.dim) if value is not None else []
    if const is None or const.op != "Const" or len(dims) != 4:
        raise ReceptiveFieldError(f"cannot read the filter size of {node.name!r} ({node.op}): "
                                  "its filter is not a 4-D constant (is the graph frozen?)")
    return int(dims[0].size), int(dims[1].size)


def _square(pair: Tuple[int, int], what: str, node: Any) -> int:
    if pair[0] != pair[1]:
        raise ReceptiveFieldError(f"{node.name!r} ({node.op}) has a non-square {what} {pair}: "
                                  "only square kernels and strides are supported")
    return int(pair[0])


def receptive_field(graph_def: tf.compat.v1.GraphDef, name: str) -> ReceptiveField:
    """The receptive field of node `name` (':N' allowed) from the convolutions and pools between
    it and the input placeholder (SAME padding taken as (k - 1) // 2 before, VALID as none).

    Raises ReceptiveFieldError (a ValueError) when the path branches, contains an op that
    mixes positions in an unknown way, or does not reach the input.
    """
    nodes = {n.name: n for n in graph_def.node}
    size, stride, start = 1, 1, 0.0
    for node in _data_path(graph_def, name):
        if node.op in CONV_OPS or node.op in POOL_OPS:
            k = _square(_kernel_hw(nodes, node), "kernel", node)
            s = _square(_spatial(node, "strides"), "stride", node)
            d = _square(_spatial(node, "dilations"), "dilation", node)
            span = (k - 1) * d + 1  # a dilated kernel's extent
            padding = _attr(node, "padding")
            pad = (span - 1) // 2 if padding is not None and padding.s == b"SAME" else 0
            size += (span - 1) * stride
            start += ((span - 1) / 2.0 - pad) * stride
            stride *= s
        elif node.op not in POINTWISE_OPS:
            raise ReceptiveFieldError(f"cannot compute the receptive field of {name!r}: it "
                                      f"depends on a {node.op} op ({node.name!r})")
    return ReceptiveField(size, stride, start)
