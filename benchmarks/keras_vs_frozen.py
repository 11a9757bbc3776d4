"""Keras path vs frozen-graph path: ms per render step for the same VGG16 in the same run.

    python benchmarks/keras_vs_frozen.py [--steps 30] [--json out.json]

Both models carry the offline ImageNet VGG16 conv weights: VGG16_caffe (a frozen GraphDef,
imported and pruned to conv4_1) and modelzoo.weights.keras_vgg16 (a live keras.Model called in
the step, pruned to a sub-model ending at block4_conv1). Each render is the channel objective on
conv4_1 at 128 px with the standard transforms and the redirected ReLU, built by make_vis_T (one
trace). Steps of the two paths alternate (after 3 warm-up steps each), so that load from other
jobs hits both alike; reported: the median ms per step of each path and the median of the
per-pair ratios keras/frozen.
"""
import numpy as np

from _bench import call_times, load_average, machine_info, make_parser, write_json  # before TF


def _vis(model, objective, batch, size):
    from lucid_vgg.optvis import param, render
    return render.make_vis_T(model, objective, lambda: param.image(size, batch=batch),
                             relu_gradient_override=True, seed=0)


def measure(batches=(1, 4), size=128, steps=30, warmup=3):
    """{batch: {"frozen_ms", "keras_ms", "ratio", ...}}: median ms per step of each path, their
    steps timed alternately (frozen, keras, frozen, ...) so other jobs' load hits both alike."""
    from modelzoo import VGG16_caffe
    from modelzoo.weights.keras_vgg16 import vgg16_keras_offline

    frozen, keras_model = VGG16_caffe(), vgg16_keras_offline()
    results = {}
    for batch in batches:
        paths = {"frozen": _vis(frozen, "conv4_1/conv4_1:0", batch, size),
                 "keras": _vis(keras_model, "block4_conv1:0", batch, size)}
        for vis in paths.values():
            call_times(vis.step, 0, warmup)
        times = {name: [] for name in paths}
        for _ in range(steps):
            for name, vis in paths.items():
                times[name].extend(call_times(vis.step, 1))
        ms = {name: 1000 * float(np.median(t)) for name, t in times.items()}
        # the ratio per alternated pair, then its median: robust to load changing during the run
        pair_ratio = float(np.median(np.array(times["keras"]) / np.array(times["frozen"])))
        results[batch] = {"frozen_ms": ms["frozen"], "keras_ms": ms["keras"],
                          "ratio_of_medians": ms["keras"] / ms["frozen"],
                          "median_pair_ratio": pair_ratio,
                          "traces": {name: vis.trace_count for name, vis in paths.items()}}
        print(f"batch {batch}: frozen {ms['frozen']:.1f} ms/step, keras {ms['keras']:.1f} ms/step, "
              f"keras/frozen {ms['keras'] / ms['frozen']:.3f} (median pair ratio {pair_ratio:.3f}; "
              f"load {load_average():.1f})", flush=True)
    return results


def main():
    args = make_parser(__doc__, json=None, steps=30, size=128).parse_args()
    load_before = load_average()
    results = measure(size=args.size, steps=args.steps)
    record = {"machine": machine_info(), "load_before": load_before, "load_after": load_average(),
              "size": args.size, "timed_steps_per_path": args.steps, "results": results}
    if args.json:
        write_json(args.json, record)


if __name__ == "__main__":
    main()
