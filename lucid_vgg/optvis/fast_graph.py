"""The graph a render actually runs: the model's GraphDef cut to the nodes the objectives
read, optionally converted to bfloat16 (float32 parameters and images stay outside it).
"""
import weakref

import tensorflow as tf

from modelzoo.util import subgraph

PRECISIONS = ("float32", "bfloat16", "auto")


def _cpu_has_amx():
    """True if the CPU advertises AMX-BF16 tiles (Linux /proc/cpuinfo flags)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return "amx_bf16" in f.read()
    except OSError:
        return False


def resolve_precision(precision):
    """"float32" | "bfloat16" | "auto" (None = "float32") -> "float32" or "bfloat16".

    "auto" picks bfloat16 only on CPUs with AMX: with AVX512_BF16 alone, TensorFlow's oneDNN
    bfloat16 convolution measured slower than float32 (BENCHMARKS.md), so auto -> float32 there.
    """
    if precision is None:
        precision = "float32"
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bfloat16" if _cpu_has_amx() else "float32"
    return precision


def to_bfloat16_graph_def(graph_def, input_name="input"):
    """A copy of `graph_def` computing in bfloat16: float32 constants and dtype attributes become
    bfloat16; the input placeholder stays float32 and is cast once (node `<input>/to_bfloat16`)."""
    from tensorflow.core.framework import graph_pb2, types_pb2  # pylint: disable=import-outside-toplevel
    f32, bf16 = types_pb2.DT_FLOAT, types_pb2.DT_BFLOAT16
    cast_name = input_name + "/to_bfloat16"
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.library.CopyFrom(graph_def.library)
    for node in graph_def.node:
        n = out.node.add()
        n.CopyFrom(node)
        if node.name == input_name:
            continue
        for i, inp in enumerate(n.input):
            if inp in (input_name, input_name + ":0"):
                n.input[i] = cast_name
        if n.op == "Const" and n.attr["dtype"].type == f32:
            arr = tf.make_ndarray(n.attr["value"].tensor)
            n.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(arr, dtype=tf.bfloat16))
        for attr in n.attr.values():
            if attr.type == f32:
                attr.type = bf16
            if attr.list.type:
                attr.list.type[:] = [bf16 if t == f32 else t for t in attr.list.type]
    cast = out.node.add()
    cast.name, cast.op = cast_name, "Cast"
    cast.input.append(input_name)
    cast.attr["SrcT"].type, cast.attr["DstT"].type = f32, bf16
    cast.attr["Truncate"].b = False
    return out


_FAST_GRAPHS = weakref.WeakKeyDictionary()  # model -> {(nodes, precision): GraphDef}


def fast_graph_def(model, nodes=None, precision="float32"):
    """The model's GraphDef cut to `nodes` and their inputs (all of it for None), converted to
    bfloat16 if asked; cached per model, set of nodes and precision."""
    key = (tuple(nodes) if nodes else None, precision)
    cache = _FAST_GRAPHS.setdefault(model, {})
    if key not in cache:
        gd = model.graph_def
        if nodes:
            gd = subgraph(gd, list(nodes))
        if precision == "bfloat16":
            gd = to_bfloat16_graph_def(gd, model.input_name)
        cache[key] = gd
    return cache[key]
