"""Could conv5 layer grids use fewer steps or smaller images? Time and objective of each option.

Renders one batch of 8 units (render_layer, seed 0, batch 8, as layer_grids.ipynb does) at the
512-step reference and at each candidate setting, times it, and measures what each unit's image
reaches: the mean of the unit's channel on the untransformed image, 8-bit quantised like the
saved PNGs. Every setting is rendered here: docs/layer_grids holds conv5_x at 256 steps since
this comparison, so it is not a 512-step reference any more. Writes a side-by-side picture (one
row per setting) and a JSON of the numbers.

    python benchmarks/layer_grid_settings.py [--layer conv5_1/conv5_1] [--out docs/quality]
"""
import os

import numpy as np

from _bench import Stopwatch, load_average, make_parser, write_json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL = (64, 512)                       # (size, steps): Lucid's 512 steps at the grids' 64 px
CANDIDATES = [(64, 256), (48, 512)]


def unit_means(model, layer, images, units):
    """Mean activation of unit u on image i (8-bit quantised, untransformed), one per pair."""
    images = np.round(np.asarray(images) * 255) / 255
    acts = model.get_activations(images.astype(np.float32), layer)
    return [float(acts[i, ..., u].mean()) for i, u in enumerate(units)]


def main(argv=None):
    p = make_parser(__doc__, layer="conv5_1/conv5_1", out=os.path.join(ROOT, "docs", "quality"))
    args = p.parse_args(argv)

    import tensorflow as tf
    from lucid_vgg import recipes
    from lucid_vgg.misc.io import image_grid, save
    from modelzoo import VGG16_caffe

    model = VGG16_caffe()
    units = list(range(8))
    rows, results = [], []
    for size, steps in [FULL] + CANDIDATES:
        with Stopwatch() as sw:
            images = recipes.render_layer(model, args.layer, units=units, size=size, steps=steps,
                                          batch_size=8, seed=0)
        seconds = round(sw.seconds, 1)
        means = unit_means(model, args.layer, images, units)
        results.append({"size": size, "steps": steps, "batch_seconds": seconds,
                        "unit_means": means})
        print(f"{size} px, {steps} steps: batch {seconds} s, "
              f"unit means {np.round(means, 1).tolist()}")
        # one row per setting, every image shown at the full setting's size
        rows.append(tf.image.resize(images, [FULL[0], FULL[0]], method="nearest").numpy())
    full = np.array(results[0]["unit_means"])
    for r in results[1:]:
        r["ratio_to_full_median"] = float(np.median(np.array(r["unit_means"]) / full))
    labels = [f"{s}px/{n}" if i == 0 else str(u) for s, n in [FULL] + CANDIDATES
              for i, u in enumerate(units)]
    grid = image_grid(np.concatenate(rows), n_cols=len(units), labels=labels)
    name = args.layer.split("/")[0]
    save(grid, os.path.join(args.out, f"layer_grid_settings_{name}.png"))
    write_json(os.path.join(args.out, f"layer_grid_settings_{name}.json"),
               {"layer": args.layer, "units": units, "results": results,
                "cpu_load_average": load_average()})


if __name__ == "__main__":
    main()
