"""Where a render_vis step's time goes, read from TensorFlow's own profiler trace.

    python benchmarks/step_profile.py [--layer conv4_1] [--batch 4] [--steps 5] [--json out.json]

Builds the step render_vis runs (channel 0 of the layer, 128 px, param.image, the standard
transforms, Adam 0.05, redirected ReLU on), steps it past the 16 redirect steps, records
`--steps` steps with `tf.profiler.experimental`, then reads the trace it wrote (XPlane protobuf,
the file TensorBoard's trace viewer shows) and sums each kernel's time by kind of work:
convolution forward, convolution input gradient, the other network gradients, the transforms,
the parameterisation, Adam. Kernel times are summed over TensorFlow's inter-op threads, so the
total can exceed the wall time when two kernels overlap; both are printed.
"""
import glob
import os
import tempfile
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

from _bench import load_average, make_parser, write_json  # before TensorFlow

# (kind, substrings of the kernel's "name:type" label), first match wins
KINDS: List[Tuple[str, Tuple[str, ...]]] = [
    ("conv input gradient", ("Conv2DBackpropInput",)),
    ("conv forward (+bias+ReLU)", ("Conv2D",)),
    ("ReLU / redirect gradient", ("ReluGrad", "Relu6Grad", "SelectV2", "Select", "redirect")),
    ("max-pool gradient", ("MaxPoolGrad",)),
    ("max-pool", ("MaxPool",)),
    ("rotation / scale (resampling)", ("ImageProjectiveTransform", "ResizeBilinear", "resize")),
    ("FFT parameterisation", ("FFT", "fft")),
    ("Adam update", ("Adam", "ResourceApply", "AssignVariable", "AssignAdd")),
]


def kind_of(label: str) -> str:
    """The kind of work a kernel label ("op/name:OpType") belongs to; "other" if none matches."""
    for kind, keys in KINDS:
        if any(k in label for k in keys):
            return kind
    return "other"


def kernel_times(xspace) -> Dict[str, float]:
    """Seconds per kernel label, summed over the host plane's TensorFlow compute threads."""
    out: Dict[str, float] = defaultdict(float)
    for plane in xspace.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        names = plane.event_metadata
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                label = names[event.metadata_id].name
                if ":" in label and not label.startswith("ExecutorState"):
                    out[label] += event.duration_ps * 1e-12
    return dict(out)


def by_kind(times: Dict[str, float], steps: int) -> Dict[str, float]:
    """Milliseconds per step for each kind of work (see KINDS), largest first."""
    sums: Dict[str, float] = defaultdict(float)
    for label, seconds in times.items():
        sums[kind_of(label)] += 1000 * seconds / steps
    return dict(sorted(sums.items(), key=lambda kv: -kv[1]))


def format_table(kinds: Dict[str, float], wall_ms: float) -> str:
    """A markdown table: kind, ms per step, share of the summed kernel time."""
    total = sum(kinds.values())
    rows = ["| work | ms/step | share |", "|---|---|---|"]
    rows += [f"| {k} | {v:.1f} | {100 * v / total:.0f}% |" for k, v in kinds.items()]
    rows.append(f"| **kernels summed** | **{total:.1f}** | 100% |")
    rows.append(f"| wall time per step | {wall_ms:.1f} | |")
    return "\n".join(rows)


def read_trace(logdir: str):
    """The XSpace of the newest trace under a profiler log folder."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2
    files = sorted(glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb")))
    if not files:
        raise FileNotFoundError(f"no *.xplane.pb under {logdir}: the profiler wrote no trace")
    xspace = xplane_pb2.XSpace()
    with open(files[-1], "rb") as f:
        xspace.ParseFromString(f.read())
    return xspace


def profile_calls(f, calls: int) -> Tuple[Dict[str, float], float]:
    """Kernel seconds by label over `calls` calls of f() under TensorFlow's profiler, and the
    wall ms per call."""
    import time

    import tensorflow as tf
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        for _ in range(calls):
            f()
        wall_ms = 1000 * (time.perf_counter() - start) / calls
        tf.profiler.experimental.stop()
        return kernel_times(read_trace(logdir)), wall_ms


def profile_step(layer: str, batch: int, steps: int, warmup: int = 20) -> Tuple[Dict[str, float], float]:
    """`profile_calls` of the render_vis step of channel 0 of `layer`, after `warmup` steps."""
    from lucid_vgg.optvis import objectives, param, render
    from modelzoo import VGG16_caffe
    vis = render.make_vis_T(VGG16_caffe(), objectives.channel(f"{layer}/{layer}", 0),
                            lambda: param.image(128, batch=batch), relu_gradient_override=True)
    for _ in range(warmup):
        vis.step()
    return profile_calls(vis.step, steps)


def top_kernels(times: Dict[str, float], steps: int, n: int = 12) -> Iterable[str]:
    """The n kernels taking longest, as "ms/step  label" lines."""
    for label, s in sorted(times.items(), key=lambda kv: -kv[1])[:n]:
        yield f"{1000 * s / steps:8.1f}  {label}"


def main(argv=None) -> None:
    p = make_parser(__doc__, json=None, layer="conv4_1")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=5, help="profiled steps (after 20 warm-up steps)")
    args = p.parse_args(argv)
    times, wall_ms = profile_step(args.layer, args.batch, args.steps)
    kinds = by_kind(times, args.steps)
    print(f"{args.layer}, batch {args.batch}, {args.steps} profiled steps, load {load_average():.2f}")
    print(format_table(kinds, wall_ms))
    print("\nlongest kernels (ms/step):")
    print("\n".join(top_kernels(times, args.steps)))
    if args.json:
        write_json(args.json, {"layer": args.layer, "batch": args.batch, "steps": args.steps,
                               "wall_ms": wall_ms, "ms_per_step_by_kind": kinds,
                               "kernel_ms_per_step": {k: 1000 * v / args.steps for k, v in times.items()},
                               "load_average": load_average()})


if __name__ == "__main__":
    main()
