"""Dataset examples: the running top-k against a brute-force NumPy reference, the receptive-field
boxes against the input gradient's support, and the files + manifest rows written to `out`."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.misc import io as mio
from lucid_vgg.recipes import dataset_examples as dx

C11, C21, C31 = "conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1"


@pytest.fixture(scope="module")
def photos():
    """scikit-image's photos, downsampled to a few dozen px, in two different shapes, plus noise."""
    from skimage import data

    out = [np.asarray(getattr(data, name)()[::s, ::s], np.float32) / 255.0
           for name, s in (("astronaut", 12), ("coffee", 12), ("chelsea", 9), ("rocket", 12))]
    rng = np.random.default_rng(1)
    out += [rng.uniform(0, 1, (36, 44, 3)).astype(np.float32) for _ in range(3)]
    return out


def brute_force(model, photos, layer, k):
    """Per unit: (values, image indices, argmax positions) of the k best images, stable order."""
    maxes, pos = [], []
    for img in photos:
        acts = model.get_activations(img[None], layer)[0]
        flat = acts.reshape(-1, acts.shape[-1])
        arg = flat.argmax(0)
        maxes.append(flat[arg, np.arange(flat.shape[1])])
        pos.append(np.stack(np.divmod(arg, acts.shape[1]), 1))
    maxes = np.stack(maxes)  # [images, units]
    order = np.argsort(-maxes, axis=0, kind="stable")[:k].T  # [units, k]
    return maxes, order, np.stack(pos)


@pytest.mark.parametrize("layer", [C11, C21, C31])
def test_running_top_k_matches_brute_force(tiny_model, photos, layer):
    k = 3
    got = dx.dataset_examples(tiny_model, layer, photos, k=k, batch_size=2)[layer]
    maxes, order, pos = brute_force(tiny_model, photos, layer, k)
    depth = tiny_model.get_layer(layer).depth
    assert got.values.shape == (depth, k) and len(got.crops) == depth
    np.testing.assert_allclose(got.values, np.take_along_axis(maxes.T, order, 1), rtol=1e-5)
    assert (got.sources.astype(int) == order).all()
    rf = dx.receptive_field(tiny_model, layer)
    for u in range(depth):
        for slot, i in enumerate(order[u]):
            y, x = pos[i, u]
            h, w = photos[i].shape[:2]
            half = (rf.size - 1) / 2
            y0, x0 = (int(np.floor(rf.start + p * rf.stride - half + 0.5)) for p in (y, x))
            box = [max(y0, 0), max(x0, 0), min(y0 + rf.size, h), min(x0 + rf.size, w)]
            assert list(got.boxes[u, slot]) == box
            expect = np.round(photos[i][box[0]:box[2], box[1]:box[3]] * 255).astype(np.uint8)
            np.testing.assert_array_equal(got.crops[u][slot], expect)


def test_receptive_field_sizes_of_the_tiny_vgg(tiny_model):
    got = {name: (rf.size, rf.stride, rf.start) for name in (C11, C21, C31)
           for rf in [dx.receptive_field(tiny_model, name)]}
    assert got == {C11: (3, 1, 0.0), C21: (10, 2, 0.5), C31: (24, 4, 1.5)}


@pytest.mark.parametrize("layer, y, x", [(C21, 5, 6), (C31, 4, 3), (C21, 0, 0)])
def test_box_is_the_support_of_the_input_gradient(tiny_model, layer, y, x):
    """The input pixels that can change the activation at (y, x) are exactly the box."""
    side = 48
    graph = tf.Graph()
    with graph.as_default():
        inp = tf.compat.v1.placeholder(tf.float32, [1, side, side, 3])
        tf.graph_util.import_graph_def(tiny_model.graph_def, {"input": inp}, name="m")
        # before the ReLU, so no unit is dead at (y, x) and every channel carries gradient
        pre = graph.get_tensor_by_name(f"m/{layer.split('/')[0]}/BiasAdd:0")
        grad = tf.gradients(tf.reduce_sum(pre[0, y, x]), inp)[0]
        with tf.compat.v1.Session(graph=graph) as sess:
            g = sess.run(grad, {inp: np.random.default_rng(0).uniform(0, 255, (1, side, side, 3))})
    ys, xs = np.nonzero(np.abs(g[0]).sum(-1))
    support = [ys.min(), xs.min(), ys.max() + 1, xs.max() + 1]
    assert list(dx.receptive_field(tiny_model, layer).box(y, x, side, side)) == support


