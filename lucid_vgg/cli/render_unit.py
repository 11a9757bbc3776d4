"""`lucid-vgg render "layer:n"`: one unit of VGG16_caffe rendered with `render_vis`, saved as a PNG.

The objective string is read by `objectives.as_objective` (the one parser of "layer:n"), checked
against the model's layer table before anything is traced, then rendered exactly as a user's
`render.render_vis(model, "layer:n", param_f, use_fixed_seed=seed)` call would render it.
"""
import argparse
import re
import sys
from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:  # for annotations only: these import TensorFlow
    from lucid_vgg.optvis.objectives import Objective
    from lucid_vgg.optvis.visualization import Visualization
    from modelzoo.vision_base import Model

from lucid_vgg.cli.common import (UsageError, add_keras_arguments, add_model_pb_argument,
                                  graph_names, int_at_least, keras_model_of, loaded_vgg16,
                                  usage_errors)
from lucid_vgg.optvis.limits import MAX_STEPS

NAME = "render"
HELP = "render a unit of VGG16_caffe (or a --keras-model) to a PNG"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `render` arguments."""
    positive = int_at_least(1)
    parser.add_argument("objective", help='what to maximise, "layer:channel", e.g. "conv4_1/conv4_1:12"')
    parser.add_argument("--size", type=positive, default=128,
                        help="image width and height (default 128; size x size x batch x 3 at most "
                             "2**28 values, and at least what the layer's pooling needs)")
    parser.add_argument("--steps", type=int_at_least(1, MAX_STEPS), default=512, help="optimisation steps (default 512)")
    parser.add_argument("--batch", type=positive, default=1, help="images rendered side by side (default 1)")
    parser.add_argument("--seed", type=int_at_least(0), default=None,
                        help="seed (>= 0) for a reproducible render")
    parser.add_argument("-o", "--output", default=None, help="PNG to write (default: <layer>_<channel>.png)")
    parser.add_argument("--no-transforms", action="store_true", help="optimise without Lucid's standard transforms")
    parser.add_argument("--no-relu-override", action="store_true", help="plain ReLU gradients from the first step")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_model_pb_argument(parser)
    add_keras_arguments(parser)


def output_path(objective: str, output: Optional[str] = None) -> str:
    """The PNG to write (`<layer>_<channel>.png` by default); UsageError if it cannot be written
    (not .png, empty, a directory, in a missing or read-only directory), checked before any work."""
    from lucid_vgg.recipes._common import check_output_file

    if output is None:
        output = re.sub(r"[^A-Za-z0-9_.-]+", "_", objective) + ".png"
    if output.strip() and not output.lower().endswith(".png"):
        raise UsageError(f"output {output!r} must be a .png file")
    with usage_errors("-o/--output: "):
        return check_output_file(output, "output")


def check_objective(model: "Model", objective: "Objective") -> List[str]:
    """Dry-run `objective` on placeholders shaped like the model's layers, so an unknown layer or
    a channel out of range is a UsageError before the render is built; returns the layers it reads.

    A layer must be a node of the model's graph; its depth is `model.layers`' (unknown, hence
    not range-checked, for a graph node outside the layer table).
    """
    import tensorflow as tf

    in_graph = graph_names(model)
    depths = {layer.name: layer.depth for layer in model.layers}
    read: List[str] = []

    def T(name: str) -> Any:  # pylint: disable=invalid-name  (Lucid's name for the layer accessor)
        if name not in in_graph:
            raise UsageError(model._unknown_layer_message(name))  # pylint: disable=protected-access
        read.append(name)
        return tf.compat.v1.placeholder(tf.float32, [1, None, None, depths.get(name)])

    with tf.Graph().as_default():
        try:
            objective(T)
        except (ValueError, TypeError) as e:
            raise UsageError(str(e)) from e
    return read


def _save_png(images: Any, path: str) -> None:
    """The batch [n, h, w, 3] side by side as one PNG, written atomically."""
    import numpy as np

    from lucid_vgg.misc.io import save

    save(np.clip(np.hstack(list(images)), 0.0, 1.0), path)


def run(args: argparse.Namespace) -> int:
    """Render the unit and save the PNG; 0, or 130 when interrupted (the image reached is saved)."""
    import numpy as np

    from lucid_vgg.optvis import objectives, param, render
    from lucid_vgg.recipes._common import check_size, check_size_for_layers

    text = args.objective.strip()
    output = output_path(text, args.output)
    with usage_errors():  # all before the weights load: the objective and the image size
        objective = objectives.as_objective(text)
    with usage_errors():
        check_size(args.size, args.batch)
    model = keras_model_of(args) or loaded_vgg16(args.model_pb)
    layers = check_objective(model, objective)
    with usage_errors(f"--size {args.size}: "):
        check_size_for_layers(model, layers, args.size, args.batch)

    values: List[float] = []
    last_vis: List["Visualization"] = []

    def record(step: int, loss: Any, vis: "Visualization") -> None:
        values.append(float(np.sum(loss)))
        last_vis[:] = [vis]

    images = render.render_vis(
        model, objective, lambda: param.image(args.size, batch=args.batch),
        transforms=[] if args.no_transforms else None, thresholds=(args.steps - 1,),
        verbose=False, relu_gradient_override=not args.no_relu_override,
        use_fixed_seed=args.seed, progress=None if args.quiet else sys.stderr, callback=record)
    if images:  # render_vis returns only the thresholds reached: empty when interrupted
        _save_png(images[-1], output)
    elif last_vis:
        _save_png(last_vis[0].image(), output)
    if values:
        print(f"objective {text} at step 1: {values[0]:.4f}")
        print(f"objective {text} at step {len(values)}: {values[-1]:.4f}")
    else:
        print("no steps run")
    if not images:
        print(f"interrupted; partial image {output}" if last_vis else "interrupted; no image saved")
        return 130
    print(f"saved {output}")
    return 0
