"""Turn a user's own TF2 / Keras model into a model-zoo entry: freeze, save, load, suggest.

Lucid froze the TF1 default graph of a live `Session` (`Model.save`) and stored the metadata a
`Model` needs (input name, image shape, value range) as a JSON string constant inside the
GraphDef. TF2 has no default graph, so the graph comes from a Keras model or `tf.function`
(`freeze`) or from a GraphDef the caller already has. `Model.save / load / load_from_metadata /
load_from_graphdef / load_from_manifest / suggest_save_args` (in vision_base) delegate here.

Finding layer names: `freeze` renames the op producing each Keras layer's output to the layer's
own name, so Keras layer `conv1` (with `activation="relu"`) becomes the Relu op `conv1` and its
activations are `"conv1"` / `"conv1:0"`. For other graphs, `list_layer_ops(graph_def)` lists the
candidate activation ops (Relu, Softmax, BiasAdd, ...) with their channel depths.
"""
import json
import os
import re
import warnings

import numpy as np
import tensorflow as tf

from lucid_vgg.misc.io.writing import atomic_write_bytes
from modelzoo.vision_base import Model
from modelzoo.weights.graph_builder import METADATA_NODE, read_metadata

#: Lucid's own metadata node name: graphs saved by Lucid's Model.save load here too.
LUCID_METADATA_NODE = "lucid_metadata_json"

#: Op types `list_layer_ops` reports by default (activation-like outputs a user may visualise).
LAYER_OP_TYPES = ("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Softmax", "Sigmoid", "Tanh",
                  "BiasAdd", "Conv2D", "DepthwiseConv2dNative", "MatMul", "MaxPool", "AvgPool",
                  "FusedBatchNormV3", "AddV2", "ConcatV2", "Identity")

#: Op types whose outputs become a loaded model's `layers` when its metadata lists none.
DERIVED_LAYER_OPS = ("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Softmax")

_REQUIRED_METADATA = ("input_name", "image_shape", "image_value_range")


# -- freezing -------------------------------------------------------------------------------------
def _channels(model_or_fn, image_shape):
    if image_shape is not None:
        return int(image_shape[-1])
    shape = getattr(model_or_fn, "input_shape", None)
    if isinstance(shape, (tuple, list)) and shape and isinstance(shape[-1], int):
        return int(shape[-1])
    return 3


def _fixed_spec(model_or_fn, image_shape, input_name):
    """[None, h, w, c] from image_shape or the Keras model's declared input, for models that need it."""
    shape = list(image_shape) if image_shape is not None else None
    if shape is None:
        declared = getattr(model_or_fn, "input_shape", None)
        if isinstance(declared, (tuple, list)) and len(declared) == 4:
            shape = list(declared[1:])
    if shape is None or len(shape) != 3:
        return None
    return tf.TensorSpec([None] + shape, tf.float32, name=input_name)


def _keras_layer_outputs(model):
    """(layer names, functional model returning every layer's output), or (None, None)."""
    try:
        import keras
    except ImportError:  # pragma: no cover - keras ships with TF 2.16+
        return None, None
    if not isinstance(model, keras.Model):
        return None, None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None, None
    if not inputs or len(inputs) != 1:
        return None, None
    names, outputs = [], []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        try:
            out = layer.output
        except (AttributeError, ValueError):  # shared layer (several call sites) or not built
            continue
        if isinstance(out, (list, tuple, dict)):  # multi-output layer: no single name to give
            continue
        names.append(layer.name)
        outputs.append(out)
    if not outputs:
        return None, None
    return names, keras.Model(inputs, outputs)


def _trace(fn, specs):
    errors = []
    for spec in specs:
        if spec is None:
            continue
        try:
            return fn.get_concrete_function(spec)
        except Exception as e:  # noqa: BLE001 - report every attempt below
            errors.append(f"{spec.shape}: {type(e).__name__}: {e}")
    raise ValueError("Could not trace the model on a float32 NHWC image (tried "
                     + "; ".join(errors) + "). Pass image_shape=[h, w, c] if it needs a fixed size.")


