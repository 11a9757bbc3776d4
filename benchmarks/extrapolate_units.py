"""Extrapolate the time to render every conv unit of VGG16 (13 layers, 4224 units) from measured
ms/step, e.g. the JSON record of render_bench.py at 128 px.

    python benchmarks/extrapolate_units.py results.json [--steps 512] [--json out.json]

Rule: a layer's step costs what the measured layer at or just above it costs (the shallowest
measured layer that is at least as deep: a deeper cut costs at least as much, so this errs on the
slow side); layers deeper than every measured one take the deepest measured layer's cost and are
marked `beyond_measured` (an underestimate). Each layer uses the measured batch (and precision)
that finishes it soonest: ceil(units / batch) renders of (build_s + steps x ms/step).
"""
import argparse
import json
import math
from typing import Dict, List, Optional, Sequence

VGG16_CONV_UNITS = {"conv1_1": 64, "conv1_2": 64, "conv2_1": 128, "conv2_2": 128,
                    "conv3_1": 256, "conv3_2": 256, "conv3_3": 256,
                    "conv4_1": 512, "conv4_2": 512, "conv4_3": 512,
                    "conv5_1": 512, "conv5_2": 512, "conv5_3": 512}
ORDER = list(VGG16_CONV_UNITS)


def usable_cases(cases: Sequence[dict]) -> List[dict]:
    """The measured cases that can be extrapolated: a known conv layer, a batch, ms/step (pruned)."""
    out = [c for c in cases if c.get("layer") in VGG16_CONV_UNITS and c.get("ms_per_step")
           and c.get("batch") and c.get("prune", True)]
    if not out:
        raise ValueError("no usable cases: need records with 'layer' (one of "
                         f"{', '.join(ORDER)}), 'batch' and 'ms_per_step'")
    return out


def source_layer(layer: str, measured: Sequence[str]) -> tuple:
    """(the measured layer whose cost `layer` takes, True if `layer` is deeper than all measured)."""
    if layer not in VGG16_CONV_UNITS:
        raise ValueError(f"unknown layer {layer!r}; VGG16 conv layers are {', '.join(ORDER)}")
    depth = ORDER.index(layer)
    deeper = sorted((ORDER.index(m), m) for m in set(measured) if ORDER.index(m) >= depth)
    if deeper:
        return deeper[0][1], False
    return max(measured, key=ORDER.index), True


def layer_seconds(units: int, case: dict, steps: int) -> float:
    """Seconds to render `units` units `case['batch']` at a time, `steps` steps each."""
    renders = math.ceil(units / int(case["batch"]))
    return renders * (float(case.get("build_s") or 0.0) + steps * float(case["ms_per_step"]) / 1000)


def extrapolate(cases: Sequence[dict], steps: int = 512,
                units: Optional[Dict[str, int]] = None) -> dict:
    """Per-layer and total seconds to render every unit; units per hour overall."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    units = dict(VGG16_CONV_UNITS if units is None else units)
    cases = usable_cases(cases)
    measured = sorted({c["layer"] for c in cases}, key=ORDER.index)
    layers = []
    for layer, n in units.items():
        src, beyond = source_layer(layer, measured)
        best = min((c for c in cases if c["layer"] == src), key=lambda c: layer_seconds(n, c, steps))
        layers.append({"layer": layer, "units": n, "from": src, "beyond_measured": beyond,
                       "batch": int(best["batch"]), "precision": best.get("precision", "float32"),
                       "ms_per_step": float(best["ms_per_step"]),
                       "seconds": layer_seconds(n, best, steps)})
    total = sum(r["seconds"] for r in layers)
    n_units = sum(units.values())
    return {"steps": steps, "units": n_units, "seconds": total, "hours": total / 3600,
            "units_per_hour": n_units / (total / 3600), "layers": layers, "measured_layers": measured}


def format_report(res: dict) -> str:
    """A plain-text table: one row per layer, then the total and units per hour."""
    lines = [f"{'layer':8s} {'units':>5s} {'from':8s} {'batch':>5s} {'ms/step':>8s} {'minutes':>8s}"]
    for r in res["layers"]:
        mark = "  (deeper than measured: underestimate)" if r["beyond_measured"] else ""
        lines.append(f"{r['layer']:8s} {r['units']:5d} {r['from']:8s} {r['batch']:5d} "
                     f"{r['ms_per_step']:8.1f} {r['seconds'] / 60:8.1f}{mark}")
    lines.append(f"all {res['units']} units at {res['steps']} steps: {res['hours']:.2f} h "
                 f"({res['units_per_hour']:.0f} units/hour), extrapolated from measured ms/step")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="a render_bench.py JSON record (its 'cases')")
    p.add_argument("--steps", type=int, default=512)
    p.add_argument("--json", default=None, help="write the extrapolation here")
    args = p.parse_args(argv)
    with open(args.results, encoding="utf-8") as f:
        record = json.load(f)
    res = extrapolate(record["cases"] if isinstance(record, dict) else record, args.steps)
    print(format_report(res))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
    return res


if __name__ == "__main__":
    main()
