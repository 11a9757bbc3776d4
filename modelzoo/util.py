"""Graph utilities in one place (Lucid's `modelzoo.util`): load, parse, walk, cut and annotate
frozen GraphDefs. Every GraphDef walk and the one strict .pb parser of the project live here.
"""
import errno
import hashlib
import json
import logging
import os
from collections import deque
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Set, TypeVar

import numpy as np
import tensorflow as tf
from google.protobuf.message import DecodeError

from modelzoo.fileio import (PathLike, atomic_write_bytes, is_url, read_error, write_all, write_error,
                             write_handle)
from modelzoo.weights.download import fetch

log = logging.getLogger(__name__)
_Item = TypeVar("_Item", bound=Hashable)

#: Lucid's metadata node name; Model.save writes it, so Lucid reads our graphs and we read Lucid's.
METADATA_NODE = "lucid_metadata_json"
#: Lucid's public name for it.
metadata_node_name = METADATA_NODE
#: The name this project wrote before it used Lucid's (graphs and caches built then still load).
_OLD_METADATA_NODE = "lucid_meta_json"
#: Both names: nodes that only describe the graph (how to feed it), not part of what it computes.
METADATA_NODES = (METADATA_NODE, _OLD_METADATA_NODE)


# -- errors --------------------------------------------------------------------------------------
class GraphFileError(ValueError):
    """A .pb file could not be used as a frozen graph (base class of the errors below)."""


class GraphFileNotFound(GraphFileError):
    """The .pb file does not exist."""


class CorruptGraphError(GraphFileError):
    """The .pb file is truncated, corrupt, fails its SHA-256 sidecar, or is not a GraphDef."""


def _fix_hint(path: PathLike) -> str:
    return (f"Delete {path} (and {os.path.basename(sidecar_path(path))} if present) and rebuild it: "
            "a cached VGG16_caffe graph is rebuilt automatically on next use, a converted one with "
            "`lucid-vgg convert-h5 FILE`. A SavedModel's saved_model.pb is not a frozen GraphDef: "
            "load it with tf.saved_model.load and freeze it (modelzoo.saving.freeze).")


# -- reading and writing .pb files ----------------------------------------------------------------
def parse_graph_def(data: bytes, path: str = "<bytes>", verified: bool = False) -> tf.compat.v1.GraphDef:
    """Parse serialized GraphDef bytes and check the result is a complete, self-consistent graph.

    The project's one .pb parser (CorruptGraphError says what is wrong and how to fix it);
    verified=True (bytes already matched a SHA-256 sidecar) skips the costlier re-size check.
    """
    gd = tf.compat.v1.GraphDef()
    try:
        gd.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise CorruptGraphError(f"{path} is not a valid GraphDef (protobuf decode failed: {e}); "
                                f"it is truncated, corrupt or not a frozen graph. {_fix_hint(path)}") from None
    if not gd.node:
        raise CorruptGraphError(f"{path} holds no graph nodes ({len(data)} bytes): it is empty or not "
                                f"a frozen TF GraphDef. {_fix_hint(path)}")
    if not verified and gd.ByteSize() != len(data):
        raise CorruptGraphError(f"{path} is not a clean GraphDef: {len(data)} bytes on disk but only "
                                f"{gd.ByteSize()} parse as graph fields. {_fix_hint(path)}")
    names = {node.name for node in gd.node}
    for node in gd.node:
        if not node.name or not node.op:
            raise CorruptGraphError(f"{path} has a node without name or op; it is corrupt or not a "
                                    f"GraphDef. {_fix_hint(path)}")
        missing = next((ref for ref in node.input if node_name(ref) not in names), None)
        if missing is not None:
            raise CorruptGraphError(f"{path} is incomplete: node {node.name!r} reads {missing!r}, which "
                                    f"is missing (truncated file?). {_fix_hint(path)}")
    return gd


def sidecar_path(path: PathLike) -> str:
    """Where the JSON sidecar (size, SHA-256, provenance) of a .pb file lives."""
    return os.fspath(path) + ".json"