def freeze(model_or_fn, input_name="input", image_shape=None):
    """Freeze a Keras model, `tf.function`, ConcreteFunction or callable into a constant GraphDef.

    The model must take one float NHWC image batch. The input placeholder is named `input_name`
    and has unknown batch/height/width when the model traces that way, so conv layers work on
    any image size (else the fixed `image_shape` [h, w, c] or the Keras model's declared input
    size is used; `image_shape` also gives the channel count). A ConcreteFunction is frozen as
    traced, its input renamed to `input_name`. Variables become
    constants (`convert_variables_to_constants_v2`). For Keras models with a functional graph
    (Sequential with an input shape, functional `keras.Model`), the op producing each layer's
    output is renamed to the layer's name (`model.get_layer("conv1").output` -> op `"conv1"`).
    Other graphs keep TF's op names: see `list_layer_ops` to find them.
    """
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    layer_names = None
    if isinstance(model_or_fn, tf.types.experimental.ConcreteFunction):
        concrete = model_or_fn
    else:
        layer_names, all_outputs = _keras_layer_outputs(model_or_fn)
        target = all_outputs if all_outputs is not None else model_or_fn
        if isinstance(target, tf.types.experimental.PolymorphicFunction):
            fn = target
        elif hasattr(target, "layers") or hasattr(target, "trainable_variables"):
            fn = tf.function(lambda x: target(x, training=False))  # Keras: inference mode
        elif callable(target):
            fn = tf.function(target)
        else:
            raise TypeError(f"freeze() needs a Keras model, tf.function, ConcreteFunction or callable; "
                            f"got {type(model_or_fn).__name__}.")
        free = tf.TensorSpec([None, None, None, _channels(model_or_fn, image_shape)], tf.float32,
                             name=input_name)
        fixed = _fixed_spec(model_or_fn, image_shape, input_name)
        concrete = _trace(fn, [free, fixed])
    frozen = convert_variables_to_constants_v2(concrete)
    graph_def = frozen.graph.as_graph_def()

    placeholders = [n for n in graph_def.node if n.op == "Placeholder"]
    if len(placeholders) != 1:
        raise ValueError(f"freeze() expects a model with exactly one image input; the frozen graph has "
                         f"{len(placeholders)} placeholders: {[n.name for n in placeholders]}.")
    if placeholders[0].name != input_name:
        _rename_node(graph_def, placeholders[0].name, input_name)
    if layer_names is not None:
        outputs = [t.op.name for t in frozen.outputs]
        _name_layer_outputs(graph_def, outputs, layer_names)
    for node in graph_def.node:
        node.device = ""
    return graph_def


def _split(ref):
    """'^a' / 'a' / 'a:1' -> (is_control, op name, output index)."""
    control = ref.startswith("^")
    ref = ref.lstrip("^")
    op, _, idx = ref.partition(":")
    return control, op, int(idx or 0)


def _rename_node(graph_def, old, new):
    if any(n.name == new for n in graph_def.node):
        raise ValueError(f"Cannot rename {old!r} to {new!r}: a node named {new!r} already exists.")
    for node in graph_def.node:
        if node.name == old:
            node.name = new
        for i, ref in enumerate(node.input):
            control, op, idx = _split(ref)
            if op == old:
                node.input[i] = ("^" + new) if control else (new if idx == 0 else f"{new}:{idx}")


