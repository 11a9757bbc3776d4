"""`lucid-vgg render-layer LAYER OUT_DIR`: every unit of a layer to PNGs plus a labelled grid,
through `recipes.render_layer` (resumable: units already in OUT_DIR are loaded, not rendered)."""
import argparse
import sys
from typing import List

from lucid_vgg.cli.common import UsageError, int_at_least, zoo_model

NAME = "render-layer"
HELP = "render every unit of a layer to PNGs and a grid (resumable)"
DESCRIPTION = ("Render every unit of a layer to PNGs plus a labelled grid "
               "(resumable: units already in OUT_DIR are skipped).")


def parse_units(text: str) -> List[int]:
    """'0-7,12,20-23' -> [0, ..., 7, 12, 20, ..., 23] (an argparse `type`: no duplicates, not empty)."""
    units: List[int] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        try:
            low, sep, high = part.partition("-")
            span = range(int(low), int(high) + 1) if sep else [int(part)]
            if not span:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"bad unit {part!r} in {text!r}: expected units like '0-7,12' (ranges low-high, "
                "low <= high)") from None
        units.extend(span)
    repeated = sorted({u for u in units if units.count(u) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(f"units {text!r} name {repeated} more than once")
    if not units:
        raise argparse.ArgumentTypeError(f"no units in {text!r}")
    return units


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `render-layer` arguments."""
    parser.description = DESCRIPTION
    parser.add_argument("layer", help="layer name, e.g. conv4_1/conv4_1 (or conv4_1)")
    parser.add_argument("out_dir", help="directory for <layer>_<unit>.png and <layer>_grid.png")
    parser.add_argument("--model", default="VGG16_caffe", help="model-zoo entry (default VGG16_caffe)")
    parser.add_argument("--model-path", default=None, help="frozen graph for the model (optional)")
    parser.add_argument("--units", type=parse_units, default=None, help="e.g. 0-15,32 (default: all)")
    parser.add_argument("--size", type=int_at_least(1), default=128, help="image size in pixels (default 128)")
    parser.add_argument("--steps", type=int_at_least(0), default=512, help="optimisation steps (default 512)")
    parser.add_argument("--batch-size", type=int_at_least(1), default=8, help="units per batch (default 8)")
    parser.add_argument("--seed", type=int, default=None, help="seed for reproducible renders")
    parser.add_argument("--fixed-seed", action="store_true", help="pass use_fixed_seed to render_vis")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks instead of one-line errors (as lucid-vgg --debug)")


def run(args: argparse.Namespace) -> int:
    """Render the layer's units; 0, or 130 when interrupted (finished units stay saved)."""
    from lucid_vgg import recipes

    def say(text):
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    model = zoo_model(args.model, args.model_path)
    try:  # the model's layer table: known before any weights are loaded
        layer = model.get_layer(args.layer)
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    too_big = [u for u in args.units or () if layer.depth is not None and u >= layer.depth]
    if too_big:
        raise UsageError(f"unit {too_big[0]} is out of range for layer {layer.name!r} with "
                         f"{layer.depth} channels.")
    saved = [0]

    def progress(done, total):
        saved[0] = done
        say(f"{done}/{total} units")

    try:
        _, info = recipes.render_layer(
            model, layer.name, out_dir=args.out_dir, units=args.units, size=args.size,
            steps=args.steps, batch_size=args.batch_size, seed=args.seed,
            use_fixed_seed=args.fixed_seed, return_info=True, progress=progress)
    except KeyboardInterrupt:
        print(f"lucid-vgg render-layer: interrupted; {saved[0]} units are saved in {args.out_dir}; "
              "rerun the same command to resume", file=sys.stderr)
        return 130
    say(f"rendered {len(info.rendered)}, reused {len(info.loaded)}; grid: {info.grid_path}")
    return 0
