"""Parse an `OverlayGraph` into nested sequences and branches, the layout of a model diagram.

`parse_overlay` collapses sequences and branches until one node is left and returns the structure
as nested dicts: {"type": "Node", "name": ...}, {"type": "Sequence", "children": [...]},
{"type": "Branch", "children": [...]} (None for a branch that is a direct edge).
"""
from typing import Any, Dict, List, Optional

from lucid_vgg.misc.graph_analysis.overlay_graph import OverlayGraph, OverlayNode, OverlayStructure

Structure = Optional[Dict[str, Any]]


def collapse_sequences(overlay: OverlayGraph) -> OverlayGraph:
    """Collapse each chain of nodes (one consumer, which has one input) into its last node."""
    sequences: List[List[OverlayNode]] = []
    in_sequence: set = set()
    for node in overlay.nodes:
        if node in in_sequence:
            continue
        seq = [node]
        while len(node.consumers) == 1 and len(next(iter(node.consumers)).inputs) == 1:
            node = next(iter(node.consumers))
            if node in seq:  # a cycle (TF1 loops): stop where it closes
                break
            seq.append(node)
        if len(seq) > 1:
            sequences.append(seq)
            in_sequence.update(seq)
    structure_map = {seq[-1]: OverlayStructure("Sequence", {"sequence": seq}) for seq in sequences}
    return overlay.collapse_structures(structure_map)


def collapse_branches(overlay: OverlayGraph) -> OverlayGraph:
    """Collapse parallel branches: into the node they join at (HeadBranch), or, for dead-end
    consumers of one node (auxiliary heads), into the last of them (TailBranch)."""
    structure_map = {}
    for node in overlay.nodes:
        if len(node.inputs) <= 1:
            continue
        gcd = node.gcd
        if gcd is not None and all(inp == gcd or inp.inputs == {gcd} for inp in node.inputs):
            branches = [inp if inp != gcd else None for inp in overlay.sorted(node.inputs)]
            structure_map[node] = OverlayStructure("HeadBranch", {"branches": branches, "head": node})
    for node in overlay.nodes:
        if len(node.consumers) <= 1:
            continue
        if all(len(out.consumers) == 0 for out in node.consumers):
            branches = overlay.sorted(node.consumers)
            structure_map[branches[-1]] = OverlayStructure("TailBranch", {"branches": branches, "tail": node})
    return overlay.collapse_structures(structure_map)


def parse_structure(node: Optional[OverlayNode]) -> Structure:
    """The nested-dict structure of a (collapsed) overlay node; None for None."""
    if node is None:
        return None
    structure = node.sub_structure
    if structure is None:
        return {"type": "Node", "name": node.name}
    parts = structure.structure
    if structure.structure_type == "Sequence":
        return {"type": "Sequence", "children": [parse_structure(n) for n in parts["sequence"]]}
    if structure.structure_type == "HeadBranch":
        branch = {"type": "Branch", "children": [parse_structure(n) for n in parts["branches"]]}
        return {"type": "Sequence", "children": [branch, parse_structure(parts["head"])]}
    if structure.structure_type == "TailBranch":
        branch = {"type": "Branch", "subtype": "AuxilliaryHeadBranch",
                  "children": [parse_structure(n) for n in parts["branches"]]}
        return {"type": "Sequence", "children": [parse_structure(parts["tail"]), branch]}
    data: Dict[str, Any] = {key: [parse_structure(n) for n in value] if isinstance(value, list)
                            else parse_structure(value) for key, value in parts.items()}
    data["type"] = structure.structure_type
    return data


def flatten_sequences(structure: Any) -> Any:
    """The structure with sequences nested directly in sequences merged into their parent."""
    if structure is None or isinstance(structure, str) or structure["type"] == "Node":
        return structure
    structure = dict(structure)
    if "children" in structure:
        structure["children"] = [flatten_sequences(sub) for sub in structure["children"]]
    if structure["type"] == "Sequence":
        flat: List[Any] = []
        for sub in structure["children"]:
            if isinstance(sub, dict) and sub["type"] == "Sequence":
                flat += sub["children"]
            else:
                flat.append(sub)
        structure["children"] = flat
    return structure


def parse_overlay(overlay: OverlayGraph) -> Structure:
    """Collapse sequences and branches until nothing changes; the structure if one node is left, else None."""
    new_overlay = overlay
    prev_len = len(overlay.nodes)
    while True:
        new_overlay = collapse_branches(collapse_sequences(new_overlay))
        if not len(new_overlay.nodes) < prev_len:
            break
        prev_len = len(new_overlay.nodes)
    if len(new_overlay.nodes) != 1:
        return None
    return flatten_sequences(parse_structure(new_overlay.nodes[0]))


def _namify(nodes: List[OverlayNode]) -> List[str]:
    return [node.name for node in nodes]


def toplevel_group_data(overlay: OverlayGraph) -> Dict[str, Dict[str, Any]]:
    """Groups along the overlay's main path: each concat's inputs (backward) and each fan-out into
    Split outputs (forward), as {node name: {"immediate", "all", "direction"}}."""
    if not overlay.nodes:
        raise ValueError("toplevel_group_data needs an overlay with at least one node")
    tops = [overlay.nodes[-1]]
    while tops[-1].inputs and tops[-1].gcd is not None:
        tops.append(tops[-1].gcd)
    groups = {}
    for top in tops[::-1]:
        if top.op in ["Concat", "ConcatV2"]:
            gcd = top.gcd
            before = set() if gcd is None else gcd.extended_inputs | {gcd}
            groups[top.name] = {"immediate": _namify(overlay.sorted(top.inputs)),
                                "all": _namify(overlay.sorted(top.extended_inputs - before | {top})),
                                "direction": "backward"}
        if len(top.consumers) > 1 and all(out.op == "Split" for out in top.consumers):
            lcm = top.lcm
            after = set() if lcm is None else lcm.extended_consumers | {lcm}
            groups[top.name] = {"immediate": _namify(overlay.sorted(top.consumers)),
                                "all": _namify(overlay.sorted(top.extended_consumers - after | {top})),
                                "direction": "forward"}
    return groups
