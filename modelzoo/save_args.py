"""Model.suggest_save_args: guess Model.save's arguments from a GraphDef, as Lucid did.

It prints a Model.save(...) call to check and returns the guesses; the image value range is the
one argument it never guesses from a float input, because a wrong one fails silently.
"""
import warnings
from typing import Any, Dict

import tensorflow as tf

from modelzoo.freezing import freeze
from modelzoo.util import neighborhood


def _guess_from_int_input(graph_def, node, info, say):
    """A uint8-style input: the only division by 255 near it becomes input_name, range (0, 1)."""
    say(f"Warning: found a single Placeholder, but its dtype is "
        f"{tf.dtypes.as_dtype(node.attr['dtype'].type).name}. Lucid's parameterizations can only "
        "replace float inputs; looking for a division by 255 nearby...")
    near = neighborhood(graph_def, node.name, degree=5)
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
                      f"{[n.name for n in divs]}", stacklevel=4)


def _guess_input(graph_def, info, say):
    placeholders = [n for n in graph_def.node if n.op == "Placeholder"]
    if len(placeholders) != 1:
        warnings.warn(f"Could not infer input_name: the graph has {len(placeholders)} Placeholders "
                      f"({[n.name for n in placeholders]}).", stacklevel=3)
        return
    node = placeholders[0]
    if tf.dtypes.as_dtype(node.attr["dtype"].type).is_floating:
        info["input_name"] = node.name
        say(f"Inferred: input_name = {node.name} (because it was the only Placeholder in the graph_def)")
    else:
        _guess_from_int_input(graph_def, node, info, say)


def _guess_image_shape(graph_def, model, info, say):
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
                      "size the model was trained on.", stacklevel=3)


def _report(info):
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
    return "\n".join(report)


def suggest_save_args(graph_def: Any = None, verbose: bool = True) -> Dict[str, Any]:
    """Guess Model.save arguments from a GraphDef, print the suggested call and return the dict.

    input_name: the only float Placeholder (or a division by 255 next to an integer one);
    image_shape: that placeholder's static shape when fully known; output_names: every Softmax.
    image_value_range is never guessed from a float input: check it, it is the most common bug.
    A Keras model or tf.function may be passed instead of a GraphDef: it is frozen first.
    """
    if graph_def is None:
        raise ValueError("suggest_save_args needs a graph_def: TF2 has no default graph. Pass one, e.g. "
                         "Model.suggest_save_args(modelzoo.saving.freeze(keras_model)), or the model itself.")
    model = None
    if not isinstance(graph_def, tf.compat.v1.GraphDef):
        if not callable(graph_def):
            raise TypeError(f"suggest_save_args needs a GraphDef or model, got {type(graph_def).__name__}.")
        model, graph_def = graph_def, freeze(graph_def)
    say = print if verbose else (lambda *a, **k: None)
    info = dict.fromkeys(("input_name", "image_shape", "output_names", "image_value_range"))
    _guess_input(graph_def, info, say)
    if info["input_name"] is not None:
        _guess_image_shape(graph_def, model, info, say)
    softmax = [n.name for n in graph_def.node if n.op == "Softmax"]
    if softmax:
        info["output_names"] = softmax
        say(f"Inferred: output_names = {softmax}  (because those are all the Softmax ops)")
    else:
        warnings.warn("Could not infer output_names (no Softmax op).", stacklevel=2)
    say(_report(info))
    return info