def _name_layer_outputs(graph_def, output_ops, layer_names):
    """Give each Keras layer output its layer's name; drop the function's output Identities."""
    by_name = {n.name: n for n in graph_def.node}
    taken = set(by_name)
    drop = set(output_ops)
    renamed = {}  # source tensor ref -> current name holding it
    for out_op, lname in zip(output_ops, layer_names):
        ident = by_name[out_op]
        _, src, idx = _split(ident.input[0])
        src_ref = f"{src}:{idx}"
        if lname in taken and lname != src:
            warnings.warn(f"Keras layer {lname!r}: a graph node already has that name; its output keeps "
                          f"the op name {src!r}.", stacklevel=3)
            continue
        src_node = by_name.get(src)
        if (idx == 0 and src_node is not None and src_node.op != "Placeholder"
                and src_ref not in renamed and src not in drop):
            _rename_node(graph_def, src, lname)  # also rewires later output Identities to lname
            by_name[lname] = by_name.pop(src)
            renamed[f"{lname}:0"] = lname
        else:  # same tensor as an earlier layer (e.g. Dropout at inference), or the input: alias it
            current = renamed.get(src_ref, src if idx == 0 else src_ref)
            alias = graph_def.node.add(name=lname, op="Identity", input=[current])
            alias.attr["T"].CopyFrom(ident.attr["T"])
            for node in graph_def.node:
                if node is alias or node.name in drop:
                    continue
                for i, ref in enumerate(node.input):
                    control, op, oidx = _split(ref)
                    if not control and f"{op}:{oidx}" == (current if ":" in current else current + ":0"):
                        node.input[i] = lname
            by_name[lname] = alias
            renamed[src_ref] = lname
        taken.add(lname)
    keep = [n for n in graph_def.node if n.name not in drop and n.op != "NoOp"]
    kept = {n.name for n in keep}
    for node in keep:  # the NoOp only held control deps on variable reads, gone after freezing
        node.input[:] = [r for r in node.input if not (r.startswith("^") and r[1:] not in kept)]
    del graph_def.node[:]
    graph_def.node.extend(keep)


# -- inspecting ----------------------------------------------------------------------------------
def _import_for_shapes(graph_def):
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    return graph


def list_layer_ops(graph_def, op_types=LAYER_OP_TYPES):
    """Candidate activation ops of a frozen graph, in graph order, as dicts.

    Each dict has `name` (use it as the layer name: `"name"` or `"name:0"`), `op` (type),
    `shape` (static, None where unknown, from importing the graph) and `depth` (last dimension:
    channels for conv outputs, units for dense ones). `op_types=None` lists every op.
    """
    graph = _import_for_shapes(graph_def)
    downstream = set()  # ops fed (transitively) by an input: skips weight constants and their reads
    found = []
    for op in graph.get_operations():  # import order is topological
        if op.type == "Placeholder" or any(t.op.name in downstream for t in op.inputs):
            downstream.add(op.name)
        if op.name not in downstream or op.type == "Placeholder" or not op.outputs:
            continue
        if op_types is not None and op.type not in op_types:
            continue
        shape = op.outputs[0].shape
        dims = shape.as_list() if shape.rank is not None else None
        depth = dims[-1] if dims else None
        found.append({"name": op.name, "op": op.type, "shape": dims, "depth": depth})
    return found


def derive_layers(graph_def):
    """Lucid-style layer dicts from a graph's Relu-family and Softmax ops (conv when 4-D, else dense)."""
    layers = []
    for entry in list_layer_ops(graph_def, DERIVED_LAYER_OPS):
        rank = len(entry["shape"]) if entry["shape"] is not None else None
        layers.append({"name": entry["name"], "depth": entry["depth"],
                       "tags": ["conv"] if rank == 4 else ["dense"]})
    return layers


def extract_metadata(graph_def):
    """The metadata stored by Model.save (this project's node, or Lucid's original one), or None."""
    meta = read_metadata(graph_def)
    if meta is not None:
        return meta
    for node in graph_def.node:
        if node.name == LUCID_METADATA_NODE:
            return json.loads(node.attr["value"].tensor.string_val[0].decode("utf-8"))
    return None


def _jsonable(value):
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


