"""Lucid's graph analysis: simplified "overlay" views of a model graph (`overlay_graph`), pruning
(`filter_overlay`), sequence/branch parsing for diagrams (`parse_overlay`) and data-format
inference (`property_inference`).

Differences from Lucid 0.3.10 (each a fix or a TF2 need): an overlay is built from a tf.Graph, a
GraphDef or a modelzoo Model; an op name stands for its output ':0'; unknown names raise
`UnknownNodeError` (a KeyError) with close matches; nodes are kept in topological order;
`filter(pass_through=False)` works (Lucid's crashed) and no path crosses a dropped node;
`gcd`/`lcm` give None when nothing is shared; `is_dynamic` starts from every Placeholder;
`standard_include_ops` adds TF2's "AddV2"; `infer_data_format` accepts an OverlayNode.
"""
from lucid_vgg.misc.graph_analysis.overlay_graph import OverlayGraph, OverlayNode, OverlayStructure

__all__ = ["OverlayGraph", "OverlayNode", "OverlayStructure"]
