"""Plumbing shared by the scripts in benchmarks/: command line, timing, machine, JSON records.

Import it before TensorFlow: it quiets TensorFlow's C++ log and imports lucid_vgg first, so every
benchmark runs with the TensorFlow settings a user gets (lucid_vgg's oneDNN default).
"""
import argparse
import json
import os
import platform
import subprocess
import time
from typing import Any, Callable, List, Optional

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import lucid_vgg  # noqa: F401,E402  before TensorFlow: the oneDNN setting users get
from lucid_vgg.misc.io.saving import save_json  # noqa: E402

_ABSENT = object()


# -- command line ------------------------------------------------------------------------
def make_parser(doc: str, *, json: Any = _ABSENT, out: Any = _ABSENT, steps: Any = _ABSENT,
                size: Any = _ABSENT, layer: Any = _ABSENT) -> argparse.ArgumentParser:
    """A parser that shows the script's docstring, with the shared options given a default.

    Each keyword that is passed adds its option with that default (json=None: optional path)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if json is not _ABSENT:
        p.add_argument("--json", default=json, help="write the JSON record here")
    if out is not _ABSENT:
        p.add_argument("--out", default=out, help="folder for the pictures and the JSON record")
    if steps is not _ABSENT:
        p.add_argument("--steps", type=int, default=steps, help="optimisation steps per render")
    if size is not _ABSENT:
        p.add_argument("--size", type=int, default=size, help="image size in pixels")
    if layer is not _ABSENT:
        p.add_argument("--layer", default=layer, help="layer to render")
    return p


# -- timing ------------------------------------------------------------------------------
def call_times(f: Callable[[], Any], n: int, warmup: int = 0) -> List[float]:
    """Seconds taken by each of `n` calls of f(), after `warmup` untimed calls."""
    for _ in range(warmup):
        f()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(f: Callable[[], Any], n: int, warmup: int = 2, repeats: int = 1) -> float:
    """Median seconds per call of f() over `n` calls after warm-up; the lowest of `repeats` such
    medians (less noise from other processes on a shared machine)."""
    medians = [float(np.median(call_times(f, n, warmup if r == 0 else 0))) for r in range(repeats)]
    return min(medians)


class Stopwatch:
    """Wall-clock seconds of a block: `with Stopwatch() as sw: ...`, then `sw.seconds`
    (read inside the block, it is the time so far)."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self._stop: Optional[float] = None

    def __enter__(self) -> "Stopwatch":
        self._start, self._stop = time.perf_counter(), None
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop = time.perf_counter()

    @property
    def seconds(self) -> float:
        end = time.perf_counter() if self._stop is None else self._stop
        return end - self._start


# -- machine -----------------------------------------------------------------------------
def load_average() -> float:
    """The 1-minute load average: how busy the (shared) machine was around a measurement."""
    return os.getloadavg()[0]


def machine_info() -> dict:
    """Python, TensorFlow, CPU model, the CPU flags that decide conv speed, clock and oneDNN."""
    import tensorflow as tf

    info = {"python": platform.python_version(), "tensorflow": tf.__version__,
            "cpus": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.startswith("Model name:"):
            info["cpu"] = line.split(":", 1)[1].strip()
        if line.startswith("Flags:"):
            flags = set(line.split(":", 1)[1].split())
            info["flags"] = sorted(f for f in flags if f.startswith(
                ("avx512f", "avx512_bf16", "amx", "avx512_vnni", "avx_vnni", "fma")))
            info["amx"] = any(f.startswith("amx") for f in flags)
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            mhz = [line for line in f if line.startswith("cpu MHz")]
        info["cpu_mhz"] = float(mhz[0].split(":")[1]) if mhz else None
    except OSError:
        pass
    info["onednn"] = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "TF default (on only with AVX-512)")
    return info


# -- the graph a render runs --------------------------------------------------------------
def run_model(model, objective, batch: int, precision: str = "float32"):
    """The model a render of `objective` at 128 px actually imports (its graph pruned to the
    nodes and channels the objective reads, cast to `precision`; `channel_cuts` on it): the
    network part the step timings and FLOP counts look at."""
    from lucid_vgg.optvis import fast_graph

    return fast_graph.graph_to_run(model, [objective], (batch, 128, 128, 3), precision, True)


# -- JSON records ------------------------------------------------------------------------
def write_json(path: str, record: Any) -> None:
    """Write a result record as indented JSON (numpy values allowed), atomically."""
    save_json(record, path)


def read_json(path: str) -> Any:
    """A record written by write_json (e.g. to keep the half of a result a rerun does not redo)."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)
