"""Other schedules for the fast setting's 170 steps, against the Lucid renders already recorded.

    python benchmarks/fast_schedules.py [--seed 3] [--schedules current,decay_0.6_0.05,cos_0.02]

For each unit of `time_to_quality.UNITS`, renders `--seed` with each schedule and divides its final
channel value, untransformed and under Lucid's transforms (`time_to_quality.transformed_value`),
by the recorded Lucid render of the same unit and seed (docs/time_to_quality/time_to_quality.json;
pick a seed whose Lucid cases have `value_transformed`). Schedules (all 512 // 3 = 170 steps):

  current           the fast preset (Adam 0.3, then 0.15 without transforms for the last 30 steps)
  decay_<f>_<rate>  transforms throughout; Adam 0.3 for the first f of the steps, then <rate>
  cos_<final>       transforms throughout; Adam from 0.3 to <final> on a cosine
"""
import os

import numpy as np

from _bench import make_parser, read_json
import tensorflow as tf
import time_to_quality as ttq
from lucid_vgg.optvis import presets
from modelzoo import VGG16_caffe

HERE = os.path.dirname(os.path.abspath(__file__))
RECORD = os.path.join(HERE, "..", "docs", "time_to_quality", "time_to_quality.json")


def schedule(name: str, steps: int) -> dict:
    """render_vis keywords for a schedule name (see the module docstring); ValueError if unknown."""
    if name == "current":
        return presets.fast(ttq.LUCID_STEPS)
    kind, *args = name.split("_")
    if kind == "decay" and len(args) == 2:
        main, rate = int(steps * float(args[0])), float(args[1])
        return {"optimizer": lambda: tf.keras.optimizers.Adam(
            tf.keras.optimizers.schedules.PiecewiseConstantDecay([main - 1], [0.3, rate]), epsilon=1e-8),
            "thresholds": (steps,)}
    if kind == "cos" and len(args) == 1:
        return {"optimizer": lambda: tf.keras.optimizers.Adam(
            tf.keras.optimizers.schedules.CosineDecay(0.3, steps, alpha=float(args[0]) / 0.3), epsilon=1e-8),
            "thresholds": (steps,)}
    raise ValueError(f"unknown schedule {name!r}: current, decay_<fraction>_<rate> or cos_<final rate>")


def main(argv=None) -> None:
    p = make_parser(__doc__)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--schedules", default="current,decay_0.6_0.05,cos_0.02")
    args = p.parse_args(argv)
    lucid = {(c["layer"], c["unit"]): c for c in read_json(RECORD)["cases"]
             if c["seed"] == args.seed and c["preset"] == "lucid" and "value_transformed" in c}
    model, steps = VGG16_caffe(), presets.fast_steps(ttq.LUCID_STEPS)
    print("| schedule | untransformed / Lucid: median (lowest) | under transforms / Lucid: median (lowest) |")
    print("|---|---|---|")
    for name in args.schedules.split(","):
        ratios = []
        for layer, unit in ttq.UNITS:
            if (layer, unit) not in lucid:
                continue
            value, _, image = ttq.render_case(model, layer, unit, args.seed, schedule(name, steps), 128)
            ref = lucid[(layer, unit)]
            ratios.append((value / ref["value"],
                           ttq.transformed_value(model, image, layer, unit) / ref["value_transformed"]))
        r = np.array(ratios)
        print(f"| {name} | {np.median(r[:, 0]):.3f} ({r[:, 0].min():.3f}) | "
              f"{np.median(r[:, 1]):.3f} ({r[:, 1].min():.3f}) |", flush=True)


if __name__ == "__main__":
    main()
