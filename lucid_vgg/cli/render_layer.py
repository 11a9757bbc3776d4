"""`lucid-vgg render-layer LAYER OUT_DIR`: every unit of a layer to PNGs plus a labelled grid,
through `recipes.render_layer` (resumable: units already in OUT_DIR are loaded, not rendered)."""
import argparse
import sys
from typing import TYPE_CHECKING, List

from lucid_vgg.cli.common import (UsageError, add_keras_arguments, add_preset_argument, graph_names,
                                  int_at_least, keras_model_of, usage_errors, zoo_model)
from lucid_vgg.optvis.limits import MAX_STEPS

if TYPE_CHECKING:  # for annotations only: modelzoo imports TensorFlow
    from modelzoo.vision_base import Layer

NAME = "render-layer"
HELP = "render every unit of a layer to PNGs and a grid (resumable)"
DESCRIPTION = ("Render every unit of a layer to PNGs plus a labelled grid "
               "(resumable: units already in OUT_DIR are skipped).")


MAX_UNITS_UNKNOWN_DEPTH = 65536
"""The most units `--units` may name for a layer whose depth the model does not know."""


def parse_units(text: str) -> List[range]:
    """'0-7,12,20-23' -> [range(0, 8), range(12, 13), range(20, 24)] (an argparse `type`).

    Kept as ranges, never expanded here: `0-3000000000` costs nothing until `expand_units` has
    checked it against the layer's depth. Ranges must not overlap, and there must be one.
    """
    spans: List[range] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        try:
            low, sep, high = part.partition("-")
            span = range(int(low), int(high) + 1) if sep else range(int(part), int(part) + 1)
            if not span or span.start < 0:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"bad unit {part!r} in {text!r}: expected units like '0-7,12' (ranges low-high, "
                "low <= high)") from None
        spans.append(span)
    if not spans:
        raise argparse.ArgumentTypeError(f"no units in {text!r}")
    ordered = sorted(spans, key=lambda r: r.start)
    repeated: List[int] = []
    for before, after in zip(ordered, ordered[1:]):  # overlaps, in constant memory per pair
        repeated.extend(range(after.start, min(before.stop, after.stop))[:10])
    if repeated:
        shown = sorted(set(repeated))[:10]
        raise argparse.ArgumentTypeError(f"units {text!r} name {shown}"
                                         f"{'...' if len(shown) == 10 else ''} more than once")
    return spans


def expand_units(spans: List[range], layer: "Layer") -> List[int]:
    """The units of `spans` as one list, after checking their bounds against the layer's depth
    (so the list is never larger than the layer); UsageError when a unit is out of range."""
    depth = layer.depth
    too_big = [max(span.start, depth) for span in spans if depth is not None and span[-1] >= depth]
    if too_big:
        raise UsageError(f"unit {too_big[0]} is out of range for layer {layer.name!r} with "
                         f"{depth} channels.")
    if layer.depth is None and sum(len(span) for span in spans) > MAX_UNITS_UNKNOWN_DEPTH:
        raise UsageError(f"layer {layer.name!r} has no known depth; name at most "
                         f"{MAX_UNITS_UNKNOWN_DEPTH} units with --units")
    return [u for span in spans for u in span]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `render-layer` arguments."""
    parser.description = DESCRIPTION
    parser.add_argument("layer", help="layer name, e.g. conv4_1/conv4_1 (or conv4_1)")
    parser.add_argument("out_dir", help="directory for <layer>_<unit>.png and <layer>_grid.png")
    parser.add_argument("--model", default="VGG16_caffe", help="model-zoo entry (default VGG16_caffe)")
    parser.add_argument("--model-path", default=None, help="frozen graph for the model (optional)")
    parser.add_argument("--units", type=parse_units, default=None, help="e.g. 0-15,32 (default: all)")
    parser.add_argument("--size", type=int_at_least(1), default=128, help="image size in pixels (default 128)")
    parser.add_argument("--steps", type=int_at_least(0, MAX_STEPS), default=512, help="optimisation steps (default 512)")
    parser.add_argument("--batch-size", type=int_at_least(1), default=8, help="units per batch (default 8)")
    parser.add_argument("--seed", type=int_at_least(0), default=None,
                        help="seed (>= 0) for reproducible renders")
    parser.add_argument("--fixed-seed", action="store_true", help="pass use_fixed_seed to render_vis")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks instead of one-line errors (as lucid-vgg --debug)")
    add_keras_arguments(parser)
    add_preset_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Render the layer's units; 0, or 130 when interrupted (finished units stay saved)."""
    from lucid_vgg import recipes
    from lucid_vgg.optvis import presets
    from lucid_vgg.recipes import _common, layer_renders

    def say(text):
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    model = keras_model_of(args) or zoo_model(args.model, args.model_path)
    with usage_errors():  # the model's layer table and the arguments: before any weights load
        layer = model.get_layer(args.layer)
        units = None if args.units is None else expand_units(args.units, layer)
        settings = presets.recipe_settings(args.preset, args.steps)
        layer_renders.check_render_layer(model, layer.name, args.out_dir, units, args.size,
                                         settings["steps"], args.batch_size)
    model.load_graphdef()  # a missing or corrupt graph: a runtime failure (exit 1)
    if layer.name not in graph_names(model):  # as `render` says it
        # pylint: disable-next=protected-access
        raise UsageError(model._unknown_layer_message(layer.name))
    with usage_errors(f"--size {args.size}: "):
        _common.check_size_for_layers(model, layer.name, args.size)
    saved = [0]

    def progress(done, total):
        saved[0] = done
        say(f"{done}/{total} units")

    try:
        _, info = recipes.render_layer(
            model, layer.name, out_dir=args.out_dir, units=units, size=args.size,
            batch_size=args.batch_size, seed=args.seed, **settings,
            use_fixed_seed=args.fixed_seed, return_info=True, progress=progress)
    except KeyboardInterrupt:
        print(f"lucid-vgg render-layer: interrupted; {saved[0]} units are saved in {args.out_dir}; "
              "rerun the same command to resume", file=sys.stderr)
        return 130
    say(f"rendered {len(info.rendered)}, reused {len(info.loaded)}; grid: {info.grid_path}")
    return 0
