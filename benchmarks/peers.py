"""Peers benchmark: lucid-vgg's render_vis step against original Lucid 0.3.10 and Lucent, one run.

    python benchmarks/peers.py [--rounds 3] [--steps 60] [--warmup 20] [--batches 1,4]
                               [--cache ~/.cache/lucid_vgg/peers] [--json out.json]

Same work for every system: channel 0 of conv4_1 of VGG16_caffe (the same frozen graph's weights),
param.image(128, batch=B) (Lucid's default: FFT, decorrelated), the standard transforms, Adam 0.05,
the redirected-ReLU gradient on as render_vis runs it: the case users run, not the fastest variant.
Each case runs in a fresh subprocess; systems are interleaved over the rounds; a case's result is
the median ms per step after warm-up (warm-up > 16 steps, so lucid-vgg is past its redirect
steps, as for most of a 512-step render). Beside the table: TensorFlow's and PyTorch's 3x3 conv
peak on VGG shapes at this render size, each in its own subprocess.

Original Lucid is pip-installed (no deps) into --cache at the first run and imported through
benchmarks/lucid_shim.py (tf.compat.v1). Lucent needs torch (`pip install torch==2.13.0`) and
`pip install --no-deps --target <cache>/lucent torch-lucent kornia kornia_rs decorator` (done here when torch
is present); without torch it is skipped with a message. Lucent's own render_vis upsamples to
224 px, so its step is rebuilt from Lucent's parts (param, transforms, objective, hooks) at 128 px.
"""
import json
import os
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEMS = ("lucid-vgg", "lucid", "lucent")
LABELS = {"lucid-vgg": "lucid-vgg render_vis step (redirect on)",
          "lucid": "original Lucid 0.3.10 (tf.compat.v1)",
          "lucent": "Lucent (PyTorch, cut at conv4_1)"}
LAYER, CHANNEL, SIZE = "conv4_1", 0, 128
# VGG16 convs up to conv4_1, as (cin, cout, pool before it)
VGG_TO_CONV4_1 = [("conv1_1", 3, 64, False), ("conv1_2", 64, 64, False),
                  ("conv2_1", 64, 128, True), ("conv2_2", 128, 128, False),
                  ("conv3_1", 128, 256, True), ("conv3_2", 256, 256, False),
                  ("conv3_3", 256, 256, False), ("conv4_1", 256, 512, True)]
# 3x3 conv shapes a 128 px render runs (~140 px after the standard transforms): (size, cin, cout)
PEAK_SHAPES = [(140, 64, 64), (35, 256, 256), (18, 512, 512)]
PEER_REQUIREMENTS = {"lucid": ["lucid==0.3.10", "decorator", "cachetools"],
                     "lucent": ["torch-lucent==0.1.8", "kornia", "kornia_rs", "decorator"]}


# -- pure logic: results to a table --------------------------------------------------------
def medians(rows: Sequence[dict]) -> Dict[str, Dict[int, float]]:
    """{system: {batch: median over rounds of the per-case median ms/step}} (failed cases left out)."""
    out: Dict[str, Dict[int, List[float]]] = {}
    for r in rows:
        if r.get("ms_per_step") is not None:
            out.setdefault(r["system"], {}).setdefault(int(r["batch"]), []).append(r["ms_per_step"])
    return {s: {b: float(np.median(v)) for b, v in bs.items()} for s, bs in out.items()}


def ratios(table: Dict[str, Dict[int, float]], base: str = "lucid-vgg") -> Dict[str, Dict[int, float]]:
    """{other system: {batch: its ms / base's ms}} (>1: the base system is faster)."""
    ref = table.get(base, {})
    return {s: {b: ms / ref[b] for b, ms in bs.items() if b in ref}
            for s, bs in table.items() if s != base}


