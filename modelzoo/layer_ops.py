"""Find the layers of a frozen graph: the activation-like ops a user may visualise, with depths.

`freeze` names Keras layer outputs after their layers; for other graphs `list_layer_ops` lists
the candidates, and models loaded without a layer list take theirs from `derive_layers`.
"""
from typing import Dict, List, Optional, Sequence

import tensorflow as tf

from modelzoo.util import downstream_nodes, upstream_nodes

#: Op types `list_layer_ops` reports by default (activation-like outputs a user may visualise).
LAYER_OP_TYPES = ("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Softmax", "Sigmoid", "Tanh",
                  "BiasAdd", "Conv2D", "DepthwiseConv2dNative", "MatMul", "MaxPool", "AvgPool",
                  "FusedBatchNormV3", "AddV2", "ConcatV2", "Identity")

#: Op types whose outputs become a loaded model's `layers` when its metadata lists none.
DERIVED_LAYER_OPS = ("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Softmax")


def import_for_shapes(graph_def: tf.compat.v1.GraphDef) -> tf.Graph:
    """`graph_def` imported into a fresh tf.Graph (static shapes; fails if it does not import)."""
    graph = tf.Graph()
    with graph.as_default():
        try:
            tf.graph_util.import_graph_def(graph_def, name="")
        except (ValueError, tf.errors.OpError) as e:  # unknown op type, mismatched inputs...
            raise ValueError("This graph does not import into TensorFlow, so it cannot be used as a "
                             "model (an op this TensorFlow lacks, or inconsistent nodes). "
                             f"TensorFlow says: {e}") from None
    return graph


def list_layer_ops(graph_def: tf.compat.v1.GraphDef,
                   op_types: Optional[Sequence[str]] = LAYER_OP_TYPES) -> List[Dict]:
    """Candidate activation ops of a frozen graph, in graph order, as dicts.

    Each dict has `name` (use it as the layer name: `"name"` or `"name:0"`), `op` (type),
    `shape` (static, None where unknown, from importing the graph) and `depth` (last dimension:
    channels for conv outputs, units for dense ones). `op_types=None` lists every op. Only ops
    fed by an input are listed (not weight constants and their reads).
    """
    graph = import_for_shapes(graph_def)
    inputs = [n.name for n in graph_def.node if n.op == "Placeholder"]
    fed = downstream_nodes(graph_def, inputs)
    found = []
    for op in graph.get_operations():
        if op.name not in fed or op.type == "Placeholder" or not op.outputs:
            continue
        if op_types is not None and op.type not in op_types:
            continue
        shape = op.outputs[0].shape
        dims = shape.as_list() if shape.rank is not None else None
        depth = dims[-1] if dims else None
        found.append({"name": op.name, "op": op.type, "shape": dims, "depth": depth})
    return found


def layer_tags(shape: Optional[list]) -> List[str]:
    """Lucid's layer tags from a static shape: ['conv'] for 4-D, ['dense'] for 2-D, else []."""
    rank = len(shape) if shape is not None else None
    return ["conv"] if rank == 4 else ["dense"] if rank == 2 else []


def derive_layers(graph_def: tf.compat.v1.GraphDef) -> List[Dict]:
    """Lucid-style layer dicts from a graph's Relu-family and Softmax ops (conv when 4-D, else dense)."""
    return [{"name": e["name"], "depth": e["depth"], "tags": layer_tags(e["shape"]) or ["dense"]}
            for e in list_layer_ops(graph_def, DERIVED_LAYER_OPS)]


def layer_depths(graph_def: tf.compat.v1.GraphDef, names: Sequence[str]) -> List[Dict]:
    """Layer dicts for `names` (':N' allowed) with depth and tags read from the graph's shapes."""
    ops = {e["name"]: e for e in list_layer_ops(graph_def, op_types=None)}
    out = []
    for name in names:
        entry = ops.get(name.split(":")[0], {})
        out.append({"name": name, "depth": entry.get("depth"), "tags": layer_tags(entry.get("shape"))})
    return out


def output_index_problem(graph_def: tf.compat.v1.GraphDef, name: str) -> Optional[str]:
    """A message if `name` is 'layer:N' with an output index the layer's op does not have."""
    base, sep, index = str(name).partition(":")
    if not sep:
        return None
    node = next((n for n in graph_def.node if n.name == base), None)
    if node is None:
        return None
    n_out = 1
    try:
        from tensorflow.python.framework import op_def_registry  # pylint: disable=import-outside-toplevel
        op_def = op_def_registry.get(node.op)
        if op_def is not None and not any(a.number_attr or a.type_list_attr for a in op_def.output_arg):
            n_out = len(op_def.output_arg)
    except ImportError:  # pragma: no cover
        pass
    if index.isdigit() and int(index) < n_out:
        return None
    return (f"{name!r}: ':{index}' selects output {index} of the op {base!r}, which has "
            f"{n_out} output(s) (use {base!r} or '{base}:0'). A ':N' suffix is a tensor output, "
            f"not a channel: for channel {index} use objectives.channel({base!r}, {index}) or "
            f"the string '{base}:{index}' as an objective, or acts[..., {index}] of "
            "get_activations.")


def min_input_size(graph_def: tf.compat.v1.GraphDef, layer: str) -> int:
    """Smallest image side for which `layer` is defined: 2**(VALID stride-2 pools before it)."""
    above = upstream_nodes(graph_def, [str(layer)])
    pools = sum(1 for node in graph_def.node if node.name in above
                and node.op in ("MaxPool", "AvgPool") and node.attr["padding"].s == b"VALID"
                and list(node.attr["strides"].list.i)[1:3] == [2, 2])
    return 2 ** pools
