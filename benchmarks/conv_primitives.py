"""Which oneDNN kernel TensorFlow and PyTorch run for VGG's 3x3 convolutions, and how much of each
call is that kernel (issue 18 point 4: why TF's conv measured slower than PyTorch's).

Each (framework, shape, direction) runs in its own subprocess with ONEDNN_VERBOSE=1, so oneDNN
prints every primitive it executes with its implementation, memory formats and its own time. The
report gives per call: the wall time seen by Python, the conv kernel's time, the reorders' time
(layout conversions around the kernel), and the implementation and formats, side by side for
TensorFlow (NHWC) and PyTorch (channels_last and NCHW). Directions: forward, and the input
gradient (what a render's backward pass runs). PyTorch is optional (skipped with a message).

    python benchmarks/conv_primitives.py [--calls 10] [--batch 4] [--json out.json]
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

from _bench import load_average, machine_info, make_parser, write_json

#: (batch, size, cin, cout): VGG convs at a ~140 px render input, as conv_peak.py's VGG_CASES.
SHAPES = [(4, 140, 64, 64), (4, 35, 256, 256), (4, 18, 512, 512)]
SYSTEMS = ("tensorflow", "torch-channels-last", "torch-nchw")
DIRECTIONS = ("forward", "input-grad")
EXEC_LINE = re.compile(r"^onednn_verbose,(?:v1,)?(?:primitive,)?exec,cpu,(\w+),([^,]+),([^,]*),(.*),"
                       r"([0-9.]+)\s*$")


def _tf_call(shape, direction):
    import tensorflow as tf

    b, s, ci, co = shape
    x = tf.random.normal([b, s, s, ci])
    w = tf.constant(tf.random.normal([3, 3, ci, co]))
    if direction == "forward":
        f = tf.function(lambda x: tf.nn.conv2d(x, w, 1, "SAME"))
    else:
        g = tf.random.normal([b, s, s, co])
        f = tf.function(lambda x: tf.gradients(tf.nn.conv2d(x, w, 1, "SAME"), x, g)[0])
    return lambda: f(x).numpy()


def _torch_call(shape, direction, channels_last):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    b, s, ci, co = shape
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    conv = torch.nn.Conv2d(ci, co, 3, padding=1, bias=False).to(memory_format=fmt)
    conv.weight.requires_grad_(False)
    x = torch.randn(b, ci, s, s).to(memory_format=fmt)
    if direction == "forward":
        def call():
            with torch.no_grad():
                return conv(x)
        return call
    g = torch.randn(b, co, s, s).to(memory_format=fmt)
    x.requires_grad_(True)
    return lambda: torch.autograd.grad(conv(x), x, g)[0]


def worker(system: str, shape, direction: str, warmup: int, calls: int) -> None:
    """Run the calls (oneDNN prints its lines to stdout); print the wall times as a last line."""
    if system == "tensorflow":
        call = _tf_call(shape, direction)
    else:
        call = _torch_call(shape, direction, system == "torch-channels-last")
    for _ in range(warmup):
        call()
    walls = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        walls.append(1000 * (time.perf_counter() - start))
    sys.stdout.flush()
    print("WALL_MS " + json.dumps(walls), flush=True)


def parse_verbose(text: str, calls: int) -> Dict[str, object]:
    """Kernel and reorder times of the last `calls` convolution executions, with the kernel's
    implementation and memory formats, from ONEDNN_VERBOSE output."""
    execs = [m.groups() for m in map(EXEC_LINE.match, text.splitlines()) if m]
    conv_idx = [i for i, e in enumerate(execs) if e[0] == "convolution"]
    if len(conv_idx) < calls:
        return {"error": f"{len(conv_idx)} convolution executions in the verbose output, "
                         f"expected >= {calls} (oneDNN not used?)"}
    first = conv_idx[-calls - 1] + 1 if len(conv_idx) > calls else 0
    timed = execs[first:]
    kernel = [float(e[4]) for e in timed if e[0] == "convolution"]
    reorders = [float(e[4]) for e in timed if e[0] == "reorder"]
    last_conv = execs[conv_idx[-1]]
    return {"impl": last_conv[1], "prop": last_conv[2], "formats": last_conv[3].split(",")[0],
            "kernel_ms": statistics.median(kernel), "reorder_ms_per_call": sum(reorders) / calls,
            "reorders_per_call": len(reorders) / calls}


def run_case(system: str, shape, direction: str, warmup: int, calls: int) -> Dict[str, object]:
    env = dict(os.environ, ONEDNN_VERBOSE="1", TF_CPP_MIN_LOG_LEVEL="2")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", system, "--shape",
           ",".join(map(str, shape)), "--direction", direction, "--calls", str(calls),
           "--warmup", str(warmup)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    walls = [line for line in done.stdout.splitlines() if line.startswith("WALL_MS ")]
    if done.returncode != 0 or not walls:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    wall = statistics.median(json.loads(walls[-1][len("WALL_MS "):]))
    return {"wall_ms": wall, "load": load_average(), **parse_verbose(done.stdout, calls)}


def torch_missing() -> Optional[str]:
    try:
        import torch  # noqa: F401
    except ImportError:
        return "PyTorch is not installed (pip install torch): its cases are skipped"
    return None


def report(rows: List[dict]) -> str:
    lines = ["| shape (b, px, cin->cout) | direction | system | wall ms | kernel ms | reorders ms "
             "(n/call) | kernel / wall | oneDNN implementation | formats |", "|---" * 9 + "|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['shape']} | {r['direction']} | {r['system']} | {r['error']} |||||||")
            continue
        lines.append(f"| {r['shape']} | {r['direction']} | {r['system']} | {r['wall_ms']:.2f} | "
                     f"{r['kernel_ms']:.2f} | {r['reorder_ms_per_call']:.2f} "
                     f"({r['reorders_per_call']:.0f}) | {r['kernel_ms'] / r['wall_ms']:.2f} | "
                     f"{r['impl']} | {r['formats']} |")
    return "\n".join(lines)


def main(argv=None):
    p = make_parser(__doc__, json=None)
    p.add_argument("--calls", type=int, default=10, help="timed calls per case (default 10)")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls first (default 3)")
    p.add_argument("--batch", type=int, default=4, help="images per call (default 4)")
    p.add_argument("--worker", choices=SYSTEMS, help=argparse_hidden())
    p.add_argument("--shape", help=argparse_hidden())
    p.add_argument("--direction", choices=DIRECTIONS, help=argparse_hidden())
    args = p.parse_args(argv)
    if args.calls < 1 or args.warmup < 0 or args.batch < 1:
        p.error("--calls and --batch must be >= 1, --warmup >= 0")
    if args.worker:
        worker(args.worker, tuple(int(v) for v in args.shape.split(",")), args.direction,
               args.warmup, args.calls)
        return
    missing = torch_missing()
    systems = [s for s in SYSTEMS if not (missing and s.startswith("torch"))]
    if missing:
        print(missing, file=sys.stderr)
    rows = []
    for shape in [(args.batch, *s[1:]) for s in SHAPES]:
        for direction in DIRECTIONS:
            for system in systems:
                row = run_case(system, shape, direction, args.warmup, args.calls)
                rows.append({"shape": shape, "direction": direction, "system": system, **row})
                print(report(rows[-1:]).splitlines()[-1], flush=True)
    print(report(rows))
    if args.json:
        write_json(args.json, {"machine": machine_info(), "rows": rows})


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