def infuse_metadata(graph_def, info):
    """Append `info` (JSON-able; NumPy arrays allowed) to `graph_def` as a string constant node."""
    temp = tf.Graph()
    with temp.as_default():
        tf.constant(json.dumps(_jsonable(info), sort_keys=True), name=METADATA_NODE)
    graph_def.node.extend([temp.as_graph_def().node[0]])


# -- saving --------------------------------------------------------------------------------------
def _strip(name):
    name = str(name)
    return name[:-2] if name.endswith(":0") else name


def _missing(graph_def, names, what):
    import difflib

    have = [n.name for n in graph_def.node]
    have_set = set(have)
    for name in names:
        if name.split(":")[0] not in have_set:
            close = difflib.get_close_matches(name, have, n=3, cutoff=0.4)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"{what} {name!r} is not a node of the graph.{hint} "
                             "modelzoo.saving.list_layer_ops(graph_def) lists candidate layer ops.")


def _default_session_graph_def(output_names):
    """Lucid's path: freeze the TF1 default graph of the default Session (tf.compat.v1 code)."""
    sess = tf.compat.v1.get_default_session()
    if tf.executing_eagerly() or sess is None:
        raise ValueError(
            "Model.save needs the graph to save: TF2 has no default graph/Session. Pass model= "
            "(a Keras model or tf.function taking one NHWC float image) or graph_def= (e.g. from "
            "modelzoo.saving.freeze(model)). Inside tf.compat.v1 graph code with a default Session, "
            "the default graph is frozen as in Lucid.")
    graph_def = sess.graph.as_graph_def()
    variables = [v.op.name for v in tf.compat.v1.global_variables()]
    return tf.compat.v1.graph_util.convert_variables_to_constants(
        sess, graph_def, [n.split(":")[0] for n in output_names], variable_names_whitelist=variables)


def subgraph(graph_def, names):
    """`graph_def` cut to the nodes `names` and everything they read (data and control inputs),
    in the original order. What tf.compat.v1 extract_sub_graph does, without its deprecation
    warning on every render."""
    by_name = {n.name: n for n in graph_def.node}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise KeyError(f"{missing} are not in the graph.")
    keep, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo.extend(i.lstrip("^").split(":")[0] for i in by_name[name].input)
    out = tf.compat.v1.GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.library.CopyFrom(graph_def.library)
    out.node.extend(n for n in graph_def.node if n.name in keep)
    return out


def _write_atomic(path, data):
    path = os.fspath(path)
    if "://" in path:  # gs:// etc.: tf.io.gfile, temp name then rename
        tmp = f"{path}.tmp{os.getpid()}"
        with tf.io.gfile.GFile(tmp, "wb") as f:
            f.write(data)
        tf.io.gfile.rename(tmp, path, overwrite=True)
        return
    atomic_write_bytes(path, data)


