"""Units per hour of recipes.render_model: in-process vs Ray with 1 and 2 workers, in one run.

The same job (one layer's first units, one unit per image, the same size/steps/seed) is rendered
three times into fresh folders: in this process, then on a local Ray cluster (127.0.0.1, all CPUs)
with 1 worker x all CPUs and with 2 workers x half the CPUs each. For each: the job's wall time
(Ray: including starting the workers and loading the model in them), the steady rate (from
each worker's first finished batch to the last), the seconds a worker spends per batch, and Ray's
overhead per batch (workers x the interval between finished batches, minus the worker's render
time, in the steady part).

    python benchmarks/render_model_scaling.py [--layer conv1_1/conv1_1] [--units 32] [--size 32]
        [--steps 16] [--batch 4] [--json benchmarks/render_model_scaling.json] [--tiny]

`--tiny` uses the random-weight test net (tests/conftest.py) instead of VGG16_caffe.
"""
import os
import sys
import tempfile
import time

import _bench  # noqa: F401  (first: TensorFlow settings)
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model(tiny: bool):
    if tiny:
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        from conftest import TinyVGG

        return TinyVGG()
    from modelzoo.vision_models import VGG16_caffe

    return VGG16_caffe()


def run_case(model, name: str, args, **ray_kw) -> dict:
    """Render the job once into a fresh folder; its times as a dict."""
    from lucid_vgg import recipes

    finished = []
    out = tempfile.mkdtemp(prefix=f"render_model_{name}_")
    start = time.perf_counter()
    info = recipes.render_model(model, out, layers=[args.layer], units=list(range(args.units)),
                                size=args.size, steps=args.steps, batch_size=args.batch, seed=0,
                                progress=lambda d, t: finished.append(time.perf_counter()),
                                **ray_kw)
    wall = time.perf_counter() - start
    workers = ray_kw.get("ray_workers", 1)
    # steady part: after each worker's first batch (which also traces and warms up)
    steady_n = info.batches - workers
    steady = (finished[-1] - finished[workers - 1]) / steady_n if steady_n > 0 else float("nan")
    per_batch = float(np.mean(info.batch_seconds[workers:])) if steady_n > 0 else float("nan")
    return {"case": name, "workers": workers, "units": info.rendered, "batches": info.batches,
            "wall_s": wall, "units_per_hour_job": 3600 * info.rendered / wall,
            "steady_s_per_batch": steady,
            "units_per_hour_steady": 3600 * args.batch / steady,
            "first_batch_s": info.batch_seconds[0],
            "worker_s_per_batch": per_batch,
            "overhead_s_per_batch": steady * workers - per_batch,
            "driver_s_per_batch": float(np.mean(info.record_seconds)),
            "batch_seconds": info.batch_seconds, "out": out}


def table(results: list) -> str:
    rows = ["| run | workers | wall (job) | units/h (job) | s/batch steady | units/h steady "
            "| worker s/batch | overhead s/batch | driver s/batch |", "|---" * 9 + "|"]
    for r in results:
        rows.append(f"| {r['case']} | {r['workers']} | {r['wall_s']:.0f} s | "
                    f"{r['units_per_hour_job']:.0f} | {r['steady_s_per_batch']:.2f} | "
                    f"{r['units_per_hour_steady']:.0f} | {r['worker_s_per_batch']:.2f} | "
                    f"{r['overhead_s_per_batch']:.2f} | {r['driver_s_per_batch']:.3f} |")
    return "\n".join(rows)


def extrapolate(results: list, batch: int, n_workers=(1, 4, 16, 64)) -> str:
    """Units/hour for N workers from one Ray worker's measured seconds per batch (render +
    overhead), capped by the driver's own seconds per batch: an extrapolation, not a measurement."""
    one = next(r for r in results if r["case"] == "ray" and r["workers"] == 1)
    per_batch = one["worker_s_per_batch"] + max(0.0, one["overhead_s_per_batch"])
    cap = 3600 * batch / max(one["driver_s_per_batch"], 1e-9)
    lines = [f"per batch {per_batch:.2f} s (worker {one['worker_s_per_batch']:.2f} + overhead "
             f"{max(0.0, one['overhead_s_per_batch']):.2f}); driver limit {cap:.0f} units/h"]
    for n in n_workers:
        lines.append(f"N={n}: {min(n * 3600 * batch / per_batch, cap):.0f} units/h")
    return "\n".join(lines)


def ray_round_trip(ray, payload_bytes: int, n: int = 30) -> float:
    """Median seconds for one task on a warm Ray actor that takes a batch spec and returns a
    batch's worth of PNG bytes: Ray's fixed cost per batch, without any rendering."""
    from lucid_vgg.recipes.unit_batches import BatchSpec

    class Echo:
        def reply(self, spec, size):
            return [b"x" * (size // len(spec.files))] * len(spec.files)

    actor = ray.remote(Echo).options(num_cpus=1).remote()
    spec = BatchSpec("conv1_1/conv1_1", "positive", (0, 1, 2, 3), 0,
                     tuple(f"conv1_1/positive/{u:04d}.png" for u in range(4)),
                     tuple(("conv1_1/conv1_1", u, "positive", 0) for u in range(4)))
    ray.get(actor.reply.remote(spec, payload_bytes))
    times = []
    for _ in range(n):
        start = time.perf_counter()
        ray.get(actor.reply.remote(spec, payload_bytes))
        times.append(time.perf_counter() - start)
    ray.kill(actor)
    return float(np.median(times))


def main(argv=None) -> int:
    import ray

    p = _bench.make_parser(__doc__, json=os.path.join(ROOT, "benchmarks",
                                                      "render_model_scaling.json"),
                           steps=16, size=32, layer="conv1_1/conv1_1")
    p.add_argument("--units", type=int, default=32, help="units of the layer to render")
    p.add_argument("--batch", type=int, default=4, help="units per batch")
    p.add_argument("--tiny", action="store_true", help="the random-weight test net")
    args = p.parse_args(argv)
    model = _model(args.tiny)
    model.load_graphdef()
    cpus = os.cpu_count() or 2
    results = [run_case(model, "in-process", args)]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [ROOT, os.path.join(ROOT, "tests")] + [os.environ.get("PYTHONPATH", "")])
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    address = ray.get_runtime_context().gcs_address
    try:
        for workers in (1, 2):
            results.append(run_case(model, "ray", args, ray_address=address, ray_workers=workers,
                                    ray_cpus_per_worker=max(1, cpus // workers)))
        png_bytes = sum(os.path.getsize(os.path.join(root, f)) for root, _, files
                        in os.walk(results[0]["out"]) for f in files if f.endswith(".png"))
        round_trip = ray_round_trip(ray, png_bytes // max(1, results[0]["batches"]))
    finally:
        ray.shutdown()
    record = {"machine": _bench.machine_info(), "load_average": _bench.load_average(),
              "settings": vars(args), "results": results,
              "extrapolation": extrapolate(results, args.batch),
              "ray_round_trip_s_per_batch": round_trip}
    print(table(results))
    print(f"Ray round trip per batch (warm actor, no rendering): {1000 * round_trip:.1f} ms")
    print(record["extrapolation"])
    print(f"load average {record['load_average']}")
    if args.json:
        _bench.write_json(args.json, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
