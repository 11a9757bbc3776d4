"""What computing only the read channels of the last layer buys per step, layer by layer.

    python benchmarks/channel_cut_speed.py [--layers conv1_2,conv2_2,conv3_1,conv4_1,conv5_1]
                                           [--batch 4] [--rounds 5] [--steps 6] [--keras]
                                           [--json out.json]

For each layer, two render_vis steps of channel 0 (128 px, param.image, standard transforms, Adam
0.05, redirect on) are built in one process, both on the graph pruned to the layers read: one as
render_vis runs it (of the last layer only channel 0 is computed), one with the channel cut
switched off. After 20 warm-up steps each, they are timed in alternation, `--steps` steps per
turn over `--rounds` turns; the median ms per step of each and their ratio are printed, with how
far apart their objective values were over the warm-up (the same computation: ~1e-6).
`--keras` does the same on the live Keras VGG16 with the same weights
(`modelzoo.weights.keras_vgg16`, layer conv4_1 = block4_conv1) instead of VGG16_caffe's graph.
"""
from typing import Dict, List

import numpy as np

from _bench import call_times, load_average, machine_info, make_parser, write_json  # before TF


def build(model, obj, batch: int, cut: bool):
    """render_vis's step for `obj`, with or without the channel cut (the layer pruning stays)."""
    from lucid_vgg.optvis import fast_graph, param, render
    from modelzoo.keras_model import KerasModel
    keep = fast_graph.DryTrace.channel_cuts, KerasModel.why_not_cut
    if not cut:  # benchmark-only switch: no channels to cut are found
        fast_graph.DryTrace.channel_cuts = lambda self: {}
        KerasModel.why_not_cut = lambda self, name: "switched off"
    try:
        return render.make_vis_T(model, obj, lambda: param.image(128, batch=batch), seed=0,
                                 relu_gradient_override=True)
    finally:
        fast_graph.DryTrace.channel_cuts, KerasModel.why_not_cut = keep


def _model_and_layer(layer: str, keras: bool):
    """VGG16_caffe and "convB_I/convB_I", or the Keras VGG16 and "blockB_convI"."""
    if keras:
        from modelzoo.weights.keras_vgg16 import vgg16_keras_offline
        block, index = layer[len("conv"):].split("_")
        return vgg16_keras_offline(), f"block{block}_conv{index}"
    from modelzoo import VGG16_caffe
    return VGG16_caffe(), f"{layer}/{layer}"


def _kept(vis, name: str) -> int:
    """How many channels of `name` the render computes."""
    cuts = getattr(vis.run_model, "channel_cuts", None)
    return len(cuts[name][0]) if cuts is not None else len(vis.run_model.computed_channels[name])


def measure_layer(layer: str, batch: int, rounds: int, steps: int,
                  keras: bool = False) -> Dict[str, float]:
    """Median ms per step with and without the cut, their ratio, and the largest relative
    difference of the two renders' objective values over the warm-up."""
    from lucid_vgg.optvis import objectives
    model, name = _model_and_layer(layer, keras)
    obj = objectives.channel(name, 0)
    vis = {cut: build(model, obj, batch, cut) for cut in (True, False)}
    losses = {cut: [float(v.step()) for _ in range(20)] for cut, v in vis.items()}
    times: Dict[bool, List[float]] = {True: [], False: []}
    for _ in range(rounds):
        for cut, v in vis.items():
            times[cut] += call_times(v.step, steps)
    ms = {cut: 1000 * float(np.median(t)) for cut, t in times.items()}
    diff = max(abs(a - b) / max(abs(b), 1e-9) for a, b in zip(losses[True], losses[False]))
    return {"layer": layer, "batch": batch, "cut_ms": ms[True], "uncut_ms": ms[False],
            "ratio": ms[True] / ms[False], "objective_max_rel_diff": diff,
            "channels_kept": _kept(vis[True], name), "model": model.name,
            "load_average": load_average()}


def main(argv=None) -> None:
    p = make_parser(__doc__, json=None)
    p.add_argument("--layers", default="conv1_2,conv2_2,conv3_1,conv4_1,conv5_1")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=6, help="timed steps per turn")
    p.add_argument("--keras", action="store_true", help="the live Keras VGG16, not VGG16_caffe")
    args = p.parse_args(argv)
    rows = []
    print("| layer | batch | uncut ms/step | cut ms/step | cut / uncut | objectives differ by |")
    print("|---|---|---|---|---|---|")
    for layer in args.layers.split(","):
        r = measure_layer(layer, args.batch, args.rounds, args.steps, args.keras)
        rows.append(r)
        print(f"| {layer} | {args.batch} | {r['uncut_ms']:.1f} | {r['cut_ms']:.1f} | "
              f"{r['ratio']:.2f} | {r['objective_max_rel_diff']:.1e} |", flush=True)
    if args.json:
        write_json(args.json, {"rows": rows, "machine": machine_info(),
                               "command": "python benchmarks/channel_cut_speed.py"
                               + (" --keras" if args.keras else "")})


if __name__ == "__main__":
    main()