def prepare_graph_def(input_name, output_names, image_shape, image_value_range, graph_def=None,
                      model=None, layers=None, is_BGR=False):
    """The GraphDef Model.save writes: frozen, pruned to `output_names`, metadata infused."""
    if isinstance(output_names, str):
        output_names = [output_names]
    output_names = [_strip(n) for n in output_names]
    if not output_names:
        raise ValueError("output_names is empty: name the op(s) the saved graph must keep, e.g. ['prob'].")
    if image_shape is None or len(image_shape) != 3:
        raise ValueError(f"image_shape must be [height, width, channels], got {image_shape!r}.")
    if image_value_range is None or len(image_value_range) != 2:
        raise ValueError("image_value_range must be (low, high), e.g. (0, 1), (-1, 1), (0, 255) or "
                         f"(-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR); got {image_value_range!r}.")
    if graph_def is not None and model is not None:
        raise ValueError("Pass either graph_def= or model=, not both.")
    if model is not None:
        graph_def = freeze(model, input_name=input_name, image_shape=image_shape)
    elif graph_def is None:
        graph_def = _default_session_graph_def(output_names)
    elif not isinstance(graph_def, tf.compat.v1.GraphDef):
        raise TypeError(f"graph_def must be a tf.compat.v1.GraphDef, got {type(graph_def).__name__}; "
                        "pass Keras models / tf.functions as model=.")
    _missing(graph_def, [input_name], "input_name")
    _missing(graph_def, output_names, "output name")
    pruned = subgraph(graph_def, [n.split(":")[0] for n in output_names])
    if input_name not in {n.name for n in pruned.node}:
        raise ValueError(f"The outputs {output_names} do not depend on input_name {input_name!r}; "
                         "check the names (suggest_save_args(graph_def) guesses them).")
    variables = [n.name for n in pruned.node if n.op in ("VariableV2", "VarHandleOp", "Variable")]
    if variables:
        raise ValueError(f"graph_def still has variables ({variables[:3]}...); freeze it first "
                         "(modelzoo.saving.freeze(model) or pass model=).")
    for node in pruned.node:
        node.device = ""
    metadata = {"input_name": input_name, "image_shape": list(image_shape),
                "image_value_range": image_value_range}
    if layers is not None:
        metadata["layers"] = list(layers)
        _missing(pruned, [_layer_name(entry) for entry in layers], "layer")
    if is_BGR:
        metadata["is_BGR"] = True
    infuse_metadata(pruned, metadata)
    _import_for_shapes(pruned)  # fail here, not at load time, if the graph does not import
    return pruned


def _layer_name(entry):
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        return entry["name"]
    return entry.name


def save(save_url, input_name, output_names, image_shape, image_value_range, graph_def=None,
         model=None, layers=None, is_BGR=False):
    """Model.save: freeze/prune/infuse (see prepare_graph_def) and write `save_url` atomically."""
    pruned = prepare_graph_def(input_name, output_names, image_shape, image_value_range, graph_def,
                               model, layers, is_BGR)
    _write_atomic(save_url, pruned.SerializeToString())


def write_manifest(manifest_url, model_path, input_name, image_shape, image_value_range, layers=None,
                   **extra):
    """Write a Lucid-style `manifest.json` (type 'frozen') for Model.load / load_from_manifest.

    A relative `model_path` (e.g. "./graph.pb") is resolved against the manifest's folder on load.
    `extra` keys (is_BGR, labels_path, dataset, ...) become attributes of the loaded model.
    """
    manifest = {"type": "frozen", "model_path": model_path, "input_name": input_name,
                "image_shape": list(image_shape), "image_value_range": image_value_range}
    if layers is not None:
        manifest["layers"] = list(layers)
    manifest.update(extra)
    _write_atomic(manifest_url, json.dumps(_jsonable(manifest), indent=1, sort_keys=True).encode("utf-8"))


# -- loading -------------------------------------------------------------------------------------
def _is_url(path):
    return str(path).startswith(("http://", "https://", "file://"))


def read_graph_def(url):
    """A GraphDef from a local path or http(s) URL (downloaded into the cache), devices cleared."""
    from modelzoo.weights.download import fetch
    from modelzoo.weights.graph_file import load_graph_def_file

    path = os.fspath(url)
    if _is_url(path):
        path = fetch(path)
    graph_def = load_graph_def_file(path)
    for node in graph_def.node:
        node.device = ""
    return graph_def


class SavedGraphModel(Model):
    """Base of models built by Model.load*: `layers` come from the metadata or, if it has none,
    from the graph's Relu/Softmax ops (read lazily, with depths from static shapes)."""

    _layer_names = None  # names-only layer list (manifest); depths then come from the graph

    def _derived_layers(self):
        cached = self.__dict__.get("_layers_cache")
        if cached is None:
            from modelzoo.vision_base import _as_layers

            entries = derive_layers(self.graph_def) if self._layer_names is None else [
                {"name": n, "depth": d, "tags": t} for n, d, t in self._depths(self._layer_names)]
            cached = _as_layers(type(self), entries)
            self.__dict__["_layers_cache"] = cached
        return cached

    def _depths(self, names):
        ops = {e["name"]: e for e in list_layer_ops(self.graph_def, op_types=None)}
        for name in names:
            e = ops.get(name.split(":")[0], {})
            rank = len(e["shape"]) if e.get("shape") is not None else None
            yield name, e.get("depth"), ["conv"] if rank == 4 else ["dense"] if rank == 2 else []


