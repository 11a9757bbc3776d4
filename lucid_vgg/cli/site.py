"""`lucid-vgg site OUT_DIR [--from RENDER_OUT]`: a static browser of a model's units, built from
a render output (model.json + manifest.jsonl, or a folder of <layer>_<unit:04d>.png files)."""
import argparse

from lucid_vgg.cli.common import add_model_pb_argument, int_at_least, usage_errors, zoo_model

NAME = "site"
HELP = "build a static site (model, layer and unit pages) from a render output"
DESCRIPTION = ("Build a static site that any static host serves: a model page, a page per layer "
               "and per unit, weight connections between units, keyboard navigation and a "
               "layer:unit search box. Without --from, OUT_DIR is the render output itself and "
               "its images are used in place; with --from they are copied into OUT_DIR/img/.")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `site` arguments."""
    parser.description = DESCRIPTION
    parser.add_argument("out_dir", metavar="OUT_DIR", help="where the site is written")
    parser.add_argument("--from", dest="source", metavar="RENDER_OUT",
                        help="the render output to show (default: OUT_DIR)")
    parser.add_argument("--examples", action="append", default=[], metavar="DIR",
                        help="another render output to merge in, e.g. dataset examples written "
                             "by recipes.dataset_examples(..., out=DIR) (repeatable)")
    parser.add_argument("--top", type=int_at_least(0), default=8,
                        help="connected units listed per direction (0: none; the model's "
                             "weights are not loaded then; default 8)")
    parser.add_argument("--max-side", type=int_at_least(0), default=0, metavar="PX",
                        help="shrink copied images larger than PX x PX to fit (0: copy as they "
                             "are; default 0)")
    add_model_pb_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Check the render output and OUT_DIR, then write the pages; prints what it wrote."""
    from lucid_vgg.site.build import prepare_site, write_site

    with usage_errors():
        plan = prepare_site(args.out_dir, args.source, None, args.top, args.examples,
                            args.max_side)
    model = None
    if args.top and args.model_pb:
        model = zoo_model(str(plan.out.model.get("name")), args.model_pb)
    done = write_site(plan, model)
    print(f"wrote {done['units']} unit pages in {done['layers']} layers to {done['site']} "
          f"(open {done['site']}/index.html, or serve it: python -m http.server -d {done['site']})")
    return 0
