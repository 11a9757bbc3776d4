"""Does precision="bfloat16" render as well as float32? Final objectives over several seeds.

    python benchmarks/bf16_quality.py [--steps 512] [--size 128] [--seeds 8] [--json out.json]

For each unit, one render of `--seeds` independent images (a batch: each entry has its own random
initial spectrum, drawn from the VariableStore seeded with 0; the channel objective's gradient
for each entry depends only on that entry) in float32 and in bfloat16. Each final image is then
scored in float32 without transforms (mean activation of the unit, model.get_activations), and
the bfloat16 median is compared with the float32 median (target: within 10%).
"""
import argparse
import json
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

UNITS = (("conv3_1/conv3_1", 7), ("conv4_1/conv4_1", 7), ("conv5_1/conv5_1", 7),
         ("conv5_3/conv5_3", 7))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=512)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--json")
    args = p.parse_args(argv)
    import tensorflow as tf
    from lucid_vgg.optvis import param, render
    from modelzoo.caffe_models import VGG16_caffe
    model = VGG16_caffe()
    rows = []
    for layer, unit in UNITS:
        row = {"layer": layer, "unit": unit, "steps": args.steps, "size": args.size}
        for prec in ("float32", "bfloat16"):
            tf.random.set_seed(0)
            t0 = time.perf_counter()
            vis = render.make_vis_T(model, f"{layer}:{unit}",
                                    lambda: param.image(args.size, batch=args.seeds),
                                    seed=0, precision=prec)
            img = render.run_vis(vis, (args.steps - 1,), verbose=False)[-1]
            acts = model.get_activations(img, layer)[..., unit].mean(axis=(1, 2))
            row[prec] = [float(a) for a in acts]
            row[f"{prec}_median"] = float(np.median(acts))
            row[f"{prec}_seconds"] = time.perf_counter() - t0
        row["rel_diff"] = (row["bfloat16_median"] - row["float32_median"]) / abs(row["float32_median"])
        rows.append(row)
        print(f"{layer}:{unit}  float32 median {row['float32_median']:.2f}  bfloat16 median "
              f"{row['bfloat16_median']:.2f}  ({100 * row['rel_diff']:+.1f}%)  "
              f"[{row['float32_seconds']:.0f}s / {row['bfloat16_seconds']:.0f}s]", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"args": vars(args), "units": rows}, f, indent=2)
    return rows


if __name__ == "__main__":
    main()