# Set after class creation so Model.__init_subclass__ does not treat it as a layer list; dynamic
# subclasses whose metadata lists layers override it with a plain tuple.
SavedGraphModel.layers = property(SavedGraphModel._derived_layers)


def _class_name(url):
    stem = os.path.splitext(os.path.basename(str(url).rstrip("/")))[0] or "DynamicModel"
    name = re.sub(r"\W", "_", stem)
    return name if name[0].isalpha() or name[0] == "_" else "_" + name


def _dynamic_model(model_url, attrs, graph_def=None):
    attrs = dict(attrs)
    layers = attrs.pop("layers", None)
    if layers:
        if all(isinstance(entry, str) for entry in layers):
            attrs["_layer_names"] = tuple(layers)
        else:
            attrs["layers"] = [dict(e, tags=e.get("tags", [])) if isinstance(e, dict) else e for e in layers]
    attrs.setdefault("modelname", _class_name(model_url))
    attrs["model_path"] = model_url
    cls = type(_class_name(model_url), (SavedGraphModel,), attrs)
    model = cls()
    if graph_def is not None:
        model._graph_def = graph_def
    return model


def _check_value_range(value_range, where):
    """(low, high) with low < high everywhere (per channel when they are vectors)."""
    try:
        lo, hi = (np.asarray(v, np.float64) for v in value_range)
        ordered = bool(np.all(lo < hi))
    except (TypeError, ValueError):
        raise ValueError(f"image_value_range for {where} must be (low, high), e.g. (0, 1); "
                         f"got {value_range!r}.") from None
    if not ordered:
        raise ValueError(f"image_value_range for {where} is out of order: low must be below high, "
                         f"got {value_range!r}; e.g. (0, 1), (-1, 1) or (0, 255).")


def _metadata_attrs(metadata, where):
    missing = [k for k in _REQUIRED_METADATA if k not in metadata]
    if missing:
        raise ValueError(f"Metadata for {where} lacks {missing}; it needs input_name, image_shape and "
                         "image_value_range (e.g. {'input_name': 'input', 'image_shape': [224, 224, 3], "
                         "'image_value_range': [0, 1]}).")
    attrs = {k: metadata[k] for k in _REQUIRED_METADATA}
    attrs["image_shape"] = list(attrs["image_shape"])
    attrs["image_value_range"] = tuple(attrs["image_value_range"])
    _check_value_range(attrs["image_value_range"], where)
    attrs["is_BGR"] = bool(metadata.get("is_BGR", False))
    if metadata.get("layers"):
        attrs["layers"] = list(metadata["layers"])
    return attrs


def load_from_metadata(model_url, metadata):
    """A Model for the frozen graph at `model_url` described by `metadata` (graph read lazily)."""
    return _dynamic_model(model_url, _metadata_attrs(metadata, model_url))


_NO_METADATA = (
    "{url} has no Lucid metadata node, so Model.load / load_from_graphdef cannot know its input. "
    "Only graphs written by Model.save carry it. Describe the graph yourself with "
    "Model.load_from_metadata({url!r}, {{'input_name': 'input', 'image_shape': [224, 224, 3], "
    "'image_value_range': [0, 1]}}) (Model.suggest_save_args(graph_def) guesses these), or re-save "
    "it with Model.save(...).")


