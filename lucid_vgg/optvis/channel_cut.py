"""Compute only the channels the objective reads of the last layer it reads.

A channel objective on conv4_1 reads 1 of the layer's 512 channels, yet the step would compute
all 512 and their input gradient (a conv4_1 step takes 0.93x as long without them, a conv1_2
step 0.43x: BENCHMARKS.md section 10). `read_channels` finds, on the dry trace, which channels
the uses of a layer read (`t[..., n]`, spatial slices that keep all channels, a product with a
constant mask, its shape). For a frozen graph, `layer_cut` accepts a layer
`Relu(BiasAdd(Conv2D(x, W), b))` with constant W and b that nothing else the render runs
depends on, and `cut_graph_def` slices W and b to the channels read; a live Keras model does
the same with its own Conv2D (`modelzoo.channel_subset`). `modelzoo.channel_subset.widen` puts
the channels back at their indices in a zero tensor of the full depth: the objective reads the
same values, the step skips the other channels.
"""
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
import tensorflow as tf

Cuts = Dict[str, Tuple[Tuple[int, ...], int]]
"""node name of a cut Relu -> (the channels kept, in order; the layer's full depth)"""


# -- which channels a tensor's uses read (on the dry-trace graph) -----------------------------
def _static_entry(t: tf.Tensor, i: int) -> Optional[int]:
    """Entry i of a 1-D int tensor known when the graph is built (a constant, or a Pack of them)."""
    value = tf.get_static_value(t)
    if value is not None:
        return int(value[i])
    if t.op.type == "Pack":
        entry = tf.get_static_value(t.op.inputs[i])
        return None if entry is None else int(entry)
    return None


def _sliced_channels(op: tf.Operation, rank: int, depth: int) -> Optional[Tuple[bool, Set[int]]]:
    """What a StridedSlice does to the last axis of its rank-`rank` input of depth `depth`:
    (keeps the axis whole, the channels it selects), or None when that is not known statically."""
    begin, end, strides = op.inputs[1:4]
    n_spec = tf.compat.dimension_value(begin.shape[0])
    if n_spec is None:
        return None
    masks = {k: op.get_attr(k) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                         "new_axis_mask", "shrink_axis_mask")}
    real = [i for i in range(n_spec) if not masks["new_axis_mask"] >> i & 1]
    dims: List[Optional[int]] = []  # spec entry per input axis (None: taken whole)
    for i in real:
        if masks["ellipsis_mask"] >> i & 1:
            dims += [None] * (rank - (len(real) - 1))
        else:
            dims.append(i)
    dims += [None] * (rank - len(dims))
    last = dims[rank - 1]
    if last is None:
        return True, set(range(depth))
    b, e, s = (_static_entry(t, last) for t in (begin, end, strides))
    if s is None or (b is None and not masks["begin_mask"] >> last & 1):
        return None
    if masks["shrink_axis_mask"] >> last & 1:  # one channel (begin_mask would make it unknown)
        return None if b is None else (False, {b % depth})
    if e is None and not masks["end_mask"] >> last & 1:
        return None
    picked = range(depth)[slice(None if masks["begin_mask"] >> last & 1 else b,
                                None if masks["end_mask"] >> last & 1 else e, s)]
    return len(picked) == depth and s == 1, set(picked)


def _masked_channels(op: tf.Operation, t: tf.Tensor, depth: int) -> Optional[Set[int]]:
    """Channels kept by `t * constant` (the constant broadcast over the last axis), else None."""
    other = [x for x in op.inputs if x is not t]
    if len(other) != 1:
        return None
    mask = tf.get_static_value(other[0])
    if mask is None or np.ndim(mask) == 0 or np.shape(mask)[-1] not in (1, depth):
        return None
    if np.shape(mask)[-1] == 1:
        return set(range(depth))
    nonzero = np.asarray(mask).reshape(-1, depth) != 0
    return set(np.flatnonzero(nonzero.any(axis=0)).tolist())


