"""Measure this machine's 3x3 convolution throughput (FLOP/s) in float32 and bfloat16.

This is the physical ceiling the render benchmarks are compared against: a VGG step is almost
all 3x3 convolutions, so a render cannot beat TensorFlow's own conv kernel on the same CPU.

    python benchmarks/conv_peak.py [--json out.json] [--all]

The default case is the issue's (56x56x256 -> 256, batch 8, forward). `--all` adds VGG shapes
at render sizes, the input-gradient conv (Conv2DBackpropInput, what a render's backward pass
runs), XLA (jit_compile) and a Keras Conv2D under the "mixed_bfloat16" policy.
"""
from _bench import make_parser, median_seconds, write_json  # before TensorFlow
import tensorflow as tf

DEFAULT_CASE = dict(batch=8, size=56, cin=256, cout=256)
# (batch, size, cin, cout): VGG convs at a ~140 px render input (conv1 140, conv3 35, conv4 18)
VGG_CASES = [(4, 140, 64, 64), (4, 35, 256, 256), (4, 18, 512, 512), (32, 18, 512, 512)]


def conv_peak(dtype="float32", batch=8, size=56, cin=256, cout=256, iters=10, jit=False,
              backprop_input=False, keras_policy=None, repeats=1):
    """Median FLOP/s of a 3x3 SAME conv (batch x size x size x cin -> cout).

    backprop_input: time Conv2DBackpropInput (the input gradient) instead of the forward conv.
    keras_policy: time a tf.keras.layers.Conv2D (no bias) under this mixed-precision policy
    (e.g. "mixed_bfloat16": float32 variables, bfloat16 compute) instead of tf.nn.conv2d.
    repeats: run `iters` timed calls this many times and keep the best median (less noise from
    other processes on a shared machine).
    """
    x = tf.random.normal([batch, size, size, cin], dtype=tf.float32)
    k = tf.random.normal([3, 3, cin, cout], dtype=tf.float32) * 0.05
    if keras_policy:
        old = tf.keras.mixed_precision.global_policy()
        tf.keras.mixed_precision.set_global_policy(keras_policy)
        try:
            layer = tf.keras.layers.Conv2D(cout, 3, padding="same", use_bias=False)
            layer.build(x.shape)
        finally:
            tf.keras.mixed_precision.set_global_policy(old)
        conv = tf.function(layer, jit_compile=jit)
        args = (x,)
    else:
        x, k = tf.cast(x, dtype), tf.cast(k, dtype)
        if backprop_input:
            dy = tf.cast(tf.random.normal([batch, size, size, cout]), dtype)
            shape = tf.constant([batch, size, size, cin])

            @tf.function(jit_compile=jit)
            def conv(dy, k):
                return tf.raw_ops.Conv2DBackpropInput(input_sizes=shape, filter=k, out_backprop=dy,
                                                      strides=[1, 1, 1, 1], padding="SAME")
            args = (dy, k)
        else:
            @tf.function(jit_compile=jit)
            def conv(x, k):
                return tf.nn.conv2d(x, k, 1, "SAME")
            args = (x, k)

    seconds = median_seconds(lambda: conv(*args).numpy(), iters, warmup=2, repeats=repeats)
    return 2.0 * batch * size * size * cin * cout * 9 / seconds


def measure(all_cases=False, repeats=3, iters=10):
    """{name: FLOP/s}. Keys: 'float32', 'bfloat16' (the default case) and, with all_cases,
    'float32 b4 35x35x256->256', 'bfloat16 ... bwd-input', 'float32 xla ...', 'keras mixed_bfloat16 ...'."""
    res = {}
    for d in ("float32", "bfloat16"):
        res[d] = conv_peak(d, iters=iters, repeats=repeats, **DEFAULT_CASE)
    if not all_cases:
        return res
    c = DEFAULT_CASE
    res["float32 xla"] = conv_peak("float32", jit=True, iters=iters, repeats=repeats, **c)
    res["bfloat16 xla"] = conv_peak("bfloat16", jit=True, iters=iters, repeats=repeats, **c)
    res["keras mixed_bfloat16"] = conv_peak(keras_policy="mixed_bfloat16", iters=iters,
                                            repeats=repeats, **c)
    for d in ("float32", "bfloat16"):
        res[f"{d} bwd-input"] = conv_peak(d, backprop_input=True, iters=iters, repeats=repeats, **c)
    for b, s, ci, co in VGG_CASES:
        for d in ("float32", "bfloat16"):
            res[f"{d} b{b} {s}x{s}x{ci}->{co}"] = conv_peak(d, b, s, ci, co, iters=max(3, iters // 2),
                                                           repeats=repeats)
    return res


def main(argv=None):
    p = make_parser(__doc__, json=None)
    p.add_argument("--all", action="store_true", help="more shapes and modes (about a minute)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    res = measure(args.all, args.repeats)
    print("3x3 conv, default case 56x56x256->256 batch 8 forward unless named")
    for name, v in res.items():
        print(f"  {name:36s} {v / 1e12:.3f} TFLOP/s")
    if args.json:
        write_json(args.json, res)
    return res


if __name__ == "__main__":
    main()
