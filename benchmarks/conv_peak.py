"""Measure this machine's 3x3 convolution throughput (FLOP/s) in float32 and bfloat16.

This is the physical ceiling the render benchmarks are compared against: a VGG step is almost
all 3x3 convolutions, so a render cannot beat TensorFlow's own conv kernel on the same CPU.
"""
import argparse
import json
import time

import numpy as np
import tensorflow as tf


def conv_peak(dtype="float32", batch=8, size=56, cin=256, cout=256, iters=10):
    """Median FLOP/s of a forward 3x3 SAME conv (batch x size x size x cin -> cout)."""
    x = tf.random.normal([batch, size, size, cin], dtype=tf.float32)
    k = tf.random.normal([3, 3, cin, cout], dtype=tf.float32) * 0.05
    x, k = tf.cast(x, dtype), tf.cast(k, dtype)

    @tf.function(jit_compile=False)
    def conv(x, k):
        return tf.nn.conv2d(x, k, 1, "SAME")

    conv(x, k).numpy()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        conv(x, k).numpy()
        times.append(time.perf_counter() - t0)
    flops = 2.0 * batch * size * size * cin * cout * 9
    return flops / float(np.median(times))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--json", help="write results here")
    args = p.parse_args(argv)
    res = {d: conv_peak(d) for d in ("float32", "bfloat16")}
    for d, v in res.items():
        print(f"{d:9s} 3x3 conv 56x56x256->256 batch 8: {v / 1e12:.3f} TFLOP/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
