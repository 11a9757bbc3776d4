"""Calibrate the aligned interpolation's alignment weight on real VGG16 weights.

Lucid weighs `alignment` by 1e-1 on InceptionV1. The penalty is a mean of squared activation
differences while the channel objective is a mean activation, and VGG16's activations are about
10x larger than InceptionV1's, so relative to the objective the penalty is ~100x stronger and the
same weight can freeze all frames into one picture.
For each weight this renders conv5_1:303 -> conv5_1:5 in 6 frames (recipes.interpolate) and
reports, per frame, the two units' activations on the untransformed frame, the endpoints'
activations relative to the plain (unaligned) render, and the mean change between frames.
Writes a strip PNG per weight and a JSON to --out (default docs/quality).
"""
import os

import numpy as np

from _bench import Stopwatch, make_parser, write_json
from lucid_vgg import recipes
from lucid_vgg.misc.io import save
from modelzoo import VGG16_caffe

NEURON1 = ("conv5_1/conv5_1", 303)
NEURON2 = ("conv5_1/conv5_1", 5)


def unit_values(model, frames):
    """Per frame: mean activation of NEURON1's and NEURON2's channel on the untransformed frame."""
    acts = model.get_activations(frames, NEURON1[0])
    return acts[..., NEURON1[1]].mean(axis=(1, 2)), acts[..., NEURON2[1]].mean(axis=(1, 2))


def main(argv=None):
    p = make_parser(__doc__, out="docs/quality", steps=256, size=128)
    p.add_argument("--weights", type=float, nargs="+", default=[1e-1, 1e-2, 1e-3, 1e-4],
                   help="alignment weights to compare with the plain render")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    model = VGG16_caffe()
    results = {"neuron1": list(NEURON1), "neuron2": list(NEURON2), "steps": args.steps,
               "size": args.size, "frames": 6, "runs": {}}
    for weight in [None] + list(args.weights):
        label = "plain" if weight is None else f"aligned_{weight:g}"
        with Stopwatch() as sw:
            frames = recipes.interpolate(model, NEURON1, NEURON2, frames=6,
                                         aligned=weight is not None, alignment_weight=weight or 0.0,
                                         size=args.size, steps=args.steps, seed=0)
        v1, v2 = unit_values(model, frames)
        run = {"weight": weight, "seconds": round(sw.seconds, 1),
               "frame_difference": round(recipes.frame_difference(frames), 4),
               "unit1_per_frame": [round(float(x), 1) for x in v1],
               "unit2_per_frame": [round(float(x), 1) for x in v2]}
        if weight is not None:
            plain = results["runs"]["plain"]
            run["unit1_frame0_vs_plain"] = round(float(v1[0]) / plain["unit1_per_frame"][0], 3)
            run["unit2_last_vs_plain"] = round(float(v2[-1]) / plain["unit2_per_frame"][-1], 3)
        results["runs"][label] = run
        save(np.concatenate(list(frames), axis=1),
             os.path.join(args.out, f"interpolation_{label}.png"))
        print(label, run, flush=True)
    write_json(os.path.join(args.out, "interpolation_alignment.json"), results)


if __name__ == "__main__":
    main()
