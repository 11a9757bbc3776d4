"""The `lucid-vgg` command line (also `python -m lucid_vgg`).

    lucid-vgg render "conv4_1/conv4_1:12" --size 128 --steps 512 --batch 1 --seed 0 -o unit.png
    lucid-vgg layers

Exit codes: 0 success, 1 runtime failure, 2 bad usage, 130 interrupted. Errors are one line
on stderr; `--debug` shows the traceback instead.

Adding a subcommand: write `configure(parser)` (add arguments) and `run(args) -> int`, then
append `Command(name, help, configure, run)` to COMMANDS (or call `register(...)` from another
module before `main()` runs). Raise `UsageError` for bad input (exit 2); any other exception
is a runtime failure (exit 1). TensorFlow is imported lazily so `--help` and usage errors are fast.
"""
import argparse
import logging
import os
import re
import sys
from collections import namedtuple

log = logging.getLogger("lucid_vgg.cli")

Command = namedtuple("Command", "name help configure run")
COMMANDS = []


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def register(name, help, configure, run):  # pylint: disable=redefined-builtin
    """Add (or replace) a subcommand."""
    COMMANDS[:] = [c for c in COMMANDS if c.name != name]
    COMMANDS.append(Command(name, help, configure, run))


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _add_model_args(p):
    # hidden: use another frozen graph with VGG16_caffe's input conventions (tests, custom builds)
    p.add_argument("--model-pb", metavar="PATH", help=argparse.SUPPRESS)


def _load_model(args):
    from modelzoo.caffe_models import VGG16_caffe

    model = VGG16_caffe(path=args.model_pb) if args.model_pb else VGG16_caffe()
    model.graph_def  # pylint: disable=pointless-statement  (load or build now: a runtime failure)
    return model


def _graph_layer_depths(model):
    """{layer name: channel depth} for the layers present in the model's graph."""
    import tensorflow as tf

    names = {node.name for node in model.graph_def.node}
    present = [layer.name for layer in model.layers if layer.name in names]
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, None, None, 3])
        _, prep = model.create_input(x)
        tf.graph_util.import_graph_def(model.graph_def, {model.input_name: prep}, name="m")
        return {n: g.get_tensor_by_name(f"m/{n}:0").shape[-1] for n in present}


# -- render -------------------------------------------------------------------------------
def _configure_render(p):
    p.add_argument("objective", help='what to maximise, "layer:channel", e.g. "conv4_1/conv4_1:12"')
    p.add_argument("--size", type=positive_int, default=128, help="image width and height (default 128)")
    p.add_argument("--steps", type=positive_int, default=512, help="optimisation steps (default 512)")
    p.add_argument("--batch", type=positive_int, default=1, help="images rendered side by side (default 1)")
    p.add_argument("--seed", type=int, default=None, help="seed for a reproducible render")
    p.add_argument("-o", "--output", default=None, help="PNG to write (default: <layer>_<channel>.png)")
    p.add_argument("--no-transforms", action="store_true", help="optimise without Lucid's standard transforms")
    p.add_argument("--no-relu-override", action="store_true", help="plain ReLU gradients from the first step")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_model_args(p)


def _parse_objective(text):
    layer, sep, n = text.rpartition(":")
    if not sep or not layer.strip() or not re.fullmatch(r"\s*-?\d+\s*", n):
        raise UsageError(f"objective {text!r} must look like 'layer:channel', e.g. 'conv4_1/conv4_1:12'")
    return layer.strip(), int(n)


def _save_png_atomic(image, path):
    """Write a float [h, w, 3] image in [0, 1] as PNG atomically (misc.io.save)."""
    import numpy as np

    from lucid_vgg.misc.io import save

    save(np.clip(image, 0.0, 1.0), path)


def _run_render(args):
    layer, n = _parse_objective(args.objective)
    output = args.output or f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', layer)}_{n}.png"
    if not output.lower().endswith(".png"):
        raise UsageError(f"output {output!r} must be a .png file")
    if not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise UsageError(f"output directory {os.path.dirname(os.path.abspath(output))!r} does not exist")

    model = _load_model(args)
    depths = _graph_layer_depths(model)
    if layer not in depths:
        if layer in {node.name for node in model.graph_def.node}:
            depths[layer] = None
        else:
            raise UsageError(str(model._unknown_layer_message(layer)))  # pylint: disable=protected-access
    depth = depths[layer]
    if depth is not None and not 0 <= n < depth:
        raise UsageError(f"channel {n} is out of range for layer {layer!r}, which has depth {depth}: "
                         f"valid channels are 0..{depth - 1}")

    import numpy as np
    import tensorflow as tf

    from lucid_vgg.optvis import objectives, param, render

    if args.seed is not None:
        tf.random.set_seed(args.seed)
    vis = render.make_vis_T(model, objectives.channel(layer, n),
                            lambda: param.image(args.size, batch=args.batch),
                            transforms=[] if args.no_transforms else None,
                            relu_gradient_override=not args.no_relu_override, seed=args.seed)
    values = []
    progress = None if args.quiet else sys.stderr
    images = render.run_vis(vis, (args.steps - 1,), verbose=False, progress=progress,
                            callback=lambda i, loss, v: values.append(float(np.sum(loss))))
    interrupted = not images
    image = images[-1] if images else vis.image()
    _save_png_atomic(np.hstack(list(image)), output)
    print(f"objective {layer}:{n} at step 1: {values[0]:.4f}" if values else "no steps run")
    if values:
        print(f"objective {layer}:{n} at step {len(values)}: {values[-1]:.4f}")
    print(f"{'interrupted; partial image' if interrupted else 'saved'} {output}")
    return 130 if interrupted else 0


