"""The graph a render actually runs: the model's GraphDef cut to the nodes the objectives
read (found by a dry trace, `DryTrace`), its last read conv layers to the channels read
(`channel_cut`), optionally converted to bfloat16 (float32 parameters and images stay outside
it); `graph_to_run` makes that choice for a render.
"""
import logging
import weakref
from typing import Any, Callable, Dict, Optional, Sequence

import tensorflow as tf

from lucid_vgg.optvis.channel_cut import Cuts, cut_graph_def, layer_cut
from lucid_vgg.optvis.live_model import live_model_to_run
from lucid_vgg.optvis.render_parts import import_model
from lucid_vgg.optvis.transform_size import check_transformed_size
from modelzoo.util import subgraph, walk
from modelzoo.vision_base import Model

log = logging.getLogger(__name__)

# pylint: disable=invalid-name

PRECISIONS = ("float32", "bfloat16", "auto")


def _cpu_has_amx():
    """True if the CPU advertises AMX-BF16 tiles (Linux /proc/cpuinfo flags)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return "amx_bf16" in f.read()
    except OSError:
        return False


def resolve_precision(precision: Optional[str]) -> str:
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


def to_bfloat16_graph_def(graph_def: tf.compat.v1.GraphDef,
                          input_name: str = "input") -> tf.compat.v1.GraphDef:
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


_FAST_GRAPHS: "weakref.WeakKeyDictionary[Model, Dict[Any, tf.compat.v1.GraphDef]]" = \
    weakref.WeakKeyDictionary()
"""model -> {(nodes, precision, cuts): GraphDef}"""


def fast_graph_def(model: Model, nodes: Optional[Sequence[str]] = None,
                   precision: str = "float32", cuts: Optional[Cuts] = None) -> tf.compat.v1.GraphDef:
    """The model's GraphDef cut to `nodes` and their inputs (all of it for None), its `cuts`
    layers to the channels kept (`channel_cut`), converted to bfloat16 if asked; cached per
    model, set of nodes, cuts and precision."""
    cuts = cuts or {}
    key = (tuple(nodes) if nodes else None, precision, tuple(sorted(cuts.items())))
    cache = _FAST_GRAPHS.setdefault(model, {})
    if key not in cache:
        gd = model.graph_def
        if nodes:
            gd = subgraph(gd, list(nodes))
        if cuts:
            gd = cut_graph_def(gd, cuts)
        if precision == "bfloat16":
            gd = to_bfloat16_graph_def(gd, model.input_name)
        cache[key] = gd
    return cache[key]


# -- which nodes (and channels) the objectives read ---------------------------------------------
class DryTrace:
    """The objectives evaluated once on the model imported (under the scope "dry") into a
    throwaway graph fed by a placeholder: which imported ops they depend on, and through which
    channels of their last layers (`channel_cut`)."""

    PREFIX = "dry/"

    def __init__(self, graph: tf.Graph, ops: Sequence[tf.Operation]) -> None:
        self.graph = graph
        self.reached = set(ops)
        self.ops = {op for op in ops if op.name.startswith(self.PREFIX)}
        self.nodes = sorted(op.name[len(self.PREFIX):] for op in self.ops)

    @classmethod
    def run(cls, model: Model, objective_fs: Sequence[Any],
            image_shape: Sequence[Optional[int]]) -> Optional["DryTrace"]:
        """The dry trace, or None when it cannot be made (a model whose import_graph returns
        nothing, or an objective that fails on the placeholder): keep the whole graph then."""
        graph = tf.Graph()
        try:
            with graph.as_default():
                raw = tf.compat.v1.placeholder(tf.float32, image_shape, name="dry_input_raw")
                x = tf.compat.v1.placeholder(tf.float32, [image_shape[0], None, None, 3],
                                             name="dry_input")
                T = import_model(model, x, raw, scope="dry")
                outputs = [tf.convert_to_tensor(f(T)) for f in objective_fs]
        except Exception as e:  # pylint: disable=broad-except
            log.debug("dry trace failed (%s); running the whole graph", e)
            return None
        ops = walk([t.op for t in outputs], lambda op: [i.op for i in op.inputs] + list(op.control_inputs))
        trace = cls(graph, list(ops))
        return trace if trace.nodes else None

    def channel_cuts(self) -> Cuts:
        """Read conv layers of which the objectives read only some channels: node name ->
        (those channels, the layer's depth)."""
        found = {op.name[len(self.PREFIX):]: layer_cut(op, self.reached, self.ops) for op in self.ops}
        return {name: cut for name, cut in found.items() if cut is not None}


# -- the choice for one render ----------------------------------------------------------------
def graph_to_run(model: Model, objective_fs: Sequence[Any], image_shape: Sequence[Optional[int]],
                 precision: str, prune: bool, transform_f: Optional[Callable] = None,
                 cut_channels: bool = True) -> Any:
    """The model a render imports: `model` itself, or a copy holding the pruned (to the nodes
    read and, with `cut_channels`, the channels read) and/or bfloat16 GraphDef. Raises
    ValueError when the image, or `transform_f`'s smallest output of it, is smaller than the
    pooling in front of the layers the objectives read (models that know `min_input_size`)."""
    if hasattr(model, "with_layers"):  # a live Keras model (modelzoo.KerasModel): no GraphDef
        return live_model_to_run(model, objective_fs, image_shape, precision, prune, transform_f,
                                 check_image_size, cut_channels)
    if not prune and precision == "float32":
        return model
    if getattr(model, "_graph_def", None) is None and not hasattr(model, "load_graph_def"):
        return model
    trace = DryTrace.run(model, objective_fs, image_shape) if prune else None
    nodes = trace.nodes if trace else None
    if nodes and hasattr(model, "min_input_size"):
        check_image_size(model, nodes, image_shape, transform_f)
    cuts = trace.channel_cuts() if trace and cut_channels else {}
    if nodes is None and precision == "float32":
        return model
    run: Any = model.with_graph_def(fast_graph_def(model, nodes, precision, cuts))  # + channel_cuts
    run.channel_cuts = cuts
    return run


def check_image_size(model: Model, nodes: Sequence[str], image_shape: Sequence[Optional[int]],
                     transform_f: Optional[Callable] = None) -> None:
    """Refuse an image smaller than the pooling in front of the layers the objectives read, or
    transforms that can shrink it below that (`transform_size`)."""
    need = max(model.min_input_size(n) for n in nodes)
    h, w = image_shape[1:3]
    if h is not None and w is not None and min(h, w) < need:
        raise ValueError(f"the image ({h}x{w} px) is too small for the layers the objective "
                         f"reads: their pooling needs at least {need}x{need} px; render a "
                         f"larger image, e.g. param.image({max(need, 128)})")
    if transform_f is not None and h is not None and w is not None:
        check_transformed_size([transform_f], h, w, need,
                               "the layers the objective reads (their pooling)")
