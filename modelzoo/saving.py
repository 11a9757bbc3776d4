"""Model.save: turn a user's own TF2 / Keras model or GraphDef into a frozen, self-describing .pb.

Lucid froze the TF1 default graph of a live Session and stored the metadata a Model needs
(input name, image shape, value range) as a JSON constant inside the GraphDef; here the graph
comes from `model=` (frozen by `freeze`), `graph_def=`, or, in tf.compat.v1 code, the default
Session. Finding layer names: `freeze` names each Keras layer's output op after the layer; for
other graphs `list_layer_ops(graph_def)` lists the candidate activation ops with their depths.
"""
import difflib
import errno
import os
from typing import Any, Dict, Optional, Sequence, Union

import tensorflow as tf

from modelzoo.fileio import PathLike, WriteError, atomic_write_bytes
from modelzoo.freezing import freeze
from modelzoo.layer_ops import import_for_shapes, list_layer_ops
from modelzoo.types import Freezable, ImageShape, LayerEntries, ValueRange
from modelzoo.util import (frozen_default_graph_def, infuse_metadata, load_graphdef, node_name,
                           serialize_graph_def, subgraph)

__all__ = ["save", "prepare_graph_def", "freeze", "list_layer_ops", "read_graph_def"]

#: modelzoo.util.load_graphdef under the name the modelzoo notebook uses.
read_graph_def = load_graphdef


def _strip(name):
    name = str(name)
    return name[:-2] if name.endswith(":0") else name


def _missing(graph_def, names, what):
    """ValueError (with close matches) for the first of `names` that is not a node of the graph."""
    have = [n.name for n in graph_def.node]
    have_set = set(have)
    for name in names:
        if node_name(name) not in have_set:
            close = difflib.get_close_matches(name, have, n=3, cutoff=0.4)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"{what} {name!r} is not a node of the graph.{hint} "
                             "modelzoo.saving.list_layer_ops(graph_def) lists candidate layer ops.")


def _write_atomic(path, data):
    path = os.fspath(path)
    if "://" in path:  # gs:// etc.: tf.io.gfile, temp name then rename
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            with tf.io.gfile.GFile(tmp, "wb") as f:
                f.write(data)
            tf.io.gfile.rename(tmp, path, overwrite=True)
        except tf.errors.OpError as e:
            raise WriteError(errno.EIO, f"Could not write {path}: {e.message}; check the URL, "
                                        "your credentials, or save to a local path.") from None
        return
    atomic_write_bytes(path, data)


def _layer_name(entry):
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        return entry["name"]
    return entry.name


def _check_save_args(output_names, image_shape, image_value_range, graph_def, model):
    if not output_names:
        raise ValueError("output_names is empty: name the op(s) the saved graph must keep, e.g. ['prob'].")
    if image_shape is None or len(image_shape) != 3:
        raise ValueError(f"image_shape must be [height, width, channels], got {image_shape!r}.")
    if image_value_range is None or len(image_value_range) != 2:
        raise ValueError("image_value_range must be (low, high), e.g. (0, 1), (-1, 1), (0, 255) or "
                         f"(-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR); got {image_value_range!r}.")
    if graph_def is not None and model is not None:
        raise ValueError("Pass either graph_def= or model=, not both.")


def _source_graph_def(input_name, output_names, image_shape, graph_def, model):
    """The graph to save: model= frozen, graph_def= as given, else the default Session's (Lucid)."""
    if model is not None:
        return freeze(model, input_name=input_name, image_shape=image_shape)
    if graph_def is None:
        return frozen_default_graph_def([input_name], output_names)
    if not isinstance(graph_def, tf.compat.v1.GraphDef):
        raise TypeError(f"graph_def must be a tf.compat.v1.GraphDef, got {type(graph_def).__name__}; "
                        "pass Keras models / tf.functions as model=.")
    return graph_def


def prepare_graph_def(input_name: str, output_names: Union[str, Sequence[str]], image_shape: ImageShape,
                      image_value_range: ValueRange, graph_def: Optional[tf.compat.v1.GraphDef] = None,
                      model: Optional[Freezable] = None, layers: Optional[LayerEntries] = None,
                      is_BGR: bool = False) -> tf.compat.v1.GraphDef:
    """The GraphDef Model.save writes: frozen, pruned to `output_names`, metadata infused."""
    if isinstance(output_names, str):
        output_names = [output_names]
    output_names = [_strip(n) for n in output_names]
    _check_save_args(output_names, image_shape, image_value_range, graph_def, model)
    graph_def = _source_graph_def(input_name, output_names, image_shape, graph_def, model)
    _missing(graph_def, [input_name], "input_name")
    _missing(graph_def, output_names, "output name")
    pruned = subgraph(graph_def, [node_name(n) for n in output_names])
    if input_name not in {n.name for n in pruned.node}:
        raise ValueError(f"The outputs {output_names} do not depend on input_name {input_name!r}; "
                         "check the names (suggest_save_args(graph_def) guesses them).")
    variables = [n.name for n in pruned.node if n.op in ("VariableV2", "VarHandleOp", "Variable")]
    if variables:
        raise ValueError(f"graph_def still has variables ({variables[:3]}...); freeze it first "
                         "(modelzoo.saving.freeze(model) or pass model=).")
    for node in pruned.node:
        node.device = ""
    metadata: Dict[str, Any] = {"input_name": input_name, "image_shape": list(image_shape),
                "image_value_range": image_value_range}
    if layers is not None:
        metadata["layers"] = list(layers)
        _missing(pruned, [_layer_name(entry) for entry in layers], "layer")
    if is_BGR:
        metadata["is_BGR"] = True
    infuse_metadata(pruned, metadata)
    import_for_shapes(pruned)  # fail here, not at load time, if the graph does not import
    return pruned


def save(save_url: PathLike, input_name: str, output_names: Union[str, Sequence[str]],
         image_shape: ImageShape, image_value_range: ValueRange,
         graph_def: Optional[tf.compat.v1.GraphDef] = None, model: Optional[Freezable] = None,
         layers: Optional[LayerEntries] = None, is_BGR: bool = False) -> None:
    """Freeze (model=: Keras model / tf.function) or take graph_def=, prune it to output_names,
    store the metadata (input_name, image_shape, image_value_range, optional layers, is_BGR)
    inside the graph and write it atomically to save_url (.pb); Model.load reads it back."""
    pruned = prepare_graph_def(input_name, output_names, image_shape, image_value_range, graph_def,
                               model, layers, is_BGR)
    _write_atomic(save_url, serialize_graph_def(pruned))
