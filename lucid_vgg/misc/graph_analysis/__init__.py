"""Lucid's graph analysis: simplified "overlay" views of a model graph (`overlay_graph`), pruning
(`filter_overlay`), sequence/branch parsing for diagrams (`parse_overlay`) and data-format
inference (`property_inference`)."""
from lucid_vgg.misc.graph_analysis.overlay_graph import OverlayGraph, OverlayNode, OverlayStructure

__all__ = ["OverlayGraph", "OverlayNode", "OverlayStructure"]
