"""Render benchmark: ms per optimisation step of render_vis on VGG16_caffe, against the conv peak.

    python benchmarks/render_bench.py [--json benchmarks/results.json] [--quick]

For each case (channel objective on conv1_1, conv3_1, conv4_1, conv5_1; param.image(128) with the
standard transforms; batch 1, 4, 32) and each mode (float32; bfloat16 = precision="bfloat16";
float32 without pruning for the build time) it reports: the median ms per step after warm-up,
images/s, the achieved FLOP/s and its fraction of the conv microbenchmark (benchmarks/conv_peak.py)
measured in the same process just before the case (so both see the same machine load), the peak
resident memory of the case (VmHWM, reset per case through /proc/self/clear_refs) and the build
time (make_vis_T trace + first step, which includes Grappler).

FLOPs are counted, not guessed: the step's network part (import of the graph actually run,
objective, gradient to the input image) is traced with static shapes at each transformed image
size the standard transforms produce from 128 px (sampled), and the Conv2D, Conv2DBackpropInput
and MatMul ops of that graph are summed with their shapes (2*MACs). Elementwise ops, pooling and
the FFT parameterisation are not counted (they are a few % of the work).

Whole-layer times (all 64 units of conv1_1, all 512 of conv5_1, 512 steps each) are extrapolated
from the measured ms/step of the fastest mode and batch, plus the measured build time per batch.
"""
import os
import resource
import sys

import numpy as np

from _bench import (Stopwatch, call_times, load_average, machine_info,  # before TensorFlow
                    make_parser, run_model, write_json)
import tensorflow as tf
from conv_peak import conv_peak
from lucid_vgg.optvis.render_parts import import_model

LAYERS = ("conv1_1", "conv3_1", "conv4_1", "conv5_1")
BATCHES = (1, 4, 32)


# -- memory ------------------------------------------------------------------------------
def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb():
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- FLOPs -------------------------------------------------------------------------------
def transformed_sizes(size=128, n=64, seed=0):
    """(h, w) of the image the network sees, for n draws of the standard transforms."""
    from lucid_vgg.optvis import render
    tf.random.set_seed(seed)
    f = render.make_transform_f(None)
    x = tf.zeros([1, size, size, 3])
    return [tuple(f(x).shape[1:3]) for _ in range(n)]


def _op_flops(op):
    def shape(t):
        return [int(d) for d in t.shape]
    if op.type == "Conv2D":
        (n, ho, wo, co), (kh, kw, ci, _) = shape(op.outputs[0]), shape(op.inputs[1])
        return 2.0 * n * ho * wo * co * kh * kw * ci
    if op.type == "Conv2DBackpropInput":
        (kh, kw, ci, co), (n, ho, wo, _) = shape(op.inputs[1]), shape(op.inputs[2])
        return 2.0 * n * ho * wo * co * kh * kw * ci
    if op.type == "MatMul":
        a, b = shape(op.inputs[0]), shape(op.inputs[1])
        m = a[1] if op.get_attr("transpose_a") else a[0]
        k = a[0] if op.get_attr("transpose_a") else a[1]
        n_ = b[0] if op.get_attr("transpose_b") else b[1]
        return 2.0 * m * n_ * k
    return 0.0


def step_flops(model, objective, hw, batch=1):
    """Conv/MatMul FLOPs of forward + input gradient for one step at transformed size hw."""
    graph = tf.Graph()
    with graph.as_default():
        run = run_model(model, objective, batch)
        x = tf.compat.v1.placeholder(tf.float32, [batch, hw[0], hw[1], 3])
        # static shapes, so that every conv's FLOPs are known; a cut layer widened as in a render
        loss = objective(import_model(run, x, scope="f", forget_xy_shape=False))
        tf.gradients(-loss, [x])
        return sum(_op_flops(op) for op in graph.get_operations())


def mean_step_flops(model, objective, sizes):
    cache = {}
    total = 0.0
    for hw in sizes:
        if hw not in cache:
            cache[hw] = step_flops(model, objective, hw)
        total += cache[hw]
    return total / len(sizes)


# -- one case ----------------------------------------------------------------------------
def run_case(model, layer, batch, precision, steps, warmup, prune=True):
    from lucid_vgg.optvis import objectives, param, render
    obj = objectives.channel(f"{layer}/{layer}", 0)
    reset_peak_rss()
    with Stopwatch() as build:
        vis = render.make_vis_T(model, obj, lambda: param.image(128, batch=batch),
                                precision=precision, prune=prune)
        trace_s = build.seconds
        vis.step()
    build_s = build.seconds
    times = call_times(vis.step, steps, warmup=max(0, warmup - 1))
    return {"layer": layer, "batch": batch, "precision": precision, "prune": prune,
            "steps_timed": steps, "ms_per_step": 1000 * float(np.median(times)),
            "ms_per_step_min": 1000 * float(np.min(times)),
            "trace_s": trace_s, "build_s": build_s, "peak_rss_mb": peak_rss_mb(),
            "trace_count": vis.trace_count, "objective": float(np.sum(vis.loss))}


def steps_for(batch, quick):
    if quick:
        return (3, 1) if batch >= 32 else (5, 2)
    return {1: (20, 3), 4: (10, 2), 32: (3, 1)}.get(batch, (5, 2))  # other batches (e.g. 64 on a GPU)