# -- layers -------------------------------------------------------------------------------
def _configure_layers(p):
    _add_model_args(p)


def _run_layers(args):
    model = _load_model(args)
    depths = _graph_layer_depths(model)
    width = max(len(layer.name) for layer in model.layers)
    print(f"{model.name}: {len(depths)} of {len(model.layers)} layers in this graph")
    print(f"{'layer':<{width}}  {'depth':>5}  tags")
    for layer in model.layers:
        depth = depths.get(layer.name)
        note = "" if layer.name in depths else "  (not in this graph)"
        shown = depth if depth is not None else layer.depth
        print(f"{layer.name:<{width}}  {shown:>5}  {','.join(sorted(layer.tags))}{note}")
    return 0


register("render", "render a unit of VGG16_caffe to a PNG", _configure_render, _run_render)
register("layers", "list VGG16_caffe's layers and their depths", _configure_layers, _run_layers)

# Subcommands whose modules parse their own arguments: (module, function), called with the rest.
DELEGATED = {
    "render-layer": ("lucid_vgg.recipes", "main_render_layer",
                     "render every unit of a layer to PNGs and a grid (resumable)"),
    "convert-h5": ("modelzoo.weights.keras_h5", "main_convert_h5",
                   "convert Keras' VGG16 ImageNet .h5 into VGG16_caffe's frozen graph"),
}
for _name, (_module, _func, _help) in DELEGATED.items():
    register(_name, _help, lambda p: p.add_argument("args", nargs=argparse.REMAINDER), None)


# -- entry point --------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _import_tensorflow_quietly():
    """Import TensorFlow with its native start-up chatter (absl/oneDNN notices) kept off stderr."""
    if "tensorflow" in sys.modules:
        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def build_parser():
    parser = _Parser(prog="lucid-vgg", description="Lucid feature visualisation for VGG16 in TF2.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for cmd in COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(p)
        p.set_defaults(_run=cmd.run)
    return parser


def _one_line(exc):
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(text.split())
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, UsageError) else text


class _sigterm_as_interrupt:  # pylint: disable=invalid-name
    """While active (main thread only), SIGTERM raises KeyboardInterrupt like Ctrl-C, so a killed
    render saves the image it reached and a render-layer job keeps its finished units."""

    def __enter__(self):
        import signal
        import threading

        self.saved = None
        if threading.current_thread() is threading.main_thread():
            def interrupt(signum, frame):
                raise KeyboardInterrupt(f"signal {signum}")
            self.saved = signal.signal(signal.SIGTERM, interrupt)
        return self

    def __exit__(self, *exc):
        import signal

        if self.saved is not None:
            signal.signal(signal.SIGTERM, self.saved)
        return False


def _run_delegated(name, rest, debug):
    """Run a delegated subcommand with the same exit codes and one-line errors as the others."""
    import importlib

    module, func, _ = DELEGATED[name]
    _import_tensorflow_quietly()
    if debug and name == "render-layer":
        rest = rest + ["--debug"]
    try:
        with _sigterm_as_interrupt():
            return getattr(importlib.import_module(module), func)(rest)
    except KeyboardInterrupt:
        print(f"lucid-vgg {name}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001  -- an error the subcommand did not report itself
        if debug:
            raise
        print(f"lucid-vgg {name}: error: {_one_line(e)}", file=sys.stderr)
        return 1


def main(argv=None):
    """Run the CLI; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = argv[:1] == ["--debug"]
    if argv[debug:debug + 1] and argv[debug] in DELEGATED:
        return _run_delegated(argv[debug], argv[debug + 1:], debug)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if not args.debug:
            _import_tensorflow_quietly()
        with _sigterm_as_interrupt():
            return args._run(args)  # pylint: disable=protected-access
    except UsageError as e:
        if args.debug:
            raise
        print(f"lucid-vgg {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lucid-vgg: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001  -- every other failure: one line, exit 1
        if args.debug:
            raise
        print(f"lucid-vgg {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
