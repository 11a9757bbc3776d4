"""Would sharding a layer render over processes beat one process with TensorFlow's threads?

Times one batch of 8 units (render_layer, 64 px by default) as `(T(80 steps) - T(16 steps)) / 64`
per step, which cancels the graph build, first in one process with TensorFlow's default thread
pools, then in two processes at once with one intra-op and one inter-op thread each. Run it on
an otherwise idle machine:

    python benchmarks/render_threads.py [--layer conv5_1/conv5_1] [--size 64]
"""
import argparse
import json
import subprocess
import sys

from _bench import Stopwatch, make_parser


def worker(threads, layer, size):
    """Print {"ms_per_step": ...} for one batch of 8 units; threads=0 keeps TF's defaults."""
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    from lucid_vgg import recipes
    from modelzoo import VGG16_caffe

    model = VGG16_caffe()
    seconds = {}
    for steps in (16, 80):
        with Stopwatch() as sw:
            recipes.render_layer(model, layer, units=list(range(8)), size=size, steps=steps,
                                 batch_size=8, seed=0)
        seconds[steps] = sw.seconds
    print(json.dumps({"threads": threads or "default",
                      "ms_per_step": round((seconds[80] - seconds[16]) / 64 * 1000, 1)}))


def run(threads, copies, layer, size):
    """Start `copies` workers at once; their ms/step."""
    cmd = [sys.executable, __file__, "--worker", str(threads), "--layer", layer,
           "--size", str(size)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(copies)]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1])["ms_per_step"] for p in procs]


def main(argv=None):
    p = make_parser(__doc__, layer="conv5_1/conv5_1", size=64)
    p.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker is not None:
        return worker(args.worker, args.layer, args.size)
    (one,) = run(0, 1, args.layer, args.size)
    two = run(1, 2, args.layer, args.size)
    # throughput: batches per second, two single-thread processes vs one default process
    gain = sum(1 / ms for ms in two) / (1 / one)
    print(f"{args.layer} {args.size} px batch 8: one process {one} ms/step; two processes "
          f"with one thread each {two[0]} and {two[1]} ms/step; throughput x{gain:.2f}")


if __name__ == "__main__":
    main()