def whole_layer(rows, layer, units, steps=512):
    """Extrapolated seconds to render every unit of `layer`, best (mode, batch) measured."""
    best = None
    for r in rows:
        if r["layer"] != layer or not r["prune"]:
            continue
        n_renders = -(-units // r["batch"])
        secs = n_renders * (r["build_s"] + (steps + 1) * r["ms_per_step"] / 1000)
        if best is None or secs < best["seconds"]:
            best = {"layer": layer, "units": units, "steps": steps, "seconds": secs,
                    "batch": r["batch"], "precision": r["precision"], "renders": n_renders}
    return best


def main(argv=None):
    p = make_parser(__doc__, json="benchmarks/results.json")
    p.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    p.add_argument("--layers", default=",".join(LAYERS))
    p.add_argument("--batches", default=",".join(map(str, BATCHES)))
    p.add_argument("--precisions", default="float32,bfloat16")
    p.add_argument("--no-unpruned", action="store_true", help="skip the float32 unpruned build-time row")
    args = p.parse_args(argv)
    from lucid_vgg.optvis import objectives
    from modelzoo import VGG16_caffe

    layers = args.layers.split(",")
    batches = [int(b) for b in args.batches.split(",")]
    precisions = args.precisions.split(",")
    model = VGG16_caffe()
    _ = model.graph_def
    info = machine_info()
    print(f"machine: {info.get('cpu')} x{info['cpus']}, flags {info.get('flags')}, "
          f"amx={info.get('amx')}, TF {info['tensorflow']}")
    with Stopwatch() as counting:
        sizes = transformed_sizes()
        flops = {}
        for layer in layers:
            flops[layer] = mean_step_flops(model, objectives.channel(f"{layer}/{layer}", 0), sizes)
    hw = np.array(sizes)
    print(f"transformed size from 128 px: mean {hw.mean(0).round(1).tolist()} "
          f"(min {hw.min(0).tolist()}, max {hw.max(0).tolist()}); FLOP count took "
          f"{counting.seconds:.1f}s")
    for layer in layers:
        print(f"  {layer}: {flops[layer] / 1e9:.2f} GFLOP per image per step (conv+matmul, fwd + input grad)")

    rows = []
    header = (f"{'layer':8s} {'batch':>5s} {'mode':9s} {'ms/step':>8s} {'img/s':>7s} {'GFLOP/s':>8s} "
              f"{'%peak':>6s} {'peak(same)':>10s} {'RSS MB':>7s} {'build s':>7s} {'load':>5s}")
    print(header)
    for layer in layers:
        for batch in batches:
            # the conv microbenchmark right before the case: same process, same machine load
            peak = {d: conv_peak(d, iters=5, repeats=2) for d in ("float32", "bfloat16")}
            for precision in precisions:
                steps, warmup = steps_for(batch, args.quick)
                load = load_average()
                r = run_case(model, layer, batch, precision, steps, warmup)
                r["gflop_per_step"] = flops[layer] * batch / 1e9
                r["flops_per_s"] = flops[layer] * batch / (r["ms_per_step"] / 1000)
                r["images_per_s"] = batch / (r["ms_per_step"] / 1000)
                r["peak_flops_per_s"] = peak
                r["fraction_of_f32_peak"] = r["flops_per_s"] / peak["float32"]
                r["fraction_of_same_dtype_peak"] = r["flops_per_s"] / peak[precision]
                r["load_before"] = load
                rows.append(r)
                print(f"{layer:8s} {batch:5d} {precision:9s} {r['ms_per_step']:8.1f} "
                      f"{r['images_per_s']:7.2f} {r['flops_per_s'] / 1e9:8.1f} "
                      f"{100 * r['fraction_of_same_dtype_peak']:5.0f}% "
                      f"{peak[precision] / 1e9:8.1f}G {r['peak_rss_mb']:7.0f} {r['build_s']:7.1f} "
                      f"{load:5.1f}", flush=True)
    if not args.no_unpruned:
        for layer in ("conv1_1",):
            r = run_case(model, layer, 1, "float32", 3, 1, prune=False)
            rows.append(r)
            print(f"{layer:8s} {1:5d} {'f32 whole':9s} {r['ms_per_step']:8.1f} {'':7s} {'':8s} {'':6s} "
                  f"{'':10s} {r['peak_rss_mb']:7.0f} {r['build_s']:7.1f}   (unpruned graph: build time)")

    # bf16 vs f32 in the same run
    ratios = {}
    for r in rows:
        if r["precision"] == "bfloat16" and r["prune"]:
            f32 = [q for q in rows if q["layer"] == r["layer"] and q["batch"] == r["batch"]
                   and q["precision"] == "float32" and q["prune"]]
            if f32:
                ratios[f"{r['layer']} b{r['batch']}"] = f32[0]["ms_per_step"] / r["ms_per_step"]
    if ratios:
        print("bfloat16 speed-up over float32 (ms ratio, >1 = bf16 faster): "
              + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))
    wl = [w for w in (whole_layer(rows, "conv1_1", 64), whole_layer(rows, "conv5_1", 512)) if w]
    for w in wl:
        print(f"every unit of {w['layer']} ({w['units']}) at 128 px / {w['steps']} steps: "
              f"{w['seconds'] / 60:.1f} min ({w['renders']} renders of batch {w['batch']}, "
              f"{w['precision']}; extrapolated from the measured ms/step and build time)")
    out = {"machine": info, "command": " ".join([os.path.basename(sys.argv[0])] + (argv or sys.argv[1:])),
           "transformed_sizes": sizes, "gflop_per_image_step": {k: v / 1e9 for k, v in flops.items()},
           "cases": rows, "bf16_speedup": ratios, "whole_layer": wl,
           "flop_count_method": "sum of Conv2D/Conv2DBackpropInput/MatMul 2*MACs in a static-shape "
                                "trace of import+objective+input gradient, averaged over sampled "
                                "transformed sizes"}
    if args.json:
        write_json(args.json, out)
        print(f"wrote {args.json}")
    return out


if __name__ == "__main__":
    main()
