"""Model.show_graph's view of a frozen graph, offline: each op with its type and output shape, as
text (terminals, logs) or as a self-contained HTML outline (notebooks). Lucid showed the graph in
TensorBoard's graph iframe, which needs the network; this needs nothing beyond TensorFlow.
"""
import html
from typing import Iterable, List, NamedTuple, Optional, Sequence

import tensorflow as tf

from modelzoo.notebook import in_notebook

# Constants larger than this are stood in for by placeholders of their shape when shapes are
# inferred (weights: hundreds of MB on VGG16); smaller ones (axes, paddings) keep their values,
# which shape inference may need.
_BIG_CONST = 1024
# Ops that only forward or hold values: left out of the outline, so it shows the computation.
_PLUMBING = {"Const", "Identity", "NoOp", "PlaceholderWithDefault"}


class OutlineRow(NamedTuple):
    """One op of the outline: node name, op type, output shape ('?' where unknown), inputs, and
    whether it is one of the model's declared layers."""

    name: str
    op: str
    shape: str
    inputs: tuple
    is_layer: bool


def _shape_only_graph_def(graph_def: tf.compat.v1.GraphDef) -> tf.compat.v1.GraphDef:
    """A copy of `graph_def` whose big constants are placeholders of the same dtype and shape."""
    out = tf.compat.v1.GraphDef()
    out.CopyFrom(graph_def)
    for node in out.node:
        if node.op != "Const":
            continue
        dims = [d.size for d in node.attr["value"].tensor.tensor_shape.dim]
        n = 1
        for d in dims:
            n *= max(d, 0)
        if n <= _BIG_CONST:
            continue
        dtype = node.attr["dtype"].type
        node.op = "Placeholder"
        node.ClearField("attr")
        node.attr["dtype"].type = dtype
        node.attr["shape"].shape.CopyFrom(tf.TensorShape(dims).as_proto())
    return out


def _shape_text(shape: tf.TensorShape) -> str:
    if shape.rank is None:
        return "?"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def graph_outline(graph_def: tf.compat.v1.GraphDef, input_name: Optional[str] = None,
                  image_shape: Optional[Sequence[Optional[int]]] = None,
                  layer_names: Iterable[str] = ()) -> List[OutlineRow]:
    """The graph's computing ops in graph order with their static output shapes, inferred for a
    batch of one `image_shape` image fed at `input_name` (when both are given)."""
    nodes = {node.name for node in graph_def.node}
    layers = {str(n).split(":")[0] for n in layer_names}
    graph = tf.Graph()
    with graph.as_default():
        input_map = {}
        if input_name in nodes and image_shape is not None:
            input_map[input_name] = tf.compat.v1.placeholder(tf.float32, [1] + list(image_shape))
        tf.graph_util.import_graph_def(_shape_only_graph_def(graph_def), input_map or None, name="")
    rows = []
    for node in graph_def.node:
        if node.op in _PLUMBING or node.op == "Placeholder" and node.name != input_name:
            continue
        op = graph.get_operation_by_name(node.name)
        shape = _shape_text(op.outputs[0].shape) if op.outputs else "-"
        if node.name == input_name and input_map:
            shape = _shape_text(input_map[input_name].shape)
        inputs = tuple(i.lstrip("^").split(":")[0] for i in node.input)
        rows.append(OutlineRow(node.name, node.op, shape, inputs, node.name in layers))
    return rows


def outline_text(rows: Sequence[OutlineRow], title: str = "") -> str:
    """A text table of the outline: name, op type, output shape; layers marked with '*'."""
    width = max([len(r.name) for r in rows] + [4])
    op_width = max([len(r.op) for r in rows] + [2])
    lines = [f"{title}: {len(rows)} ops (* = a layer of the model)"] if title else []
    lines.append(f"  {'name':<{width}}  {'op':<{op_width}}  output shape")
    for r in rows:
        lines.append(f"{'*' if r.is_layer else ' '} {r.name:<{width}}  {r.op:<{op_width}}  {r.shape}")
    return "\n".join(lines)


_STYLE = ("<style>.lvg-graph{font:12px monospace}.lvg-graph .op{display:flex;gap:1em;"
          "padding:2px 6px;border-left:3px solid #ccc;margin:1px 0}.lvg-graph .layer{"
          "border-left-color:#e07b00;background:#fff4e6;font-weight:bold}.lvg-graph .t{color:#666}"
          ".lvg-graph .n{min-width:24ch}.lvg-graph .s{margin-left:auto;color:#035}</style>")


def outline_html(rows: Sequence[OutlineRow], title: str = "") -> str:
    """A self-contained HTML outline (inline style, no scripts or network): one row per op with
    its type and shape, the model's layers highlighted, inputs in each row's tooltip."""
    parts = [_STYLE, '<div class="lvg-graph">']
    if title:
        parts.append(f"<div><b>{html.escape(title)}</b>: {len(rows)} ops</div>")
    for r in rows:
        cls = "op layer" if r.is_layer else "op"
        tip = html.escape("inputs: " + ", ".join(r.inputs) if r.inputs else "no inputs", quote=True)
        parts.append(f'<div class="{cls}" title="{tip}"><span class="n">{html.escape(r.name)}</span>'
                     f'<span class="t">{html.escape(r.op)}</span>'
                     f'<span class="s">{html.escape(r.shape)}</span></div>')
    parts.append("</div>")
    return "".join(parts)


def show_outline(rows: Sequence[OutlineRow], title: str = "") -> None:
    """Display the outline: rendered HTML in a notebook, printed text elsewhere."""
    if in_notebook():
        from IPython.display import HTML, display  # pylint: disable=import-outside-toplevel
        display(HTML(outline_html(rows, title)))
    else:
        print(outline_text(rows, title))
