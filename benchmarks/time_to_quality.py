"""Time to quality: does the fast preset reach the activation of Lucid's 512-step render?

For each unit and seed, renders Lucid's default (Adam 0.05, 512 steps) and the fast preset
(`lucid_vgg.optvis.presets`: 512 // 3 steps, Adam 0.3 then a finish without the transforms),
both at 128 px with the default parameterisation, one unit per render (batch 1), and evaluates
the unit's channel mean on the *untransformed* image and, beside it, over 32 draws of Lucid's
standard transforms (`transformed_value`). FLOPs per step are the same for both (same network,
size and batch), so the FLOP ratio is the step ratio. Prints per-unit medians over seeds and the
median ratio fast / Lucid over all (unit, seed) pairs; writes each finished case to the JSON at
once and skips cases already there (an interrupted run resumes; fast cases of another fast
setting are kept as "fast_earlier" and rendered again), and a side-by-side sheet of the seed-0
pictures.

    python benchmarks/time_to_quality.py [--out docs/time_to_quality] [--seeds 4]
"""
import os
import time

import numpy as np

from _bench import load_average, machine_info, make_parser, read_json, write_json
from lucid_vgg.misc.io import save
from lucid_vgg.optvis import param, presets, render, transform
from lucid_vgg.optvis.seeding import fixed_seed
from modelzoo import VGG16_caffe

#: Eight units across conv3_1..conv5_3 (one per layer listed; unit numbers spread over the depth).
UNITS = [("conv3_1", 7), ("conv3_3", 40), ("conv4_1", 0), ("conv4_2", 100),
         ("conv4_3", 200), ("conv5_1", 3), ("conv5_2", 300), ("conv5_3", 400)]
LUCID_STEPS = 512
#: Draws of Lucid's standard transforms averaged by `transformed_value`.
TRANSFORM_DRAWS = 32


def fast_setting() -> str:
    """The fast preset's numbers, stored with each fast case (a changed preset renders again)."""
    return (f"Adam {presets.FAST_LEARNING_RATE} then {presets.FINISH_LEARNING_RATE} for the last "
            f"{presets.finish_steps(LUCID_STEPS)} of {presets.fast_steps(LUCID_STEPS)} steps, "
            "those without transforms")


def set_aside_earlier_fast_cases(cases, setting):
    """Mark fast cases of another setting as "fast_earlier" (kept for the record, not compared)."""
    for case in cases:
        if case["preset"] == "fast" and case.get("setting") != setting:
            case["preset"] = "fast_earlier"
            case.setdefault("setting", "Adam 0.3 for all 170 steps, all with transforms")


def todo(done, seeds):
    """(layer, unit, seed, preset) still to render: first the fast half of pairs whose Lucid
    render exists (a comparable median soonest), then the rest by seed."""
    wanted = [(layer, unit, seed, preset) for seed in range(seeds) for layer, unit in UNITS
              for preset in ("lucid", "fast") if (layer, unit, seed, preset) not in done]
    return sorted(wanted, key=lambda c: (c[:3] + ("lucid",)) not in done)


def channel_value(model, image, layer, unit):
    """Mean activation of `unit` over the untransformed image."""
    return float(np.asarray(model.get_activations(image, f"{layer}/{layer}"))[..., unit].mean())


def transformed_value(model, image, layer, unit, draws=TRANSFORM_DRAWS):
    """Mean activation of `unit` over `draws` seeded draws of Lucid's standard transforms: how
    well the picture holds up when moved, scaled and rotated, which the untransformed value alone
    does not show (a finish without transforms can raise one and lower the other)."""
    moved = transform.compose(transform.standard_transforms)
    with fixed_seed(1234):
        values = [channel_value(model, moved(np.asarray(image, np.float32)).numpy(), layer, unit)
                  for _ in range(draws)]
    return float(np.mean(values))


def preset_settings(preset):
    """render_vis keywords of `preset`: "fast" (the fast preset) or "lucid" (Lucid's 512 steps)."""
    return presets.fast(LUCID_STEPS) if preset == "fast" else {"thresholds": (LUCID_STEPS,)}


def render_case(model, layer, unit, seed, settings, size):
    """(final channel value, seconds, image) of one render with render_vis keywords `settings`."""
    start = time.perf_counter()
    image = render.render_vis(model, f"{layer}/{layer}:{unit}", lambda: param.image(size),
                              verbose=False, use_fixed_seed=seed, **settings)[-1]
    seconds = time.perf_counter() - start
    return channel_value(model, image, layer, unit), seconds, image