def load_from_graphdef(graphdef_url):
    """Model.load for a .pb written by Model.save: metadata read from the graph itself."""
    graph_def = read_graph_def(graphdef_url)
    metadata = extract_metadata(graph_def)
    if not metadata or "input_name" not in metadata:
        raise ValueError(_NO_METADATA.format(url=graphdef_url))
    return _dynamic_model(graphdef_url, _metadata_attrs(metadata, graphdef_url), graph_def)


def _read_text(url):
    from modelzoo.weights.download import fetch

    path = fetch(url) if _is_url(url) else os.fspath(url)
    with open(path, encoding="utf-8") as f:
        return f.read()


_RESERVED = {"name", "graph_def", "labels", "layer_names", "type"}


def load_from_manifest(manifest_url):
    """A Model from a Lucid `manifest.json` (type 'frozen'); relative model_path is next to it."""
    try:
        manifest = json.loads(_read_text(manifest_url))
    except (OSError, ValueError) as e:
        raise ValueError(f"Could not read the manifest {manifest_url}: {e}") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"The manifest {manifest_url} must be a JSON object.")
    kind = manifest.get("type", "frozen")
    if kind != "frozen":
        raise NotImplementedError(f"Manifest type {kind!r} ({manifest_url}) is not supported; only 'frozen'.")
    attrs = _metadata_attrs(manifest, manifest_url)
    attrs.update({k: v for k, v in manifest.items() if k not in _REQUIRED_METADATA + ("layers", "model_path")
                  and k not in _RESERVED})
    attrs["manifest"] = manifest
    model_path = str(manifest.get("model_path", "graph.pb"))
    if "://" not in model_path and not os.path.isabs(model_path):
        if _is_url(manifest_url):
            from urllib.parse import urljoin
            model_path = urljoin(str(manifest_url), model_path)
        else:
            model_path = os.path.join(os.path.dirname(os.path.abspath(manifest_url)), model_path)
            model_path = os.path.normpath(model_path)
    return _dynamic_model(model_path, attrs)


def load(url):
    """Model.load: `.pb` -> load_from_graphdef, `.json` -> load_from_manifest."""
    url_s = str(url)
    if url_s.endswith(".pb"):
        return load_from_graphdef(url_s)
    if url_s.endswith(".json"):
        return load_from_manifest(url_s)
    raise ValueError(f"Model.load({url_s!r}): expected a .pb frozen graph (from Model.save) or a .json "
                     "manifest; for another file use Model.load_from_metadata(url, metadata).")


# -- suggesting save arguments ------------------------------------------------------------------
def _neighborhood(graph_def, start, degree):
    by_name = {n.name: n for n in graph_def.node}
    consumers = {}
    for n in graph_def.node:
        for ref in n.input:
            consumers.setdefault(_split(ref)[1], []).append(n)
    seen, frontier = {start.name: start}, [start]
    for _ in range(degree):
        nxt = []
        for n in frontier:
            near = [by_name[_split(r)[1]] for r in n.input if _split(r)[1] in by_name]
            for m in near + consumers.get(n.name, []):
                if m.name not in seen:
                    seen[m.name] = m
                    nxt.append(m)
        frontier = nxt
    return list(seen.values())


