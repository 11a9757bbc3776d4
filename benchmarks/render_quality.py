"""Quality check on real VGG16 weights: does rendering raise a unit far above its start value?

Renders unit 0 of conv1_1, conv3_1, conv4_1 and conv5_1 (128 px, 512 steps, fixed seed) and
reports the channel objective of the untransformed image at step 0 and at the end; then renders
a batch of 4 with and without `diversity` and reports the mean pairwise cosine distance of the
batch's Gram vectors (conv-layer style statistics), as Lucid's diversity notebook motivates.
Writes PNGs and a JSON to --out (default docs/quality).
"""
import itertools
import os

import numpy as np

from _bench import Stopwatch, make_parser, read_json, write_json
from lucid_vgg.misc.io import save
from lucid_vgg.optvis import objectives, param, render
from lucid_vgg.recipes import DIVERSITY_WEIGHT
from modelzoo import VGG16_caffe


def channel_value(model, image, layer, unit):
    """Mean activation of `unit` over the untransformed image(s), per image."""
    acts = model.get_activations(image, layer)
    return acts[..., unit].mean(axis=(1, 2))


def gram_vectors(model, images, layer):
    acts = model.get_activations(images, layer)
    b, h, w, c = acts.shape
    flat = acts.reshape(b, h * w, c)
    grams = np.einsum("bnc,bnd->bcd", flat, flat) / (h * w)
    return grams.reshape(b, -1)


def mean_pairwise_cosine_distance(vectors):
    v = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)
    return float(np.mean([1 - v[i] @ v[j] for i, j in itertools.combinations(range(len(v)), 2)]))


def main(argv=None):
    p = make_parser(__doc__, out="docs/quality", steps=512, size=128)
    p.add_argument("--only", choices=("units", "diversity"), help="run one half")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    model = VGG16_caffe()
    json_path = os.path.join(args.out, "quality.json")
    results = {"steps": args.steps, "size": args.size, "units": [], "diversity": {}}
    if args.only and os.path.exists(json_path):  # keep the other half from the last run
        results.update({k: v for k, v in read_json(json_path).items() if k != args.only})
    for layer in ("conv1_1", "conv3_1", "conv4_1", "conv5_1") if args.only != "diversity" else ():
        name = f"{layer}/{layer}"
        with Stopwatch() as sw:
            vis = render.make_vis_T(model, objectives.channel(name, 0),
                                    lambda: param.image(args.size), seed=0,
                                    relu_gradient_override=True)
            start = float(channel_value(model, vis.image(), name, 0)[0])
            img = render.run_vis(vis, (args.steps - 1,), verbose=False)[-1]
            end = float(channel_value(model, img, name, 0)[0])
        save(img[0], os.path.join(args.out, f"{layer}_0.png"))
        row = {"layer": name, "unit": 0, "start": start, "end": end,
               "ratio": end / start if start > 0 else None, "seconds": sw.seconds}
        results["units"].append(row)
        print(row, flush=True)
    layer, unit = "conv5_1/conv5_1", 4
    weights = (("plain", 0.0), ("diversity", DIVERSITY_WEIGHT)) if args.only != "units" else ()
    for label, weight in weights:
        obj = objectives.channel(layer, unit)
        if weight:
            obj = obj - weight * objectives.diversity(layer)
        vis = render.make_vis_T(model, obj, lambda: param.image(args.size, batch=4), seed=0)
        imgs = render.run_vis(vis, (args.steps - 1,), verbose=False)[-1]
        save(np.hstack(list(imgs)), os.path.join(args.out, f"conv5_1_4_{label}.png"))
        dist = mean_pairwise_cosine_distance(gram_vectors(model, imgs, "conv3_1/conv3_1"))
        vals = channel_value(model, imgs, layer, unit).tolist()
        results["diversity"][label] = {"weight": weight, "gram_cosine_distance_conv3_1": dist,
                                       "channel_values": vals}
        print(label, results["diversity"][label], flush=True)
    write_json(json_path, results)


if __name__ == "__main__":
    main()