def format_table(table: Dict[str, Dict[int, float]], batches: Sequence[int],
                 skipped: Optional[Dict[str, str]] = None) -> str:
    """A Markdown table of median ms/step per system and batch, then the ratios to lucid-vgg."""
    lines = ["| system | " + " | ".join(f"batch {b}" for b in batches) + " |",
             "|---|" + "---|" * len(batches)]
    for s in SYSTEMS:
        if s in table:
            cells = [f"{table[s][b]:.1f}" if b in table[s] else "-" for b in batches]
        else:
            cells = ["skipped"] * len(batches)
        lines.append(f"| {LABELS[s]} | " + " | ".join(cells) + " |")
    for s, bs in ratios(table).items():
        lines.append(f"{s} / lucid-vgg: " + ", ".join(f"batch {b} {bs[b]:.2f}x" for b in batches if b in bs)
                     + "  (>1: lucid-vgg faster)")
    for s, why in (skipped or {}).items():
        lines.append(f"{s} skipped: {why}")
    return "\n".join(lines)


def interleaved_cases(systems: Sequence[str], batches: Sequence[int], rounds: int) -> List[tuple]:
    """(round, system, batch) in run order: each round runs every system at every batch in turn."""
    return [(r, s, b) for r in range(rounds) for b in batches for s in systems]


