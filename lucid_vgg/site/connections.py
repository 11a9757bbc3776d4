"""Which units of the neighbouring conv layers a unit is most strongly wired to, by weight.

For conv layers L_prev -> L -> L_next with kernels W [kh, kw, in, out]: below(u) are the
channels c of L_prev with the largest ||W_L[:, :, c, u]||, above(u) the units v of L_next with
the largest ||W_next[:, :, u, v]|| (Frobenius norm over the kernel window; pools in between keep
channels). Read from the model's frozen graph, so any conv net in the model zoo works.
"""
from typing import Any, Dict, List, Optional

import numpy as np

from modelzoo.util import downstream_nodes, node_name
from modelzoo.vision_base import Model


def conv_kernel(graph_def: Any, layer: str) -> Optional[np.ndarray]:
    """The kernel [kh, kw, in, out] of the Conv2D feeding `layer` (through BiasAdd/ReLU only),
    or None when `layer` is not in the graph or no conv feeds it directly."""
    import tensorflow as tf

    nodes = {n.name: n for n in graph_def.node}
    fed = downstream_nodes(graph_def, [n.name for n in graph_def.node if n.op == "Placeholder"])
    node = nodes.get(node_name(layer))
    while node is not None and node.op != "Conv2D":
        if node.op not in ("Relu", "BiasAdd", "Identity", "Relu6", "Add", "AddV2"):
            return None
        data = [node_name(i) for i in node.input if not i.startswith("^") and node_name(i) in fed]
        node = nodes.get(data[0]) if data else None
    if node is None:
        return None
    const = nodes[node_name(node.input[1])]
    while const.op == "Identity":
        const = nodes[node_name(const.input[0])]
    if const.op != "Const":
        return None
    return np.asarray(tf.make_ndarray(const.attr["value"].tensor), np.float32)


def strongest(norms: np.ndarray, top: int) -> List[List[List[float]]]:
    """For each column j of norms [rows, cols]: the `top` rows with the largest norms[:, j],
    as [row, norm] pairs, largest first (ties: lower row first)."""
    order = np.argsort(-norms, axis=0, kind="stable")[:top]
    return [[[int(r), round(float(norms[r, j]), 6)] for r in order[:, j]]
            for j in range(norms.shape[1])]


def kernel_norms(kernel: np.ndarray) -> np.ndarray:
    """||W[:, :, c, u]|| for every (c, u): [in, out]."""
    return np.sqrt(np.square(kernel.astype(np.float64)).sum(axis=(0, 1)))


def layer_connections(model: Model, top: int = 8) -> Dict[str, Dict[str, Any]]:
    """Per conv layer of `model` (those whose kernel the graph holds), its `below` and `above`
    neighbours: {"layer": name, "units": [per unit: [[unit, norm], ...]]} or None at the ends."""
    graph_def = model.graph_def
    convs = []
    for layer in model.layers:
        if "conv" in layer.tags:
            kernel = conv_kernel(graph_def, layer.name)
            if kernel is not None:
                convs.append((layer.name, kernel))
    out: Dict[str, Dict[str, Any]] = {}
    for i, (name, kernel) in enumerate(convs):
        below = above = None
        if i > 0 and convs[i - 1][1].shape[3] == kernel.shape[2]:
            below = {"layer": convs[i - 1][0], "units": strongest(kernel_norms(kernel), top)}
        if i + 1 < len(convs) and convs[i + 1][1].shape[2] == kernel.shape[3]:
            nxt = kernel_norms(convs[i + 1][1]).T  # [next out, this out]: columns = our units
            above = {"layer": convs[i + 1][0], "units": strongest(nxt, top)}
        out[name] = {"below": below, "above": above}
    return out
