"""Does precision="bfloat16" render as well as float32? Final objectives over several seeds.

    python benchmarks/bf16_quality.py [--steps 512] [--size 128] [--seeds 8] [--json out.json]

For each unit, one render of `--seeds` independent images (a batch: each entry has its own random
initial spectrum, drawn from the VariableStore seeded with 0; the channel objective's gradient
for each entry depends only on that entry) in float32 and in bfloat16. Each final image is then
scored in float32 without transforms (mean activation of the unit, model.get_activations), and
the bfloat16 median is compared with the float32 median (target: within 10%).
"""
import numpy as np

from _bench import Stopwatch, make_parser, write_json

UNITS = (("conv3_1/conv3_1", 7), ("conv4_1/conv4_1", 7), ("conv5_1/conv5_1", 7),
         ("conv5_3/conv5_3", 7))


def main(argv=None):
    p = make_parser(__doc__, steps=512, size=128, json=None)
    p.add_argument("--seeds", type=int, default=8, help="images per render (batch entries)")
    args = p.parse_args(argv)
    import tensorflow as tf
    from lucid_vgg.optvis import param, render
    from modelzoo import VGG16_caffe
    model = VGG16_caffe()
    rows = []
    for layer, unit in UNITS:
        row = {"layer": layer, "unit": unit, "steps": args.steps, "size": args.size}
        for prec in ("float32", "bfloat16"):
            tf.random.set_seed(0)
            with Stopwatch() as sw:
                vis = render.make_vis_T(model, f"{layer}:{unit}",
                                        lambda: param.image(args.size, batch=args.seeds),
                                        seed=0, precision=prec)
                img = render.run_vis(vis, (args.steps - 1,), verbose=False)[-1]
                acts = model.get_activations(img, layer)[..., unit].mean(axis=(1, 2))
            row[prec] = [float(a) for a in acts]
            row[f"{prec}_median"] = float(np.median(acts))
            row[f"{prec}_seconds"] = sw.seconds
        f32, bf16 = row["float32_median"], row["bfloat16_median"]
        # None when float32 left the unit at 0 (possible only in very short smoke runs)
        row["rel_diff"] = (bf16 - f32) / abs(f32) if f32 else None
        rows.append(row)
        diff = "n/a" if row["rel_diff"] is None else f"{100 * row['rel_diff']:+.1f}%"
        print(f"{layer}:{unit}  float32 median {f32:.2f}  bfloat16 median {bf16:.2f}  ({diff})  "
              f"[{row['float32_seconds']:.0f}s / {row['bfloat16_seconds']:.0f}s]", flush=True)
    if args.json:
        write_json(args.json, {"args": vars(args), "units": rows})
    return rows


if __name__ == "__main__":
    main()
