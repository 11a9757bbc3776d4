"""`lucid-vgg render-model OUT`: every unit of a model's layers, one file per unit and kind, with a
manifest, through `recipes.render_model` (resumable; on Ray with --ray-address)."""
import argparse
import sys
from typing import List

from lucid_vgg.cli.common import (UsageError, add_preset_argument, int_at_least, usage_errors,
                                  zoo_model)
from lucid_vgg.cli.render_layer import expand_units, parse_units
from lucid_vgg.optvis.limits import MAX_STEPS

NAME = "render-model"
HELP = "render every unit of a model's layers to files plus a manifest (resumable, Ray optional)"
DESCRIPTION = ("Render every unit of the chosen layers (default: every conv layer) as each kind "
               "into OUT (a directory or an fsspec URL): OUT/<layer>/<kind>/<unit>.png, "
               "OUT/manifest.jsonl and OUT/model.json. A rerun renders only what is missing or was "
               "made with other settings.")


def parse_list(text: str) -> List[str]:
    """'a,b' -> ['a', 'b'] (an argparse `type`)."""
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"empty list {text!r}")
    return items


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `render-model` arguments."""
    parser.description = DESCRIPTION
    parser.add_argument("out", help="output directory or fsspec URL (e.g. file:///data/units)")
    parser.add_argument("--model", default="VGG16_caffe", help="model-zoo entry (default VGG16_caffe)")
    parser.add_argument("--model-path", default=None, help="frozen graph for the model (optional)")
    parser.add_argument("--layers", type=parse_list, default=None,
                        help="comma-separated layers (default: every conv layer)")
    parser.add_argument("--kinds", type=parse_list, default=["positive"],
                        help="comma-separated kinds from positive,negative,diverse (default positive)")
    parser.add_argument("--units", type=parse_units, default=None,
                        help="units for every layer, e.g. 0-15 (default: all)")
    parser.add_argument("--size", type=int_at_least(1), default=128, help="image size in pixels (default 128)")
    parser.add_argument("--steps", type=int_at_least(0, MAX_STEPS), default=512, help="optimisation steps (default 512)")
    parser.add_argument("--batch-size", type=int_at_least(1), default=8, help="units per batch (default 8)")
    parser.add_argument("--seed", type=int_at_least(0), default=0, help="seed (>= 0, default 0)")
    parser.add_argument("--diverse-n", type=int_at_least(2), default=4,
                        help="images per unit for the diverse kind (default 4)")
    parser.add_argument("--ray-address", default=None, metavar="auto|HOST:PORT",
                        help="run on a Ray cluster (default: in this process, Ray not needed)")
    parser.add_argument("--ray-workers", type=int_at_least(1), default=None,
                        help="Ray workers (default: one per GPU, else CPUs / --ray-cpus-per-worker)")
    parser.add_argument("--ray-cpus-per-worker", type=int_at_least(1), default=1,
                        help="CPUs per Ray worker (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks instead of one-line errors (as lucid-vgg --debug)")
    add_preset_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Render; 0, or 130 when interrupted (finished units stay saved and recorded)."""
    from lucid_vgg import recipes
    from lucid_vgg.optvis import presets
    from lucid_vgg.recipes import _common, model_renders, ray_executor
    from lucid_vgg.recipes.output_store import OutputStore

    def say(text):
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    model = zoo_model(args.model, args.model_path)
    with usage_errors():  # the arguments, the output location and the Ray address: before work
        layers = model_renders.check_layers(model, args.layers)
        model_renders.check_kinds(args.kinds)
        settings = presets.recipe_settings(args.preset, args.steps)
        units = None
        if args.units is not None:
            units = {name: expand_units(args.units, model.get_layer(name)) for name in layers}
        OutputStore(args.out).check_writable("OUT")
        if args.ray_address is not None:
            ray_executor.check_address(args.ray_address)
    model.load_graphdef()  # a missing or corrupt graph: a runtime failure (exit 1)
    graph_nodes = {node.name for node in model.graph_def.node}
    for name in layers:
        if name not in graph_nodes:
            # pylint: disable-next=protected-access
            raise UsageError(model._unknown_layer_message(name))
    with usage_errors(f"--size {args.size}: "):
        _common.check_size_for_layers(model, layers, args.size)
    try:
        with usage_errors():  # the manifest of another model is refused before any render
            recipes.manifest.Manifest(OutputStore(args.out)).check_model(
                recipes.manifest.model_record(model))
        info = model_renders.render_model(
            model, args.out, layers=layers, kinds=args.kinds, size=args.size, seed=args.seed,
            batch_size=args.batch_size, units=units, diverse_n=args.diverse_n,
            ray_address=args.ray_address, ray_workers=args.ray_workers,
            ray_cpus_per_worker=args.ray_cpus_per_worker,
            **settings,
            progress=lambda done, total: say(f"{done}/{total} files"))
    except KeyboardInterrupt:
        print(f"lucid-vgg render-model: interrupted; finished files are saved and recorded in "
              f"{args.out}; rerun the same command to resume", file=sys.stderr)
        return 130
    say(f"rendered {info.rendered}, reused {info.reused} ({info.batches} batches); "
        f"manifest: {args.out}/manifest.jsonl")
    return 0