def test_crop_in_pixels_is_a_square_around_the_same_centre(tiny_model):
    rf = dx.receptive_field(tiny_model, C31)
    assert rf.box(4, 4, 100, 100, crop=8) == (14, 14, 22, 22)  # centre 17.5 = 1.5 + 4 * 4
    assert rf.box(0, 0, 100, 100, crop=8) == (0, 0, 6, 6)  # clipped at the top-left corner
    assert rf.box(4, 4, 100, 100) == (6, 6, 30, 30)


def test_merge_is_associative_with_batching(tiny_model, photos):
    one = dx.dataset_examples(tiny_model, [C21], photos, k=4, batch_size=len(photos))[C21]
    many = dx.dataset_examples(tiny_model, [C21], iter(photos), k=4, batch_size=1)[C21]
    np.testing.assert_allclose(one.values, many.values, rtol=1e-5)
    assert (one.sources == many.sources).all() and (one.boxes == many.boxes).all()


def test_out_writes_crops_and_manifest_rows(tiny_model, photos, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, img in enumerate(photos[:4]):
        mio.save(img, str(folder / f"p{i}.png"))
    out = tmp_path / "render"
    got = dx.dataset_examples(tiny_model, [C21], str(folder), k=2, out=str(out), batch_size=3)
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 16 * 2 and {r["kind"] for r in rows} == {"example"}
    model_json = json.loads((out / "model.json").read_text())
    assert model_json["layers"] == [{"name": C21, "depth": 16, "tags": ["conv"]}]
    assert model_json["model"]["name"] == "TinyVGG"
    for r in rows:
        assert set(r) >= {"layer", "unit", "kind", "index", "file", "sha256", "objective", "settings",
                          "settings_key", "model", "version", "finished", "activation", "source"}
        ex = got[C21].unit(r["unit"])[r["index"]]
        assert r["source"] == {"image": ex["source"], "box": ex["box"]}
        assert r["activation"] == pytest.approx(ex["activation"])
        saved = np.asarray(mio.load(str(out / r["file"])))
        saved = saved if saved.dtype == np.uint8 else np.round(saved * 255).astype(np.uint8)
        np.testing.assert_array_equal(saved[..., :3], ex["crop"])
        assert r["source"]["image"] in os.listdir(folder)


def test_out_shares_render_models_manifest_and_refuses_another_models(tiny_model, photos,
                                                                      tmp_path):
    from lucid_vgg.recipes import manifest  # pylint: disable=import-outside-toplevel
    out = tmp_path / "render"
    dx.dataset_examples(tiny_model, [C21], photos[:2], k=1, out=str(out))
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert {r["model"]["fingerprint"] for r in rows} == {manifest.model_fingerprint(tiny_model)}
    assert all(r["settings_key"] == manifest.settings_key(r["settings"]) for r in rows)
    other = tmp_path / "other"
    other.mkdir()
    (other / "model.json").write_text(json.dumps({"model": {"name": "X", "fingerprint": "f" * 64}}))
    with pytest.raises(manifest.ManifestMismatchError, match="another model"):
        dx.dataset_examples(tiny_model, [C21], photos[:2], k=1, out=str(other))
    assert sorted(os.listdir(other)) == ["model.json"]


def test_fewer_images_than_k_leaves_empty_slots(tiny_model, photos):
    got = dx.dataset_examples(tiny_model, C11, photos[:2], k=5)[C11]
    assert np.isinf(got.values[:, 2:]).all() and all(len(got.unit(u)) == 2 for u in range(8))


def test_several_layers_in_one_pass_equal_one_layer_at_a_time(tiny_model, photos):
    both = dx.dataset_examples(tiny_model, [C11, C31], photos, k=2, batch_size=3)
    for layer in (C11, C31):
        alone = dx.dataset_examples(tiny_model, layer, photos, k=2, batch_size=3)[layer]
        np.testing.assert_allclose(both[layer].values, alone.values, rtol=1e-5)
        assert (both[layer].boxes == alone.boxes).all()


def test_a_dict_of_images_names_the_sources(tiny_model, photos):
    named = {f"photo{i}": img for i, img in enumerate(photos)}
    by_name = dx.dataset_examples(tiny_model, C21, named, k=2)[C21]
    by_index = dx.dataset_examples(tiny_model, C21, photos, k=2)[C21]
    assert [[f"photo{i}" for i in row] for row in by_index.sources] == by_name.sources.tolist()