def summarize(cases):
    """Per-unit medians over seeds and the overall median of fast / Lucid per (unit, seed)."""
    by_key = {(c["layer"], c["unit"], c["seed"], c["preset"]): c for c in cases}
    seeds = sorted({c["seed"] for c in cases})
    ratios, rows = [], []
    for layer, unit in UNITS:
        pairs = [(by_key[(layer, unit, s, "lucid")]["value"], by_key[(layer, unit, s, "fast")]["value"])
                 for s in seeds if (layer, unit, s, "lucid") in by_key and (layer, unit, s, "fast") in by_key]
        if not pairs:
            continue
        lucid, fast = np.array(pairs).T
        ratios += list(fast / lucid)
        moved = [by_key[(layer, unit, s, "fast")]["value_transformed"]
                 / by_key[(layer, unit, s, "lucid")]["value_transformed"]
                 for s in seeds if "value_transformed" in by_key.get((layer, unit, s, "lucid"), {})
                 and "value_transformed" in by_key.get((layer, unit, s, "fast"), {})]
        rows.append({"layer": layer, "unit": unit, "seeds": len(pairs), "lucid": float(np.median(lucid)),
                     "fast": float(np.median(fast)), "ratio": float(np.median(fast / lucid)),
                     "ratio_transformed": float(np.median(moved)) if moved else None})
    return rows, (float(np.median(ratios)) if ratios else None), len(ratios)


def contact_sheet(out, seeds_done):
    """One PNG: per unit, Lucid's seed-0 render above the fast one."""
    from PIL import Image

    tiles = [(os.path.join(out, f"{layer}_{unit}_seed0_{p}.png")) for layer, unit in UNITS
             for p in ("lucid", "fast")]
    if not seeds_done or not all(os.path.exists(t) for t in tiles):
        return None
    images = [Image.open(t).convert("RGB") for t in tiles]
    w, h = images[0].size
    sheet = Image.new("RGB", (len(UNITS) * (w + 4), 2 * (h + 4)), "white")
    for k, im in enumerate(images):
        sheet.paste(im, ((k // 2) * (w + 4), (k % 2) * (h + 4)))
    path = os.path.join(out, "lucid_vs_fast.png")
    sheet.save(path)
    return path


def main(argv=None):
    p = make_parser(__doc__, out="docs/time_to_quality", size=128)
    p.add_argument("--seeds", type=int, default=4, help="seeds per unit (default 4)")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    record_path = os.path.join(args.out, "time_to_quality.json")
    record = read_json(record_path) if os.path.exists(record_path) else {"cases": []}
    setting = fast_setting()
    set_aside_earlier_fast_cases(record["cases"], setting)
    record.update(machine=machine_info(), lucid_steps=LUCID_STEPS,
                  fast_steps=presets.fast_steps(LUCID_STEPS), fast_setting=setting, size=args.size)
    record.pop("fast_learning_rate", None)
    done = {(c["layer"], c["unit"], c["seed"], c["preset"]) for c in record["cases"]}
    model = VGG16_caffe()
    for layer, unit, seed, preset in todo(done, args.seeds):
        value, seconds, image = render_case(model, layer, unit, seed, preset_settings(preset), args.size)
        save(image[0], os.path.join(args.out, f"{layer}_{unit}_seed{seed}_{preset}.png"))
        record["cases"].append(dict(layer=layer, unit=unit, seed=seed, preset=preset, value=value,
                                    value_transformed=transformed_value(model, image, layer, unit),
                                    seconds=seconds, load=load_average(),
                                    **({"setting": setting} if preset == "fast" else {})))
        write_json(record_path, record)
        print(f"{layer}:{unit} seed {seed} {preset}: {value:.1f} ({seconds:.0f} s)", flush=True)
    rows, median_ratio, n = summarize(record["cases"])
    print("| layer | unit | seeds | Lucid 512 steps | fast | fast / Lucid | same, transformed |\n"
          "|---|---|---|---|---|---|---|")
    for r in rows:
        moved = "-" if r["ratio_transformed"] is None else f"{r['ratio_transformed']:.3f}"
        print(f"| {r['layer']} | {r['unit']} | {r['seeds']} | {r['lucid']:.1f} | {r['fast']:.1f} | "
              f"{r['ratio']:.3f} | {moved} |")
    print(f"median fast / Lucid over {n} (unit, seed) pairs: {median_ratio}; FLOP ratio "
          f"{presets.fast_steps(LUCID_STEPS) / LUCID_STEPS:.3f}; sheet: {contact_sheet(args.out, n)}")


if __name__ == "__main__":
    main()