def suggest_save_args(graph_def=None, verbose=True):
    """Guess Model.save arguments from a GraphDef, print the suggested call and return the dict.

    input_name: the only float Placeholder (or a division by 255 next to an integer one);
    image_shape: that placeholder's static shape when fully known; output_names: every Softmax.
    image_value_range is never guessed from a float input: check it, it is the most common bug.
    A Keras model or tf.function may be passed instead of a GraphDef: it is frozen first.
    """
    if graph_def is None:
        raise ValueError("suggest_save_args needs a graph_def: TF2 has no default graph. Pass one, e.g. "
                         "Model.suggest_save_args(modelzoo.saving.freeze(keras_model)), or the model itself.")
    if not isinstance(graph_def, tf.compat.v1.GraphDef):
        if not callable(graph_def):
            raise TypeError(f"suggest_save_args needs a GraphDef or model, got {type(graph_def).__name__}.")
        model, graph_def = graph_def, freeze(graph_def)
    else:
        model = None
    say = print if verbose else (lambda *a, **k: None)
    info = dict.fromkeys(("input_name", "image_shape", "output_names", "image_value_range"))
    placeholders = [n for n in graph_def.node if n.op == "Placeholder"]
    if len(placeholders) == 1:
        node = placeholders[0]
        dtype = tf.dtypes.as_dtype(node.attr["dtype"].type)
        if dtype.is_floating:
            info["input_name"] = node.name
            say(f"Inferred: input_name = {node.name} (because it was the only Placeholder in the graph_def)")
        else:
            say(f"Warning: found a single Placeholder, but its dtype is {dtype.name}. Lucid's "
                "parameterizations can only replace float inputs; looking for a division by 255 nearby...")
            near = _neighborhood(graph_def, node, degree=5)
            divs = [n for n in near if n.op in ("RealDiv", "Div")]
            consts = [n for n in near if n.op == "Const"]
            magic = any(255 in list(c.attr["value"].tensor.int_val)
                        or 255.0 in list(c.attr["value"].tensor.float_val) for c in consts)
            if divs and magic and len(divs) == 1:
                info["input_name"] = divs[0].name
                info["image_value_range"] = (0, 1)
                say(f"Guessed: input_name = {divs[0].name} (the only division by 255 near the placeholder)")
                say("Guessed: image_value_range = (0, 1) (because you divide by 255 near the placeholder)")
            elif divs and magic:
                warnings.warn("Could not infer input_name: several divisions near the only placeholder: "
                              f"{[n.name for n in divs]}", stacklevel=2)
    else:
        warnings.warn(f"Could not infer input_name: the graph has {len(placeholders)} Placeholders "
                      f"({[n.name for n in placeholders]}).", stacklevel=2)
    if info["input_name"] is not None:
        node = next(n for n in graph_def.node if n.name == info["input_name"])
        shape = [d.size for d in node.attr["shape"].shape.dim]
        if len(shape) in (3, 4):
            shape = shape[1:] if len(shape) == 4 else shape
            if -1 not in shape:
                info["image_shape"] = shape
                say(f"Inferred: image_shape = {shape}")
        declared = getattr(model, "input_shape", None)
        if info["image_shape"] is None and isinstance(declared, tuple) and len(declared) == 4 \
                and all(isinstance(d, int) for d in declared[1:]):
            info["image_shape"] = list(declared[1:])
            say(f"Inferred: image_shape = {info['image_shape']} (the Keras model's declared input shape)")
        if info["image_shape"] is None:
            warnings.warn("Could not infer image_shape (the input's height/width are not fixed); give the "
                          "size the model was trained on.", stacklevel=2)
    softmax = [n.name for n in graph_def.node if n.op == "Softmax"]
    if softmax:
        info["output_names"] = softmax
        say(f"Inferred: output_names = {softmax}  (because those are all the Softmax ops)")
    else:
        warnings.warn("Could not infer output_names (no Softmax op).", stacklevel=2)
    examples = {"input_name": "input", "image_shape": [224, 224, 3], "output_names": ["logits"],
                "image_value_range": "[-1, 1], [0, 1], [0, 255], or [-117, 138]"}
    report = ["# Please sanity check all inferred values before using this code.",
              "# Incorrect `image_value_range` is the most common cause of feature visualization bugs! "
              "Most methods will fail silently with incorrect visualizations!",
              "Model.save(", "    'saved_model.pb',"]
    for key, value in info.items():
        if value is not None:
            report.append(f"    {key}={value!r},")
        else:
            report.append(f"    {key}=_,                   # TODO (eg. {examples[key]!r})")
    report.append("    graph_def=graph_def,  # or model=your_keras_model")
    report.append("  )")
    say("\n".join(report))
    return info
