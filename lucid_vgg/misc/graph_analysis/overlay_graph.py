"""Overlay graphs: a simplified view of a TensorFlow graph whose nodes are some of its tensors.

An `OverlayGraph` keeps a chosen set of a `tf.Graph`'s tensors as nodes; two kept tensors are joined
by an edge when a path through dropped tensors joins them in the real graph. Lucid's diagrams find
sequences and branches on such overlays (see `filter_overlay` and `parse_overlay`).

    overlay = OverlayGraph(modelzoo.VGG16_caffe())   # a tf.Graph, a GraphDef or a Model
    overlay["conv1_1/conv1_1"].inputs                # op names stand for their output 0
"""
import difflib
import heapq
from collections import defaultdict
from typing import Any, DefaultDict, Dict, Iterable, List, Optional, Sequence, Set, Union

import tensorflow as tf

NodeLike = Union[str, "OverlayNode", tf.Tensor, tf.Operation]


class UnknownNodeError(KeyError):
    """A node name that names no tensor of the graph (or no node of the overlay)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def as_tf_graph(source: Any) -> tf.Graph:
    """A `tf.Graph` from a `tf.Graph`, a GraphDef, or a model with a `graph_def` (imported with name="")."""
    if isinstance(source, tf.Graph):
        return source
    graph_def = source if isinstance(source, tf.compat.v1.GraphDef) else getattr(source, "graph_def", None)
    if not isinstance(graph_def, tf.compat.v1.GraphDef):
        raise TypeError(f"OverlayGraph needs a tf.Graph, a GraphDef, or a model with a `graph_def` "
                        f"(e.g. modelzoo.VGG16_caffe()); got {type(source).__name__}")
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    return graph


def resolve_name(name: str, known: Iterable[str], where: str) -> str:
    """`name` as one of `known` (an op name stands for its output ':0'); else a close-match error."""
    known = known if isinstance(known, (dict, set, frozenset)) else list(known)
    if name in known:
        return name
    if ":" not in name and f"{name}:0" in known:
        return f"{name}:0"
    names = list(known)
    by_short = {n[:-2] if n.endswith(":0") else n: n for n in names}  # compare op names with op names
    short = name[:-2] if name.endswith(":0") else name
    close = [by_short[n] for n in difflib.get_close_matches(short, list(by_short), n=5, cutoff=0.6)]
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    example = f" (e.g. {names[0]!r})" if names else ""
    raise UnknownNodeError(f"{name!r} is not {where}.{hint} Nodes are named by tensor "
                           f"names 'op_name:index'{example}; an op name stands for its output 0.")


class OverlayNode():
    """A node of an OverlayGraph: one tensor of the TensorFlow graph."""

    def __init__(self, name: str, overlay_graph: "OverlayGraph") -> None:
        self.name = name
        self.overlay_graph = overlay_graph
        self.tf_graph = overlay_graph.tf_graph
        self.tf_node = self.tf_graph.get_tensor_by_name(name)
        self.sub_structure: Optional["OverlayStructure"] = None

    @staticmethod
    def as_name(node: NodeLike) -> str:
        """The tensor name of a node given as a name, OverlayNode, tf.Tensor or tf.Operation."""
        if isinstance(node, str):
            return node
        if isinstance(node, (OverlayNode, tf.Tensor)):
            return node.name
        if isinstance(node, tf.Operation):
            if not node.outputs:
                raise ValueError(f"op {node.name!r} has no outputs, so it is no overlay node")
            return node.outputs[0].name
        raise TypeError(f"a node is named by a str, an OverlayNode, a tf.Tensor or a tf.Operation; "
                        f"got {type(node).__name__}")

    def __repr__(self) -> str:
        return "<%s: %s>" % (self.name, self.op)

    @property
    def op(self) -> str:
        """The type of the op that makes this tensor (e.g. 'Conv2D')."""
        return self.tf_node.op.type

    @property
    def inputs(self) -> Set["OverlayNode"]:
        return self.overlay_graph.node_to_inputs[self]

    @property
    def consumers(self) -> Set["OverlayNode"]:
        return self.overlay_graph.node_to_consumers[self]

    @property
    def extended_inputs(self) -> Set["OverlayNode"]:
        return self.overlay_graph.node_to_extended_inputs[self]

    @property
    def extended_consumers(self) -> Set["OverlayNode"]:
        return self.overlay_graph.node_to_extended_consumers[self]

    @property
    def gcd(self) -> Optional["OverlayNode"]:
        """The latest node every input depends on (None: no input, or nothing shared)."""
        return self.overlay_graph.gcd(self.inputs) if self.inputs else None

    @property
    def lcm(self) -> Optional["OverlayNode"]:
        """The earliest node every consumer feeds (None: no consumer, or nothing shared)."""
        return self.overlay_graph.lcm(self.consumers) if self.consumers else None


class OverlayStructure():
    """A sub-structure (sequence, branch, ...) found in an OverlayGraph, collapsed into one node.

    `structure` maps a role ("sequence", "branches", "head", ...) to a node or a list of nodes;
    `children` lists them all (a branch that is a direct edge is None).
    """

    def __init__(self, structure_type: str, structure: Dict[str, Any]) -> None:
        self.structure_type = structure_type
        self.structure = structure
        self.children: List[Any] = sum([list(part) if isinstance(part, (list, tuple)) else [part]
                                        for part in structure.values()], [])

    def __contains__(self, item: NodeLike) -> bool:
        names = {n.name for n in self.children if n is not None}
        name = OverlayNode.as_name(item)
        return name in names or (":" not in name and f"{name}:0" in names)

    def __repr__(self) -> str:
        return f"<OverlayStructure {self.structure_type}: {len(self.children)} children>"


def _stable_topological_order(names: Sequence[str], inputs: Dict[str, Set[str]]) -> List[str]:
    """`names` in dependency order, keeping the given order where it is free; a cycle keeps its order."""
    position = {n: i for i, n in enumerate(names)}
    consumers: DefaultDict[str, List[str]] = defaultdict(list)
    waiting = {n: len(inputs[n]) for n in names}
    for n in names:
        for inp in inputs[n]:
            consumers[inp].append(n)
    ready = [position[n] for n in names if waiting[n] == 0]
    heapq.heapify(ready)
    order: List[str] = []
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(name)
        for out in consumers[name]:
            waiting[out] -= 1
            if waiting[out] == 0:
                heapq.heappush(ready, position[out])
    placed = set(order)
    return order + [n for n in names if n not in placed]


class OverlayGraph():
    """A subgraph of a TensorFlow graph: chosen tensors, joined where paths of the real graph join them.

    `tf_graph` is a tf.Graph, a GraphDef or a model with a `graph_def` (imported with name="");
    `nodes` are tensor names (all tensors when None); `no_pass_through` names dropped tensors that
    paths may not cross; `prev_overlay` is the overlay whose edges this one simplifies.
    """

    def __init__(self, tf_graph: Any, nodes: Optional[Iterable[NodeLike]] = None,
                 no_pass_through: Optional[Iterable[str]] = None,
                 prev_overlay: Optional["OverlayGraph"] = None) -> None:
        self.tf_graph = as_tf_graph(tf_graph)
        self._tensor_names: Optional[Dict[str, None]] = None
        self.prev_overlay = prev_overlay
        self.no_pass_through = set() if no_pass_through is None else set(no_pass_through)
        names = self._checked_names(nodes)
        kept = set(names)
        raw_inputs = {name: set(self._overlay_inputs(name, kept)) for name in names}
        order = _stable_topological_order(names, raw_inputs)
        self.name_map = {name: OverlayNode(name, self) for name in order}
        self.nodes = [self.name_map[name] for name in order]
        self._position = {node: i for i, node in enumerate(self.nodes)}
        self.node_to_consumers: DefaultDict[OverlayNode, Set[OverlayNode]] = defaultdict(set)
        self.node_to_inputs: DefaultDict[OverlayNode, Set[OverlayNode]] = defaultdict(set)
        for node in self.nodes:
            for inp_name in raw_inputs[node.name]:
                self.node_to_inputs[node].add(self.name_map[inp_name])
                self.node_to_consumers[self.name_map[inp_name]].add(node)
        self.node_to_extended_consumers: DefaultDict[OverlayNode, Set[OverlayNode]] = defaultdict(set)
        self.node_to_extended_inputs: DefaultDict[OverlayNode, Set[OverlayNode]] = defaultdict(set)
        for node in self.nodes:
            for inp in self.node_to_inputs[node]:
                self.node_to_extended_inputs[node].add(inp)
                self.node_to_extended_inputs[node].update(self.node_to_extended_inputs[inp])
        for node in self.nodes[::-1]:
            for out in self.node_to_consumers[node]:
                self.node_to_extended_consumers[node].add(out)
                self.node_to_extended_consumers[node].update(self.node_to_extended_consumers[out])

    def _checked_names(self, nodes: Optional[Iterable[NodeLike]]) -> List[str]:
        """The node names, each checked against the graph (or the previous overlay), duplicates dropped."""
        if self.prev_overlay is not None:
            known: Dict[str, Any] = self.prev_overlay.name_map
            where = "a node of the previous overlay"
        else:
            known = self._graph_tensor_names()
            where = "a tensor of the graph"
        if nodes is None:
            return list(known)
        if isinstance(nodes, (str, bytes)):
            raise TypeError(f"nodes must be a list of tensor names, not one string ({nodes!r})")
        names = [resolve_name(OverlayNode.as_name(n), known, where) for n in nodes]
        return list(dict.fromkeys(names))

    def _graph_tensor_names(self) -> Dict[str, None]:
        """Every tensor name of the tf.Graph, in op creation order (cached)."""
        if self._tensor_names is None:
            self._tensor_names = {out.name: None for op in self.tf_graph.get_operations()
                                  for out in op.outputs}
        return self._tensor_names

    def _raw_inputs(self, name: str) -> List[str]:
        if self.prev_overlay is not None:
            return [inp.name for inp in self.prev_overlay[name].inputs]
        return [inp.name for inp in self.tf_graph.get_tensor_by_name(name).op.inputs]

    def _overlay_inputs(self, name: str, kept: Set[str]) -> List[str]:
        """Kept nodes reached backwards from `name` through dropped ones, never crossing no_pass_through."""
        found: List[str] = []
        seen: Set[str] = set()
        stack = self._raw_inputs(name)[::-1]
        while stack:
            inp = stack.pop()
            if inp in seen or inp.startswith("^"):  # "^name": a control input
                continue
            seen.add(inp)
            if inp in kept:
                found.append(inp)
            elif inp not in self.no_pass_through:
                stack.extend(self._raw_inputs(inp)[::-1])
        return found

    def __getitem__(self, index: NodeLike) -> OverlayNode:
        name = resolve_name(OverlayNode.as_name(index), self.name_map, "a node of this overlay")
        return self.name_map[name]

    def __contains__(self, item: NodeLike) -> bool:
        name = OverlayNode.as_name(item)
        return name in self.name_map or (":" not in name and f"{name}:0" in self.name_map)

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<OverlayGraph: {len(self.nodes)} nodes>"

    def get_tf_node(self, node: NodeLike) -> tf.Tensor:
        """The tf.Tensor of a node (any tensor of the graph, kept in the overlay or not)."""
        name = resolve_name(OverlayNode.as_name(node), self._graph_tensor_names(), "a tensor of the graph")
        return self.tf_graph.get_tensor_by_name(name)

    def graphviz(self, groups: Optional[Dict[Any, Iterable[Any]]] = None) -> None:
        """Print the overlay as Graphviz DOT; `groups` maps a root node to the nodes of its cluster."""
        print("digraph G {")
        for root, group in (groups or {}).items():
            print("")
            print("  subgraph cluster_%s {" % root.name.replace("/", "_").replace(":", "_"))
            print('  label = "%s"' % root.name)
            for node in group:
                print('    "%s"' % node.name)
            print("  }")
        for node in self.nodes:
            for inp in self.sorted(node.inputs):
                print('  "%s" -> "%s"' % (inp.name, node.name))
        print("}")

    def filter(self, keep_nodes: Iterable[NodeLike], pass_through: bool = True) -> "OverlayGraph":
        """A new overlay of `keep_nodes` only; with pass_through=False no path crosses a dropped node."""
        if isinstance(keep_nodes, (str, bytes)):
            raise TypeError(f"keep_nodes must be a list of node names, not one string ({keep_nodes!r})")
        keep = {self[n].name for n in keep_nodes}
        no_pass_through = set(self.no_pass_through)
        if not pass_through:
            no_pass_through |= set(self.name_map) - keep
        ordered = [node.name for node in self.nodes if node.name in keep]
        new_overlay = OverlayGraph(self.tf_graph, ordered, no_pass_through, prev_overlay=self)
        for node in new_overlay.nodes:
            node.sub_structure = self[node].sub_structure
        return new_overlay

    def _common(self, branches: Iterable[NodeLike], extended: str, what: str) -> Optional[OverlayNode]:
        nodes = [self[node] for node in branches]
        if not nodes:
            raise ValueError(f"{what} needs at least one node")
        shared = set.intersection(*[{node} | getattr(node, extended) for node in nodes])
        if not shared:
            return None
        pick = max if extended == "extended_inputs" else min
        return pick(shared, key=self._position.__getitem__)

    def gcd(self, branches: Iterable[NodeLike]) -> Optional[OverlayNode]:
        """Greatest common divisor: the latest node all `branches` depend on (or are); None if none."""
        return self._common(branches, "extended_inputs", "gcd")

    def lcm(self, branches: Iterable[NodeLike]) -> Optional[OverlayNode]:
        """Lowest common multiple: the earliest node all `branches` feed (or are); None if none."""
        return self._common(branches, "extended_consumers", "lcm")

    def sorted(self, items: Iterable[NodeLike]) -> List[Any]:
        """`items` in the overlay's (topological) node order."""
        return sorted(items, key=lambda n: self._position[self[n]])

    def collapse_structures(self, structure_map: Dict[OverlayNode, OverlayStructure]) -> "OverlayGraph":
        """A new overlay where each structure's children are dropped, except its key node, which holds it."""
        children = {child for structure in structure_map.values() for child in structure.children
                    if child is not None}
        keep_nodes = [node.name for node in self.nodes if node not in children or node in structure_map]
        new_overlay = self.filter(keep_nodes)
        for node in structure_map:
            new_overlay[node].sub_structure = structure_map[node]
        return new_overlay
