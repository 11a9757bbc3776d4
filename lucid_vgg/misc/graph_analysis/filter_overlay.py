"""Prune an `OverlayGraph` down to the layers a person thinks in (for diagrams and analysis).

    overlay = OverlayGraph(model)
    overlay = filter_overlay.ops_whitelist(overlay)      # keep only layer-like ops
    overlay = filter_overlay.is_dynamic(overlay)         # drop what the input does not affect
    overlay = filter_overlay.collapse_sequence(overlay, ["Conv2D", "Relu"])  # one node per layer
"""
from typing import List, Sequence

from lucid_vgg.misc.graph_analysis.overlay_graph import OverlayGraph

# Lucid's list, plus "AddV2": TF2's `tf.add` / `+` makes AddV2 where TF1 made Add.
standard_include_ops = ["Placeholder", "Relu", "Relu6", "Add", "AddV2", "Split", "Softmax",
                        "Concat", "ConcatV2", "Conv2D", "MaxPool", "AvgPool", "MatMul", "EwZXy"]


def _op_types(value: Sequence[str], argument: str) -> List[str]:
    if isinstance(value, (str, bytes)) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{argument} must be a list of op type names such as ['Conv2D', 'Relu'], "
                        f"got {value!r}")
    return list(value)


def ops_whitelist(graph: OverlayGraph, include_ops: Sequence[str] = standard_include_ops) -> OverlayGraph:
    """Keep only nodes made by one of `include_ops` (op types); paths pass through the rest."""
    include = set(_op_types(include_ops, "include_ops"))
    return graph.filter([node.name for node in graph.nodes if node.op in include])


def cut_shapes(graph: OverlayGraph) -> OverlayGraph:
    """Drop `Shape` nodes and the edges through them (a shape read is no data flow)."""
    keep_nodes = [node.name for node in graph.nodes if node.op != "Shape"]
    return graph.filter(keep_nodes, pass_through=False)


def is_dynamic(graph: OverlayGraph) -> OverlayGraph:
    """Keep the nodes the input affects: the Placeholders and everything downstream of them.

    Lucid started from the overlay's first node; that is the input in Lucid's graphs, and with no
    Placeholder in the overlay the first node is still the start.
    """
    if not graph.nodes:
        raise ValueError("is_dynamic needs an overlay with at least one node")
    starts = [node for node in graph.nodes if node.op == "Placeholder"] or graph.nodes[:1]
    dynamic = {node.name for node in starts} | {n.name for s in starts for n in s.extended_consumers}
    return graph.filter([node.name for node in graph.nodes if node.name in dynamic])


def collapse_sequence(graph: OverlayGraph, sequence: Sequence[str]) -> OverlayGraph:
    """Where ops of types `sequence` follow each other (single consumers), keep only the last node."""
    sequence = _op_types(sequence, "sequence")
    exclude_nodes = set()
    for start in graph.nodes:
        node, matches = start, []
        for i, op_type in enumerate(sequence):
            if node.op != op_type:
                break
            matches.append(node.name)
            if i + 1 < len(sequence):
                if len(node.consumers) != 1:
                    break
                node = next(iter(node.consumers))
        if len(matches) == len(sequence):
            exclude_nodes.update(matches[:-1])
    return graph.filter([node.name for node in graph.nodes if node.name not in exclude_nodes])