def read_sidecar(path: PathLike) -> Optional[Dict[str, Any]]:
    """The sidecar dict of `path`, or None when there is none; an unreadable sidecar is corrupt."""
    side = sidecar_path(path)
    if not os.path.exists(side):
        return None
    try:
        with open(side, encoding="utf-8") as f:
            meta = json.load(f)
        int(meta["size"]), str(meta["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise CorruptGraphError(f"The sidecar {side} of {path} is unreadable ({e}). {_fix_hint(path)}") from None
    return meta


def _read_verified(path: str) -> bytes:
    """The bytes of `path`, checked against its sidecar's size and SHA-256 when it has one."""
    if os.path.isdir(path):
        raise GraphFileNotFound(f"Graph file {path} is a directory, not a frozen-graph .pb file: pass "
                                "the path of the .pb file inside it (a SavedModel folder is not a "
                                "frozen graph: see modelzoo.saving.freeze).")
    if not os.path.isfile(path):
        raise GraphFileNotFound(f"Graph file {path} does not exist (or is not a file): check the path.")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:  # permission denied, I/O error
        raise CorruptGraphError(f"Could not read the graph file {path}: {e.strerror or e}. Check its "
                                "permissions, or copy it somewhere readable.") from None
    meta = read_sidecar(path)
    if meta is not None:
        if len(data) != int(meta["size"]):
            raise CorruptGraphError(f"{path} is {len(data)} bytes but its sidecar records {meta['size']} "
                                    f"(truncated or overwritten). {_fix_hint(path)}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != meta["sha256"]:
            raise CorruptGraphError(f"{path} fails its SHA-256 check (got {digest[:12]}..., expected "
                                    f"{meta['sha256'][:12]}...): the file is corrupt. {_fix_hint(path)}")
    return data


def load_graphdef(model_url: PathLike, reset_device: bool = True) -> tf.compat.v1.GraphDef:
    """The frozen GraphDef at a local path or URL (http(s)/file://, downloaded into the cache),
    verified against its sidecar when it has one, strictly parsed, devices cleared (Lucid's name)."""
    path = fetch(model_url) if is_url(model_url) else os.fspath(model_url)
    graph_def = parse_graph_def(_read_verified(path), path, verified=read_sidecar(path) is not None)
    if reset_device:
        for node in graph_def.node:
            node.device = ""
    return graph_def


def serialize_graph_def(graph_def: tf.compat.v1.GraphDef) -> bytes:
    """The bytes of `graph_def`, the same on every build: protobuf writes map fields (node attrs)
    in hash order unless asked to be deterministic, which changed a rebuilt graph's SHA-256."""
    return graph_def.SerializeToString(deterministic=True)


def save_graphdef(graph_def: tf.compat.v1.GraphDef, path: PathLike,
                  metadata: Optional[Dict[str, Any]] = None) -> str:
    """Write `graph_def` atomically plus a sidecar with size, SHA-256 and `metadata`; returns path.

    The graph goes to a synced temp file first, then the sidecar, then the graph into place, so a
    failed write (full disk, read-only) leaves neither a new sidecar nor a partial graph behind.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise write_error(path, IsADirectoryError(errno.EISDIR, "it is a directory, not a file"))
    data = serialize_graph_def(graph_def)
    side = dict(metadata or {})
    side.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    with write_handle(path, "wb") as handle:
        write_all(handle, data)
        atomic_write_bytes(sidecar_path(path), json.dumps(side, indent=1, sort_keys=True).encode("utf-8"))
    return path


def load_text_labels(labels_path: PathLike) -> List[str]:
    """One label per line of a local file or URL (Lucid's name)."""
    path = fetch(labels_path) if is_url(labels_path) else os.fspath(labels_path)
    try:
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    except OSError as e:
        raise read_error(path, e, "labels file", "check the model's labels_path") from None


# -- walking and cutting graphs -----------------------------------------------------------------
def node_name(ref: str) -> str:
    """The op name of an input reference: '^a' (control), 'a', 'a:1' -> 'a'."""
    return ref.lstrip("^").split(":")[0]


def walk(starts: Iterable[_Item], neighbours: Callable[[_Item], Iterable[_Item]],
         max_depth: Optional[int] = None) -> Set[_Item]:
    """Everything reachable from `starts` (included) through `neighbours(item)`, at most
    `max_depth` steps away: the one graph walk, on GraphDef node names or on tf.Operations."""
    seen = set(starts)
    frontier = deque((item, 0) for item in seen)
    while frontier:
        item, depth = frontier.popleft()
        if max_depth is not None and depth >= max_depth:
            continue
        for nxt in neighbours(item):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, depth + 1))
    return seen


def _inputs_of(graph_def: tf.compat.v1.GraphDef) -> Callable[[str], List[str]]:
    by_name = {n.name: n for n in graph_def.node}
    return lambda name: [node_name(ref) for ref in by_name[name].input] if name in by_name else []


def consumers(graph_def: tf.compat.v1.GraphDef) -> Dict[str, List[str]]:
    """{node name: names of the nodes that read it (data or control)}."""
    out: Dict[str, List[str]] = {}
    for node in graph_def.node:
        for ref in node.input:
            out.setdefault(node_name(ref), []).append(node.name)
    return out


def upstream_nodes(graph_def: tf.compat.v1.GraphDef, names: Iterable[str]) -> Set[str]:
    """Names of the nodes `names` (':N' allowed) and of everything they read, transitively."""
    return walk([node_name(n) for n in names], _inputs_of(graph_def))


def downstream_nodes(graph_def: tf.compat.v1.GraphDef, names: Iterable[str]) -> Set[str]:
    """Names of the nodes `names` and of everything that reads them, transitively."""
    readers = consumers(graph_def)
    return walk([node_name(n) for n in names], lambda name: readers.get(name, []))


def neighborhood(graph_def: tf.compat.v1.GraphDef, name: str, degree: int = 4) -> list:
    """The nodes at most `degree` edges (either direction) from node `name`, in graph order."""
    inputs, readers = _inputs_of(graph_def), consumers(graph_def)
    near = walk([name], lambda n: inputs(n) + readers.get(n, []), max_depth=degree)
    return [n for n in graph_def.node if n.name in near]


class GraphDefHelper:
    """Lucid's index of a GraphDef's nodes by name, by op type and by the inputs they read."""

    def __init__(self, graph_def: tf.compat.v1.GraphDef) -> None:
        self.graph_def = graph_def
        self.by_name: Dict[str, Any] = {}
        self.by_op: Dict[str, List[Any]] = {}
        self.by_input: Dict[str, List[Any]] = {}
        for node in graph_def.node:
            if node.name in self.by_name:
                raise GraphFileError(f"this GraphDef has two nodes named {node.name!r}.")
            self.by_name[node.name] = node
            self.by_op.setdefault(node.op, []).append(node)
            for ref in node.input:
                self.by_input.setdefault(ref, []).append(node)

    def neighborhood(self, node: Any, degree: int = 4) -> list:
        """The nodes at most `degree` edges from `node` (a NodeDef of this graph or its name)."""
        name = node if isinstance(node, str) else node.name
        if name not in self.by_name:
            raise KeyError(f"no node named {name!r} in this GraphDef.")
        return neighborhood(self.graph_def, name, degree)


def subgraph(graph_def: tf.compat.v1.GraphDef, names: Iterable[str]) -> tf.compat.v1.GraphDef:
    """`graph_def` cut to the nodes `names` and everything they read (data and control inputs),
    in the original order: tf.compat.v1's extract_sub_graph without its deprecation warning."""
    names = list(names)
    present = {n.name for n in graph_def.node}
    missing = [n for n in names if n not in present]
    if missing:
        raise KeyError(f"{missing} are not in the graph.")
    keep = upstream_nodes(graph_def, names)
    out = tf.compat.v1.GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.library.CopyFrom(graph_def.library)
    out.node.extend(n for n in graph_def.node if n.name in keep)
    return out


# -- shapes and freezing ---------------------------------------------------------------------------
def forget_xy(t: tf.Tensor) -> tf.Tensor:
    """Drop the static height/width (keep batch and channels) so one graph serves every image size."""
    return tf.compat.v1.placeholder_with_default(t, [t.shape[0], None, None, t.shape[-1]])


def frozen_default_graph_def(input_node_names: List[str], output_node_names: List[str]) -> tf.compat.v1.GraphDef:
    """Lucid's path for tf.compat.v1 code: the default Session's graph with its variables turned
    into constants and devices cleared. `input_node_names` is Lucid's argument; Model.save checks
    and prunes to the inputs and outputs itself."""
    sess = tf.compat.v1.get_default_session()
    if tf.executing_eagerly() or sess is None:
        raise ValueError(
            "Model.save needs the graph to save: TF2 has no default graph/Session. Pass model= "
            "(a Keras model or tf.function taking one NHWC float image) or graph_def= (e.g. from "
            "modelzoo.saving.freeze(model)). Inside tf.compat.v1 graph code with a default Session, "
            "the default graph is frozen as in Lucid.")
    graph_def = sess.graph.as_graph_def()
    if not graph_def.node:
        raise ValueError("The default graph is empty: build the model in the Session's graph first.")
    outputs = [node_name(n) for n in output_node_names]
    variables = [v.op.name for v in tf.compat.v1.global_variables()]
    frozen = tf.compat.v1.graph_util.convert_variables_to_constants(
        sess, graph_def, outputs, variable_names_whitelist=variables)
    for node in frozen.node:
        node.device = ""
    return frozen


# -- metadata inside the graph -------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    """`value` with NumPy arrays/scalars and Layer objects turned into JSON types."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "depth") and hasattr(value, "tags"):  # Layer
        return {"name": value.name, "depth": _jsonable(value.depth), "tags": sorted(value.tags)}
    return value


def to_json(value: Any, **kwargs: Any) -> str:
    """json.dumps of `value` after _jsonable (NumPy values and Layers allowed), keys sorted."""
    return json.dumps(_jsonable(value), sort_keys=True, **kwargs)


def infuse_metadata(graph_def: tf.compat.v1.GraphDef, info: Dict[str, Any]) -> None:
    """Append `info` (JSON-able; NumPy arrays allowed) to `graph_def` as Lucid's string constant
    node `lucid_metadata_json`, so the graph documents how to feed it."""
    temp = tf.Graph()
    with temp.as_default():
        tf.constant(to_json(info), name=METADATA_NODE)
    graph_def.node.extend([temp.as_graph_def().node[0]])


def extract_metadata(graph_def: tf.compat.v1.GraphDef) -> Optional[Dict[str, Any]]:
    """The metadata infused into `graph_def` (Lucid's node, or this project's older one), or None."""
    for name in METADATA_NODES:
        for node in graph_def.node:
            if node.name == name:
                return json.loads(node.attr["value"].tensor.string_val[0].decode("utf-8"))
    return None
