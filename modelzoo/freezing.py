"""Freeze a TF2 model (Keras model, tf.function, ConcreteFunction) into a constant GraphDef.

TF2 has no default graph to freeze as Lucid did, so the graph is traced from the model. Keras
layer outputs get their layers' names, so `"conv1"` is the activation of Keras layer `conv1`.
"""
import warnings
from typing import Optional

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from modelzoo.types import Freezable, ImageShape


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


def freeze(model_or_fn: Freezable, input_name: str = "input",
           image_shape: Optional[ImageShape] = None) -> tf.compat.v1.GraphDef:
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