# -- peers' installation ---------------------------------------------------------------------
def ensure_installed(kind: str, cache: str) -> str:
    """The folder holding `kind`'s packages, pip-installed there (--no-deps) if not yet."""
    target = os.path.join(cache, kind)
    marker = os.path.join(target, "lucid" if kind == "lucid" else "lucent")
    if not os.path.isdir(marker):
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target,
               *PEER_REQUIREMENTS[kind]]
        print("installing:", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
    return target


def torch_missing() -> Optional[str]:
    """Why Lucent cannot run here, or None."""
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            return "torch is not installed (pip install torch==2.13.0 for the CPU build)"
    except ImportError as e:
        return str(e)
    return None


# -- workers (each in its own subprocess) ------------------------------------------------------
def _times(step, steps: int, warmup: int, sign: float = 1.0) -> dict:
    """Seconds per timed step, and the objective (step's loss x sign) at the first and last step:
    each system must be doing the optimisation, not only spending the time."""
    sys.path.insert(0, HERE)
    from _bench import call_times
    seen: List[float] = []

    def recorded():
        out = step()
        loss = out[0] if isinstance(out, (list, tuple)) else out
        seen.append(sign * float(np.sum(loss.detach().numpy() if hasattr(loss, "detach") else loss)))
    times = call_times(recorded, steps, warmup)
    return {"times": times, "objective_first": seen[0], "objective_last": seen[-1]}


def run_lucid_vgg(batch: int, steps: int, warmup: int) -> dict:
    """Seconds per step of lucid-vgg's render_vis step (make_vis_T as render_vis builds it)."""
    sys.path.insert(0, HERE)
    import _bench  # noqa: F401  lucid_vgg's TensorFlow settings first
    from lucid_vgg.optvis import objectives, param, render
    from modelzoo import VGG16_caffe
    vis = render.make_vis_T(VGG16_caffe(), objectives.channel(f"{LAYER}/{LAYER}", CHANNEL),
                            lambda: param.image(SIZE, batch=batch), relu_gradient_override=True)
    return _times(vis.step, steps, warmup)


def run_lucid(batch: int, steps: int, warmup: int, cache: str) -> dict:
    """Seconds per step of original Lucid's render_vis loop (sess.run([loss, vis_op]))."""
    sys.path.insert(0, HERE)
    import lucid_shim
    from modelzoo import VGG16_caffe
    ours = VGG16_caffe()
    m = lucid_shim.import_lucid(ensure_installed("lucid", cache), (
        "lucid.optvis.render", "lucid.optvis.objectives", "lucid.optvis.param",
        "lucid.modelzoo.vision_base", "lucid.misc.redirected_relu_grad", "lucid.misc.gradient_override"))
    relu = m["lucid.misc.redirected_relu_grad"]
    import tensorflow as tf
    tf1 = tf.compat.v1

    class VGG16(m["lucid.modelzoo.vision_base"].Model):
        model_path = "(lucid-vgg's VGG16_caffe graph_def, in memory)"
        image_shape, image_value_range = ours.image_shape, ours.image_value_range
        input_name, is_BGR = ours.input_name, True
        _graph_def = ours.graph_def

    with tf1.Graph().as_default(), tf1.Session() as sess:
        with m["lucid.misc.gradient_override"].gradient_override_map(
                {"Relu": relu.redirected_relu_grad, "Relu6": relu.redirected_relu6_grad}):
            T = m["lucid.optvis.render"].make_vis_T(
                VGG16(), m["lucid.optvis.objectives"].channel(f"{LAYER}/{LAYER}", CHANNEL),
                lambda: m["lucid.optvis.param"].image(SIZE, batch=batch))
        loss, vis_op = T("loss"), T("vis_op")
        tf1.global_variables_initializer().run()
        return _times(lambda: sess.run([loss, vis_op]), steps, warmup)


def _import_lucent(path: str) -> dict:
    """Lucent's modules, with torchvision's Normalize stubbed (unused here; PyPI's torchvision does
    not load beside this torch) and kornia's old top-level names restored."""
    import types
    import kornia
    import kornia.geometry.transform as kgt
    for name in ("warp_affine", "get_rotation_matrix2d"):
        if not hasattr(kornia, name):
            setattr(kornia, name, getattr(kgt, name))
    if "torchvision" not in sys.modules:
        tv, tvt = types.ModuleType("torchvision"), types.ModuleType("torchvision.transforms")
        tvt.Normalize = lambda *a, **k: None  # type: ignore[attr-defined]
        tv.transforms = tvt  # type: ignore[attr-defined]
        sys.modules.update({"torchvision": tv, "torchvision.transforms": tvt})
    import importlib
    return {n: importlib.import_module(f"lucent.optvis.{n}")
            for n in ("param", "transform", "objectives", "render")}


def torch_vgg_to_conv4_1(graph_def, value_range, torch):
    """A torch VGG16 cut at conv4_1's ReLU, weights from the frozen graph's constants, with the
    Caffe preprocessing (RGB [0,1] -> BGR minus mean) as its first module."""
    from tensorflow.python.framework import tensor_util
    consts = {n.name: tensor_util.MakeNdarray(n.attr["value"].tensor)
              for n in graph_def.node if n.op == "Const"}
    lo, hi = (np.asarray(v, np.float32) for v in value_range)
    nn = torch.nn

    class Caffe(nn.Module):
        def forward(self, x):
            x = x.flip(1)  # RGB -> BGR
            return torch.tensor(lo).view(1, 3, 1, 1) + x * torch.tensor(hi - lo).view(1, 3, 1, 1)

    layers: list = [("preprocess", Caffe())]
    for name, cin, cout, pool in VGG_TO_CONV4_1:
        if pool:
            layers.append((f"pool_{name}", nn.MaxPool2d(2, 2)))
        conv = nn.Conv2d(cin, cout, 3, padding=1)
        kernel = [v for k, v in consts.items() if k.startswith(name + "/") and v.ndim == 4][0]
        bias = [v for k, v in consts.items() if k.startswith(name + "/") and v.ndim == 1][0]
        conv.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        conv.bias.data = torch.from_numpy(np.ascontiguousarray(bias))
        layers += [(f"{name}_conv", conv), (name, nn.ReLU())]
    from collections import OrderedDict
    return nn.Sequential(OrderedDict(layers)).eval()


def run_lucent(batch: int, steps: int, warmup: int, cache: str) -> dict:
    """Seconds per step of Lucent's render loop (zero_grad, forward, objective, backward, Adam)."""
    sys.path.insert(0, ensure_installed("lucent", cache))
    import torch
    from modelzoo import VGG16_caffe
    ours = VGG16_caffe()
    lu = _import_lucent(cache)
    model = torch_vgg_to_conv4_1(ours.graph_def, ours.image_value_range, torch)
    for p in model.parameters():
        p.requires_grad_(False)
    params, image_f = lu["param"].image(SIZE, batch=batch)
    optimizer = torch.optim.Adam(params, lr=0.05)
    transform_f = lu["transform"].compose(list(lu["transform"].standard_transforms))
    objective_f = lu["objectives"].as_objective(f"{LAYER}:{CHANNEL}")
    hook = lu["render"].hook_model(model, image_f)

    def step():
        optimizer.zero_grad()
        model(transform_f(image_f()))
        loss = objective_f(hook)
        loss.backward()
        optimizer.step()
        return loss
    return _times(step, steps, warmup, sign=-1.0)


def worker_main(system: str, batch: int, steps: int, warmup: int, cache: str) -> dict:
    """Run one case; the record the parent reads from the last line of stdout."""
    runs = {"lucid-vgg": lambda: run_lucid_vgg(batch, steps, warmup),
            "lucid": lambda: run_lucid(batch, steps, warmup, cache),
            "lucent": lambda: run_lucent(batch, steps, warmup, cache)}
    res = runs[system]()
    times = res.pop("times")
    return {"system": system, "batch": batch, "steps_timed": steps, "warmup": warmup,
            "ms_per_step": 1000 * float(np.median(times)), "ms_per_step_min": 1000 * float(np.min(times)),
            **res}


# -- conv peaks (each in its own subprocess) ---------------------------------------------------
def tf_conv_peak(batch: int) -> Dict[str, float]:
    """TensorFlow 3x3 conv FLOP/s on PEAK_SHAPES at this batch (benchmarks/conv_peak.py)."""
    sys.path.insert(0, HERE)
    from conv_peak import conv_peak
    return {f"{s}x{s}x{ci}->{co}": conv_peak("float32", batch, s, ci, co, iters=5, repeats=2)
            for s, ci, co in PEAK_SHAPES}


def torch_conv_peak(batch: int) -> Dict[str, float]:
    """PyTorch 3x3 conv FLOP/s on the same shapes (channels_last, oneDNN), best of NCHW/NHWC."""
    import torch
    sys.path.insert(0, HERE)
    from _bench import median_seconds
    torch.set_grad_enabled(False)
    out = {}
    for s, ci, co in PEAK_SHAPES:
        conv = torch.nn.Conv2d(ci, co, 3, padding=1, bias=False)
        x = torch.randn(batch, ci, s, s)
        best = 0.0
        for fmt in (torch.contiguous_format, torch.channels_last):
            c, xx = conv.to(memory_format=fmt), x.contiguous(memory_format=fmt)
            sec = median_seconds(lambda: c(xx), 5, warmup=2, repeats=2)
            best = max(best, 2.0 * batch * s * s * ci * co * 9 / sec)
        out[f"{s}x{s}x{ci}->{co}"] = best
    return out


# -- the parent: interleaved subprocesses -----------------------------------------------------
def run_child(args: List[str], timeout: float = 1800) -> dict:
    """Run this script with `args` in a fresh Python; its last stdout line is a JSON record."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    p = subprocess.run([sys.executable, os.path.abspath(__file__), *args], capture_output=True,
                       text=True, env=env, timeout=timeout, check=False)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"error": (p.stderr or p.stdout).strip().splitlines()[-1:] or [f"exit {p.returncode}"]}
    return json.loads(lines[-1])


def parse_args(argv: Optional[List[str]]):
    sys.path.insert(0, HERE)
    from _bench import make_parser
    p = make_parser(__doc__, json=None)
    p.add_argument("--steps", type=int, default=60,
                   help="timed steps per case (after --warmup); each step draws its own random "
                        "transform size, so fewer steps sample the step's cost coarsely")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every case")
    p.add_argument("--warmup", type=int, default=20, help="untimed steps before timing (> 16)")
    p.add_argument("--batches", default="1,4")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--cache", default=os.path.join(os.environ.get(
        "LUCID_VGG_CACHE", os.path.expanduser("~/.cache/lucid_vgg")), "peers"),
        help="folder the peers are pip-installed into")
    p.add_argument("--no-peak", action="store_true", help="skip the conv peaks")
    p.add_argument("--worker", choices=SYSTEMS + ("tf-peak", "torch-peak"), help=argparse_hidden())
    p.add_argument("--batch", type=int, default=1, help=argparse_hidden())
    args = p.parse_args(argv)
    args.batches = [int(b) for b in args.batches.split(",")]
    args.systems = [s for s in args.systems.split(",") if s]
    bad = [s for s in args.systems if s not in SYSTEMS]
    if bad or args.rounds < 1 or args.steps < 1 or args.warmup < 0 or min(args.batches) < 1:
        p.error(f"--systems must be among {','.join(SYSTEMS)} (got {bad}); --rounds, --steps and "
                f"batches must be >= 1 and --warmup >= 0")
    return args


def argparse_hidden() -> str:
    import argparse
    return argparse.SUPPRESS


def run_all(args) -> dict:
    """Every case in turn (fresh subprocess each), then the conv peaks; returns the record."""
    skipped: Dict[str, str] = {}
    systems = list(args.systems)
    if "lucent" in systems and torch_missing():
        skipped["lucent"] = torch_missing() or ""
        systems.remove("lucent")
    for kind in ("lucid", "lucent"):
        if kind in systems:
            ensure_installed(kind, args.cache)
    rows = []
    for rnd, system, batch in interleaved_cases(systems, args.batches, args.rounds):
        rec = run_child(["--worker", system, "--batch", str(batch), "--steps", str(args.steps),
                         "--warmup", str(args.warmup), "--cache", args.cache])
        rec.update(system=system, batch=batch, round=rnd, load=os.getloadavg()[0])
        rows.append(rec)
        shown = (f"{rec['ms_per_step']:.1f} ms/step, objective {rec['objective_first']:.3g} -> "
                 f"{rec['objective_last']:.3g}") if "ms_per_step" in rec else f"FAILED {rec['error']}"
        print(f"round {rnd} {system:9s} batch {batch}: {shown} (load {rec['load']:.1f})", flush=True)
    peaks = {}
    if not args.no_peak:
        for batch in args.batches:
            peaks[f"tensorflow b{batch}"] = run_child(["--worker", "tf-peak", "--batch", str(batch)])
            if not torch_missing():
                peaks[f"pytorch b{batch}"] = run_child(["--worker", "torch-peak", "--batch", str(batch)])
    return {"rows": rows, "skipped": skipped, "peaks": peaks}


def report(record: dict, batches: Sequence[int]) -> str:
    """The printed summary: what was measured, the table, the ratios, the conv peaks."""
    table = medians(record["rows"])
    lines = [f"channel {CHANNEL} of {LAYER}, {SIZE} px, param.image defaults, standard transforms, "
             "Adam 0.05, redirected ReLU on: the render_vis case users run. Median ms/step:",
             format_table(table, batches, record["skipped"]),
             "3x3 conv peak (GFLOP/s, float32, shapes of a 128 px render):"]
    for name, peak in record["peaks"].items():
        shown = ", ".join(f"{k} {v / 1e9:.0f}" for k, v in peak.items()) if "error" not in peak \
            else f"FAILED {peak['error']}"
        lines.append(f"  {name:14s} {shown}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> Optional[dict]:
    args = parse_args(argv)
    if args.worker:
        peak = {"tf-peak": tf_conv_peak, "torch-peak": torch_conv_peak}.get(args.worker)
        rec = peak(args.batch) if peak else worker_main(args.worker, args.batch, args.steps,
                                                         args.warmup, args.cache)
        print(json.dumps(rec))
        return None
    sys.path.insert(0, HERE)
    from _bench import machine_info, write_json
    record = run_all(args)
    record.update(machine=machine_info(), table=medians(record["rows"]),
                  command=" ".join(["peers.py"] + (argv if argv is not None else sys.argv[1:])))
    print(report(record, args.batches))
    if args.json:
        write_json(args.json, record)
        print(f"wrote {args.json}")
    return record


if __name__ == "__main__":
    main()