def read_channels(t: tf.Tensor, depth: int, reached: Set[tf.Operation],
                  inside: Set[tf.Operation]) -> Optional[Set[int]]:
    """The channels (last axis) of `t` that its uses among `reached` (the ops the objectives'
    values depend on) can read; None if any may read all or an unknown set. Ops in `inside`
    (the model's own ops) count as reading everything."""
    rank = t.shape.rank
    uses = [op for op in t.consumers() if op in reached]
    if rank is None or not uses:
        return None
    found: Set[int] = set()
    for op in uses:
        if op in inside:
            return None
        if op.type in ("Shape", "Size", "Rank"):  # reads no values
            more: Optional[Set[int]] = set()
        elif op.type in ("Identity", "Cast"):
            more = read_channels(op.outputs[0], depth, reached, inside)
        elif op.type == "StridedSlice" and op.inputs[0] is t:
            sliced = _sliced_channels(op, rank, depth)
            if sliced is None:
                return None
            whole, more = sliced
            if whole and op.outputs[0].shape.rank == rank:  # a spatial slice: follow its uses
                more = read_channels(op.outputs[0], depth, reached, inside)
        elif op.type == "Mul":
            more = _masked_channels(op, t, depth)
        else:
            return None
        if more is None:
            return None
        found |= more
    return found


# -- which layers can be cut ------------------------------------------------------------------
def layer_cut(relu: tf.Operation, reached: Set[tf.Operation],
              inside: Set[tf.Operation]) -> Optional[Tuple[Tuple[int, ...], int]]:
    """(the channels to keep, the layer's depth) when `relu` (a dry-trace op) is
    `Relu(BiasAdd(Conv2D(x, const W), const b))`, only the relu's output is used among `reached`
    (the conv, bias and constants feed only each other), and its uses read fewer than all its
    channels (`read_channels`); else None."""
    if relu.type != "Relu" or relu.inputs[0].op.type != "BiasAdd":
        return None
    bias = relu.inputs[0].op
    conv, b = bias.inputs[0].op, bias.inputs[1].op
    if conv.type != "Conv2D" or b.type != "Const" or conv.inputs[1].op.type != "Const":
        return None
    w = conv.inputs[1].op
    chain = {relu, bias, conv, b, w}
    if any(use in reached and use not in chain for op in (bias, conv, b, w)
           for use in op.outputs[0].consumers()):
        return None  # the model or an objective reads the conv, its bias or weights directly
    depth = tf.compat.dimension_value(w.outputs[0].shape[-1])
    channels = read_channels(relu.outputs[0], depth, reached, inside)
    if not channels or len(channels) == depth:
        return None
    return tuple(sorted(channels)), depth


# -- cutting the graph ------------------------------------------------------------------------
def cut_graph_def(graph_def: tf.compat.v1.GraphDef, cuts: Cuts) -> tf.compat.v1.GraphDef:
    """A copy of `graph_def` whose cut layers compute only their kept channels (the Conv2D's
    weights and the BiasAdd's biases sliced to them; node names unchanged)."""
    from tensorflow.core.framework import graph_pb2  # pylint: disable=import-outside-toplevel
    by_name = {n.name: n for n in graph_def.node}
    sliced: Dict[str, Sequence[int]] = {}
    for name, (channels, _) in cuts.items():
        bias = by_name[by_name[name].input[0].split(":")[0]]
        conv = by_name[bias.input[0].split(":")[0]]
        sliced[bias.input[1].split(":")[0]] = channels
        sliced[conv.input[1].split(":")[0]] = channels
    out = graph_pb2.GraphDef()
    out.CopyFrom(graph_def)
    for node in out.node:
        if node.name in sliced:
            value = tf.make_ndarray(node.attr["value"].tensor)
            kept = np.ascontiguousarray(value[..., list(sliced[node.name])])
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(kept))
    return out

