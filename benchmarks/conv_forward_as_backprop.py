"""A 3x3 forward convolution two ways in TensorFlow: `tf.nn.conv2d`, and the same result from
oneDNN's input-gradient primitive (`Conv2DBackpropInput` of the kernel flipped in space with its
in/out channels swapped).

Why: on an AVX2-only CPU, TensorFlow 2.21's oneDNN (3.7) runs a batch-1 forward 3x3 conv with
its im2col + GEMM implementation (`x64:gemm:jit`, see conv_primitives.py --batch 1), while its
input gradient runs the brgemm kernel. This measures what routing the forward pass through the
input-gradient primitive would buy, and how far its result is from conv2d's. (A render's convs
are fused with their bias and ReLU and do not take the GEMM route: BENCHMARKS.md section 8.)

    python benchmarks/conv_forward_as_backprop.py [--batches 1,4] [--calls 10] [--json out.json]
"""
from typing import Dict, List

import numpy as np

from _bench import load_average, machine_info, make_parser, median_seconds, write_json

#: (size, cin, cout): the 3x3 convs of a 128 px VGG16 render (~140 px after the transforms)
SHAPES = [(140, 64, 64), (70, 128, 128), (35, 256, 256), (18, 512, 512)]


def flip_swap(w: np.ndarray) -> np.ndarray:
    """The kernel whose transposed convolution is `w`'s convolution (stride 1, SAME)."""
    return np.ascontiguousarray(np.transpose(w[::-1, ::-1], (0, 1, 3, 2)))


def case(batch: int, size: int, cin: int, cout: int, calls: int) -> Dict[str, float]:
    """ms per call of both forms, and their largest difference relative to the output's peak."""
    import tensorflow as tf
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((batch, size, size, cin), np.float32))
    w = rng.standard_normal((3, 3, cin, cout)).astype(np.float32) * 0.05
    w_direct, w_swapped = tf.constant(w), tf.constant(flip_swap(w))
    out_shape = tf.constant([batch, size, size, cout])
    direct = tf.function(lambda x: tf.nn.conv2d(x, w_direct, 1, "SAME"))
    via = tf.function(lambda x: tf.raw_ops.Conv2DBackpropInput(
        input_sizes=out_shape, filter=w_swapped, out_backprop=x, strides=[1, 1, 1, 1],
        padding="SAME"))
    a, b = direct(x).numpy(), via(x).numpy()
    return {"batch": batch, "shape": f"{size}x{size}x{cin}->{cout}",
            "conv2d_ms": 1000 * median_seconds(lambda: direct(x).numpy(), calls, warmup=2),
            "backprop_input_ms": 1000 * median_seconds(lambda: via(x).numpy(), calls, warmup=2),
            "max_rel_diff": float(np.abs(a - b).max() / np.abs(a).max()),
            "load_average": load_average()}


def main() -> None:
    p = make_parser(__doc__, json=None)
    p.add_argument("--batches", default="1,4")
    p.add_argument("--calls", type=int, default=10)
    args = p.parse_args()
    rows: List[dict] = []
    print("| batch | shape | conv2d ms | as input gradient ms | ratio | max rel diff |")
    print("|---|---|---|---|---|---|")
    for batch in (int(b) for b in args.batches.split(",")):
        for size, cin, cout in SHAPES:
            r = case(batch, size, cin, cout, args.calls)
            rows.append(r)
            print(f"| {batch} | {r['shape']} | {r['conv2d_ms']:.1f} | {r['backprop_input_ms']:.1f} | "
                  f"{r['backprop_input_ms'] / r['conv2d_ms']:.2f} | {r['max_rel_diff']:.1e} |",
                  flush=True)
    if args.json:
        write_json(args.json, {"machine": machine_info(), "rows": rows,
                               "command": "python benchmarks/conv_forward_as_backprop.py"})


if __name__ == "__main__":
    main()
