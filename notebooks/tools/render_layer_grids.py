"""Render layer_grids.ipynb's units at full settings into docs/layer_grids, a few hours at a time.

All 2,496 units take many CPU-hours on 2 cores, more than one working session has. This script
makes exactly the notebook's `render_layer` calls (same sizes, steps, batch size and seed), stops
cleanly at a batch boundary once `--minutes` have passed, and appends each batch's wall time to
`timings.jsonl`. Because render_layer skips units whose PNG exists, the next run continues
where this one stopped with the same per-batch seeds, and executing the notebook with
`LUCID_VGG_OUT=docs` at the end loads every unit instead of rendering it.

    python notebooks/tools/render_layer_grids.py --minutes 60 [LAYER ...]
    python notebooks/tools/render_layer_grids.py --write-manifest   # one-off, see write_manifest
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "docs", "layer_grids")

# Image size per layer at full settings. conv4_1 and conv5_x use 64 px: at 128 px they would
# take 4-7 h per layer on 2 cores; 64 px is a quarter of the work.
LAYER_SIZES = {
    "conv1_1/conv1_1": 128,
    "conv2_1/conv2_1": 128,
    "conv3_1/conv3_1": 128,
    "conv4_1/conv4_1": 64,
    "conv5_1/conv5_1": 64,
    "conv5_2/conv5_2": 64,
    "conv5_3/conv5_3": 64,
}
# Optimisation steps per layer. conv5_x use 256: benchmarks/layer_grid_settings.py showed the
# same pictures at half the time of 512 (each unit reaches a median 0.91 of its 512-step
# activation), which brings the three conv5 layers from ~14 h to ~7 h on the slower machine.
LAYER_STEPS = {layer: 256 if layer.startswith("conv5") else 512 for layer in LAYER_SIZES}
BATCH = 8
SEED = 0


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (sessions ran on different machines)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


class OutOfTime(Exception):
    """Raised from render_layer's progress callback, after a batch is saved, to stop a run."""


def render(layers, minutes, out_dir=OUT_DIR, log=print):
    """Render the missing units of `layers` until `minutes` have passed; True if all are done."""
    import modelzoo.vision_models as models
    from lucid_vgg import recipes

    model = models.VGG16_caffe()
    cpu = cpu_model()
    deadline = time.time() + 60 * minutes
    os.makedirs(out_dir, exist_ok=True)
    timings = os.path.join(out_dir, "timings.jsonl")
    for layer in layers:
        if time.time() > deadline:
            log(f"out of time before {layer}; rerun to continue")
            return False
        size, steps = LAYER_SIZES[layer], LAYER_STEPS[layer]
        last = [time.time()]

        def progress(done, total):
            now = time.time()
            record = {"layer": layer, "size": size, "steps": steps, "batch": BATCH,
                      "units_done": done, "units_total": total,
                      "seconds": round(now - last[0], 1),
                      "finished": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)),
                      "load_average": round(os.getloadavg()[0], 2),
                      "cpu": cpu, "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "TF default")}
            with open(timings, "a") as f:
                f.write(json.dumps(record) + "\n")
            log(f"{layer}: {done}/{total} units, batch took {record['seconds']} s")
            last[0] = now
            if now > deadline and done < total:
                raise OutOfTime(layer)

        try:
            recipes.render_layer(model, layer, out_dir=out_dir, size=size, steps=steps,
                                 batch_size=BATCH, seed=SEED, progress=progress)
        except OutOfTime:
            log(f"stopped after {minutes} min in {layer}; rerun to continue")
            return False
    return True


# Records written before the cpu/onednn fields existed came from the Intel Xeon (AVX-512) machine
# of BENCHMARKS.md, where TensorFlow turns oneDNN on by itself.
EARLIER_MACHINE = "Intel Xeon (AVX-512), oneDNN on by TF default"


def machine_of(record):
    """Which machine and kernel set a timing record was measured on."""
    if "cpu" not in record:
        return EARLIER_MACHINE
    onednn = {"1": "on", "0": "off"}.get(record["onednn"], record["onednn"])
    return f"{record['cpu']}, oneDNN {onednn}"


