"""What computing only the read channels of the last layer buys per step, layer by layer.

    python benchmarks/channel_cut_speed.py [--layers conv1_2,conv2_2,conv3_1,conv4_1,conv5_1]
                                           [--batch 4] [--rounds 5] [--steps 6] [--json out.json]

For each layer, two render_vis steps of channel 0 (128 px, param.image, standard transforms, Adam
0.05, redirect on) are built in one process, both on the graph pruned to the layers read: one as
render_vis runs it (of the last layer only channel 0 is computed), one with the channel cut
switched off. After 20 warm-up steps each, they are timed in alternation, `--steps` steps per
turn over `--rounds` turns; the median ms per step of each and their ratio are printed, with how
far apart their objective values were over the warm-up (the same computation: ~1e-6).
"""
from typing import Dict, List

import numpy as np

from _bench import call_times, load_average, make_parser, write_json  # before TensorFlow


def build(model, obj, batch: int, cut: bool):
    """render_vis's step for `obj`, with or without the channel cut (the layer pruning stays)."""
    from lucid_vgg.optvis import fast_graph, param, render
    keep = fast_graph.DryTrace.channel_cuts
    if not cut:  # benchmark-only switch: the dry trace reports no channels to cut
        fast_graph.DryTrace.channel_cuts = lambda self: {}
    try:
        return render.make_vis_T(model, obj, lambda: param.image(128, batch=batch), seed=0,
                                 relu_gradient_override=True)
    finally:
        fast_graph.DryTrace.channel_cuts = keep


def measure_layer(layer: str, batch: int, rounds: int, steps: int) -> Dict[str, float]:
    """Median ms per step with and without the cut, their ratio, and the largest relative
    difference of the two renders' objective values over the warm-up."""
    from lucid_vgg.optvis import objectives
    from modelzoo import VGG16_caffe
    model = VGG16_caffe()
    obj = objectives.channel(f"{layer}/{layer}", 0)
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
            "channels_kept": len(vis[True].run_model.channel_cuts[f"{layer}/{layer}"][0]),
            "load_average": load_average()}


def main(argv=None) -> None:
    p = make_parser(__doc__, json=None)
    p.add_argument("--layers", default="conv1_2,conv2_2,conv3_1,conv4_1,conv5_1")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=6, help="timed steps per turn")
    args = p.parse_args(argv)
    rows = []
    print("| layer | batch | uncut ms/step | cut ms/step | cut / uncut | objectives differ by |")
    print("|---|---|---|---|---|---|")
    for layer in args.layers.split(","):
        r = measure_layer(layer, args.batch, args.rounds, args.steps)
        rows.append(r)
        print(f"| {layer} | {args.batch} | {r['uncut_ms']:.1f} | {r['cut_ms']:.1f} | "
              f"{r['ratio']:.2f} | {r['objective_max_rel_diff']:.1e} |", flush=True)
    if args.json:
        write_json(args.json, {"rows": rows, "command": "python benchmarks/channel_cut_speed.py"})


if __name__ == "__main__":
    main()
