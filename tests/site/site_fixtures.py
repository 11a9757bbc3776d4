"""A tiny render output in the render-model format (model.json + manifest.jsonl + PNGs), made
from the tiny test graph: synthetic unit pictures and real dataset examples from skimage photos."""
import json
import os

import numpy as np

from lucid_vgg.misc import io as mio
from lucid_vgg.recipes.dataset_examples import dataset_examples
from lucid_vgg.recipes.manifest import model_fingerprint

C11, C12, C21 = "conv1_1/conv1_1", "conv1_2/conv1_2", "conv2_1/conv2_1"
#: layer -> units with pictures (conv1_2 only partly rendered)
RENDERED = {C11: list(range(8)), C12: list(range(6)), C21: list(range(16))}


def picture(layer_i, unit, kind_i, side=32):
    """A distinct, non-grey 32 px picture per (layer, unit, kind): coloured stripes."""
    y, x = np.mgrid[0:side, 0:side] / side
    phase = unit * 0.7 + kind_i * 2.1 + layer_i
    img = np.stack([0.5 + 0.5 * np.sin(8 * x + phase), 0.5 + 0.5 * np.sin(8 * y - phase),
                    0.5 + 0.5 * np.cos(6 * (x + y) + unit)], -1)
    return img.astype(np.float32)


def _row(model_name, fingerprint, layer, unit, kind, index, file, objective):
    settings = {"size": 32, "steps": 16, "seed": unit, "kind": kind}
    return {"layer": layer, "unit": unit, "kind": kind, "index": index, "file": file,
            "sha256": "0" * 64, "objective": objective, "settings": settings,
            "settings_key": f"key{kind}", "model": {"name": model_name, "fingerprint": fingerprint},
            "version": "0.1.0", "finished": "2026-12-03T06:00:00+00:00"}


def make_render_out(root, model, model_name="TinyVGG", photos=None):
    """Write a render output for `model` (TinyVGG) into `root`; returns the manifest rows."""
    os.makedirs(root, exist_ok=True)
    layers = [{"name": la.name, "depth": la.depth, "tags": sorted(la.tags)}
              for la in model.layers if la.name in RENDERED]
    fingerprint = model_fingerprint(model)
    with open(os.path.join(root, "model.json"), "w") as f:
        json.dump({"model": {"name": model_name, "fingerprint": fingerprint}, "layers": layers,
                   "settings": {"size": 32, "steps": 16}, "version": "0.1.0"}, f)
    rows = []
    for li, (layer, units) in enumerate(RENDERED.items()):
        stem = layer.split("/")[0]
        for unit in units:
            kinds = [("positive", 0)] + ([("negative", 0), ("diverse", 0), ("diverse", 1)]
                                         if layer == C11 and unit < 3 else [])
            for ki, (kind, index) in enumerate(kinds):
                file = f"{stem}/{unit:04d}_{kind}_{index}.png"
                os.makedirs(os.path.join(root, stem), exist_ok=True)
                mio.save(picture(li, unit, ki), os.path.join(root, file))
                rows.append(_row(model_name, fingerprint, layer, unit, kind, index, file, 1.0 + unit + ki))
    stale = dict(rows[0], objective=-99.0)  # an older row for the same image: the later wins
    with open(os.path.join(root, "manifest.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in [stale] + rows)
    if photos is not None:
        dataset_examples(model, [C21], photos, k=3, out=root)
    with open(os.path.join(root, "manifest.jsonl"), "a") as f:
        f.write('{"layer": "conv1_1/conv1_1", "unit": 7, "ki')  # a torn last line
    return rows


def skimage_photos():
    from skimage import data

    return [np.asarray(getattr(data, n)()[::10, ::10], np.float32) / 255.0
            for n in ("astronaut", "coffee", "chelsea", "rocket")]