def summary_rows(out_dir: str = OUT_DIR) -> list:
    """Per (layer, size, steps, machine) in timings.jsonl: batches rendered, batches timed, their
    total seconds, seconds per unit (NaN when none was timed) and the highest load average.

    Records marked "excluded" (their wall time was disturbed, e.g. the process was paused) are
    counted as batches rendered but left out of the times."""
    totals: dict = {}
    with open(os.path.join(out_dir, "timings.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            key = (r["layer"], r["size"], r["steps"], machine_of(r))
            t = totals.setdefault(key, {"batches": 0, "timed": 0, "seconds": 0.0, "max_load": 0.0})
            t["batches"] += 1
            if r.get("excluded"):
                continue
            t["timed"] += 1
            t["seconds"] += r["seconds"]
            t["max_load"] = max(t["max_load"], r["load_average"])
    return [dict(layer=layer, size=size, steps=steps, machine=machine, **t,
                 per_unit=t["seconds"] / (BATCH * t["timed"]) if t["timed"] else float("nan"))
            for (layer, size, steps, machine), t in totals.items()]


def summary(out_dir: str = OUT_DIR) -> str:
    """`summary_rows` as the Markdown table that docs/layer_grids/README.md quotes."""
    rows = ["| layer | size | steps | machine | batches of 8 (timed) | time of the timed "
            "| per unit | highest load average |", "|---|---|---|---|---|---|---|---|"]
    for r in summary_rows(out_dir):
        rows.append(f"| {r['layer']} | {r['size']} px | {r['steps']} | {r['machine']} "
                    f"| {r['batches']} ({r['timed']}) | {r['seconds'] / 60:.1f} min "
                    f"| {r['per_unit']:.1f} s | {r['max_load']} |")
    return "\n".join(rows)


def _finish_times(out_dir):
    """{(layer, steps): [(units_done, finished ISO UTC), ...]} from timings.jsonl."""
    times: dict = {}
    with open(os.path.join(out_dir, "timings.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            times.setdefault((r["layer"], r["steps"]), []).append(
                (r["units_done"], r["finished"] + "+00:00"))  # written with time.gmtime: UTC
    return times


def write_manifest(out_dir: str = OUT_DIR, model=None) -> int:
    """One-off migration: write `out_dir/manifest.jsonl` for the units rendered before render_layer
    kept a manifest, so the notebook's render_layer calls reuse them instead of rendering again.

    Each PNG gets the row render_layer writes today, with the settings this tool rendered it with
    (LAYER_SIZES, LAYER_STEPS, BATCH, SEED, standard transforms, the default optimizer), its
    SHA-256, objective null (not recorded then), the finish time of its batch in timings.jsonl,
    the current model fingerprint, and `"migrated": true`. Refuses to overwrite a manifest.
    Returns the number of rows."""
    from lucid_vgg.recipes import layer_renders, manifest
    import modelzoo.vision_models as models

    path = os.path.join(out_dir, manifest.MANIFEST_NAME)
    if os.path.exists(path):
        raise FileExistsError(f"{path} exists; move it away to write it again")
    model = model or models.VGG16_caffe()
    record = manifest.model_record(model)
    times = _finish_times(out_dir)
    lines = []
    for layer in LAYER_SIZES:
        settings = layer_renders.layer_settings(LAYER_SIZES[layer], LAYER_STEPS[layer], BATCH,
                                                seed=SEED)
        done = sorted(times.get((layer, LAYER_STEPS[layer]), []))
        for unit in range(model.get_layer(layer).depth):
            name = os.path.basename(layer_renders.unit_path(out_dir, layer, unit))
            if not os.path.exists(os.path.join(out_dir, name)):
                continue
            with open(os.path.join(out_dir, name), "rb") as f:
                digest = manifest.sha256_bytes(f.read())
            finished = next((t for d, t in done if d > unit), None)
            row = manifest.make_row(layer, unit, "positive", 0, name, digest, None, settings,
                                    record, finished=finished, migrated=True)
            lines.append(manifest.canonical_json(row) + "\n")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return len(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("layers", nargs="*", default=list(LAYER_SIZES),
                   help="layers to render, in order (default: all of the notebook's)")
    p.add_argument("--minutes", type=float, default=60.0,
                   help="stop at the first batch boundary after this many minutes")
    p.add_argument("--summary", action="store_true",
                   help="print a Markdown table of the recorded times and exit")
    p.add_argument("--write-manifest", action="store_true",
                   help="one-off: write manifest.jsonl for the committed PNGs and exit")
    args = p.parse_args(argv)
    if args.write_manifest:
        print(f"{write_manifest()} rows written to {OUT_DIR}/manifest.jsonl")
        return 0
    if args.summary:
        print(summary())
        return 0
    unknown = [layer for layer in args.layers if layer not in LAYER_SIZES]
    if unknown:
        p.error(f"unknown layers {unknown}; choose from {list(LAYER_SIZES)}")
    return 0 if render(args.layers, args.minutes) else 3


if __name__ == "__main__":
    sys.exit(main())
