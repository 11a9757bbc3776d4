"""Model contract on the tiny random VGG: layers, input preparation, import, activations."""
import numpy as np
import pytest
import tensorflow as tf

from conftest import TINY_BLOCKS, TINY_WIDTHS
from helpers import random_vgg_weights
from modelzoo import VGG16_caffe
from modelzoo.util import save_graphdef
from modelzoo.vision_base import IMAGENET_MEAN_BGR
from modelzoo.weights.graph_builder import build_frozen_graph, vgg_spec


def _numpy_forward(model, images, upto):
    """Independent NumPy forward pass of TinyVGG up to a conv layer name like 'conv2_1'."""
    conv, _ = model.weights
    x = images[..., ::-1] * 255.0 - IMAGENET_MEAN_BGR
    for name in conv:
        if name.startswith("conv2_1") or name.startswith("conv3_1"):
            b, h, w, c = x.shape
            x = x[:, : h // 2 * 2, : w // 2 * 2].reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
        k, bias = conv[name]
        p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        out = np.zeros(x.shape[:3] + (k.shape[-1],))
        for dy in range(3):
            for dx in range(3):
                out += p[:, dy:dy + x.shape[1], dx:dx + x.shape[2]] @ k[dy, dx]
        x = np.maximum(out + bias, 0)
        if name == upto:
            return x
    raise KeyError(upto)


def test_activations_match_numpy(tiny_model, rng_images):
    acts = tiny_model.get_activations(rng_images, ["conv1_2/conv1_2", "conv2_1/conv2_1"], batch_size=1)
    for layer in ("conv1_2", "conv2_1"):
        ref = _numpy_forward(tiny_model, rng_images.astype(np.float64), layer)
        got = acts[f"{layer}/{layer}"]
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-3 * np.abs(ref).max())


def test_any_image_size_and_single_image(tiny_model, rng_images):
    out = tiny_model.get_activations(rng_images[0, :20, :28], "conv1_1/conv1_1")
    assert out.shape == (1, 20, 28, 8)


def test_import_graph_inside_tf_function(tiny_model, rng_images):
    @tf.function
    def f(x):
        T = tiny_model.import_graph(x)
        return T("conv3_1/conv3_1"), T("conv3_1/conv3_1:0"), T("input")

    a, b, inp = f(tf.constant(rng_images))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (2, 8, 8, 32)
    np.testing.assert_array_equal(inp.numpy(), rng_images)


def test_gradients_flow_through_imported_graph(tiny_model, rng_images):
    @tf.function
    def grad(x):
        T = tiny_model.import_graph(x)
        return tf.gradients(tf.reduce_mean(T("conv2_2/conv2_2")), [x])[0]

    g = grad(tf.constant(rng_images)).numpy()
    assert g.shape == rng_images.shape and np.abs(g).max() > 0


def test_create_input_bgr_and_range(tiny_model):
    img = np.zeros((1, 2, 2, 3), np.float32)
    img[..., 0] = 1.0  # pure red
    _, prep = tiny_model.create_input(tf.constant(img))
    prep = prep.numpy()
    np.testing.assert_allclose(prep[0, 0, 0], [-IMAGENET_MEAN_BGR[0], -IMAGENET_MEAN_BGR[1], 255 - IMAGENET_MEAN_BGR[2]], rtol=1e-6)


def test_get_layer_exact_fuzzy_and_unknown(tiny_model):
    assert tiny_model.get_layer("conv2_1/conv2_1").depth == 16
    with pytest.warns(UserWarning, match="fuzzy"):
        assert tiny_model.get_layer("CONV3_1").name == "conv3_1/conv3_1"
    with pytest.raises(KeyError, match="Existing layer names are"):
        tiny_model.get_layer("mixed4a")


def test_unknown_layer_lists_close_matches(tiny_model, rng_images):
    with pytest.raises(KeyError, match="Did you mean 'conv2_1/conv2_1'"):
        tiny_model.get_activations(rng_images, "conv2_1/conv2_l")


@pytest.mark.parametrize("bad, err, words", [
    (np.full((2, 8, 8, 3), 200.0, np.float32), ValueError, r"from 200 to 200.*img / 255\..*check_range=False"),
    (np.full((1, 8, 8, 3), -0.5, np.float32), ValueError, r"must be in \[0, 1\].*check_range=False"),
    (np.zeros((2, 8, 8, 3), np.int32), TypeError, "int32"),
    ([np.zeros((8, 8, 3)), np.zeros((6, 8, 3))], ValueError, r"image 0: \(8, 8, 3\), image 1: \(6, 8, 3\)"),
    (np.zeros((8, 8), np.float32), ValueError, "shape"),
    (np.zeros((1, 8, 8, 4), np.float32), ValueError, "shape"),
    (np.full((1, 8, 8, 3), np.nan, np.float32), ValueError, "NaN"),
    (np.zeros((0, 8, 8, 3), np.float32), ValueError, "empty"),
])
def test_bad_images(tiny_model, bad, err, words):
    with pytest.raises(err, match=words):
        tiny_model.get_activations(bad, "conv1_1/conv1_1")


# Two runs of one conv agree to float rounding, not to the bit: oneDNN may pick another kernel
# for another batch size or process state (on an AVX2 CPU, im2col + GEMM at batch 1 and brgemm
# otherwise, seen in CI as 5e-7 differences on activations of ~1).
ROUNDING = dict(rtol=1e-5, atol=1e-5)


def test_uint8_is_divided_by_255_in_get_activations_and_check_photo(tiny_model):
    """uint8 means 0..255 in both entry points that take NumPy photos (issue 17)."""
    from lucid_vgg.recipes._common import check_photo

    img8 = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    as_float = img8.astype(np.float32) / 255.0
    np.testing.assert_array_equal(check_photo(img8), as_float)
    np.testing.assert_allclose(tiny_model.get_activations(img8, "conv1_1/conv1_1"),
                               tiny_model.get_activations(as_float, "conv1_1/conv1_1"), **ROUNDING)


def test_float_photo_out_of_range_is_refused_with_an_opt_out(tiny_model):
    """A 0..255 float photo is refused with the fix; check_range=False feeds it unchanged."""
    from lucid_vgg.recipes._common import check_photo

    img = np.random.default_rng(2).uniform(0, 255, (16, 16, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=r"img / 255\."):
        check_photo(img)
    np.testing.assert_array_equal(check_photo(img, check_range=False), img)
    with pytest.raises(ValueError, match="check_range=False"):
        tiny_model.get_activations(img, "conv1_1/conv1_1")
    raw = tiny_model.get_activations(img, "conv1_1/conv1_1", check_range=False)
    scaled = tiny_model.get_activations(img / 255.0, "conv1_1/conv1_1")
    assert raw.shape == scaled.shape and not np.allclose(raw, scaled)


def test_resampling_overshoot_is_tolerated(tiny_model):
    img = np.clip(np.random.default_rng(3).uniform(0, 1, (16, 16, 3)), 0, 1).astype(np.float32)
    img[0, 0] = [1.005, -0.005, 0.5]
    assert tiny_model.get_activations(img, "conv1_1/conv1_1").shape == (1, 16, 16, 8)


@pytest.mark.parametrize("batch_size", [np.int64(2), np.int32(1), np.uint8(3), 5])
def test_batch_size_accepts_any_integer(tiny_model, rng_images, batch_size):
    want = tiny_model.get_activations(rng_images, "conv1_1/conv1_1")
    got = tiny_model.get_activations(rng_images, "conv1_1/conv1_1", batch_size=batch_size)
    np.testing.assert_allclose(got, want, **ROUNDING)


def test_list_of_same_shape_images_is_a_batch(tiny_model, rng_images):
    got = tiny_model.get_activations(list(rng_images), "conv1_1/conv1_1")
    assert got.shape[0] == 2


def test_import_graph_eager_is_explained(tiny_model, rng_images):
    with pytest.raises(RuntimeError, match="tf.function"):
        tiny_model.import_graph(tf.constant(rng_images))


def test_vgg16_metadata_matches_lucid():
    m = VGG16_caffe()
    assert [l.name for l in m.layers][:2] == ["conv1_1/conv1_1", "conv1_2/conv1_2"]
    assert len([l for l in m.layers if "conv" in l.tags]) == 13
    assert m.get_layer("prob").depth == 1000 and m.get_layer("fc6/fc6").depth == 4096
    assert m.is_BGR and m.input_name == "input" and list(m.image_shape) == [224, 224, 3]
    np.testing.assert_allclose(m.image_value_range[0], -IMAGENET_MEAN_BGR)


def test_vgg16_labels_ship_with_the_package(monkeypatch):
    """The 1000 ImageNet class names (prob/fc8 order) are read from the package, never downloaded."""
    import os

    import modelzoo.util as util

    def no_network(*args, **kwargs):
        raise AssertionError("VGG16_caffe.labels must not download anything")

    monkeypatch.setattr(util, "fetch", no_network)
    m = VGG16_caffe()
    path = str(m.labels_path)
    assert not path.startswith(("http://", "https://")) and os.path.isfile(path)
    labels = m.labels
    assert len(labels) == m.get_layer("prob").depth == 1000
    assert labels[0] == "tench" and labels[1] == "goldfish" and labels[999] == "toilet tissue"
    assert len(set(labels)) == 1000 and all(name and name == name.strip() for name in labels)


def test_labels_path_url_still_goes_through_download(monkeypatch, tmp_path):
    """Other entries may keep a URL labels_path: it is fetched (cached) and read line by line."""
    from modelzoo import Model
    import modelzoo.util as util

    local = tmp_path / "labels.txt"
    local.write_text("cat\ndog\n", encoding="utf-8")
    fetched = []
    monkeypatch.setattr(util, "fetch", lambda url, *a, **k: fetched.append(url) or str(local))

    class UrlLabels(Model):
        labels_path = "https://example.invalid/labels.txt"

    assert UrlLabels().labels == ["cat", "dog"]
    assert fetched == ["https://example.invalid/labels.txt"]


def test_import_graph_keeps_static_batch_forgets_xy(tiny_model):
    @tf.function(input_signature=[tf.TensorSpec([3, 16, 16, 3], tf.float32)])
    def f(x):
        t = tiny_model.import_graph(x)("conv1_1/conv1_1")
        assert t.shape.as_list() == [3, None, None, 8], t.shape
        return t

    assert f(tf.zeros([3, 16, 16, 3])).shape == (3, 16, 16, 8)


def test_lucid_tutorial_load_graphdef_call_still_works(tiny_model):
    assert tiny_model.load_graphdef() is tiny_model.graph_def


# -- get_activations imports only what the requested layers read -------------------------------
def _imported_ops(model, names):
    """Op names (without the import scope) of the graph get_activations traces for `names`."""
    fn = model._activation_fn(tuple(names))  # pylint: disable=protected-access
    graph = fn.get_concrete_function().graph
    return {op.name[len("activations/"):] for op in graph.get_operations()
            if op.name.startswith("activations/")}


def test_early_layer_activations_unchanged_by_the_cut(tiny_model_fc, rng_images):
    """conv1_1 through the cut graph: the same numbers as through the whole imported graph."""
    @tf.function(autograph=False)
    def full(x):
        return tiny_model_fc.import_graph(x, scope="full")("conv1_1/conv1_1")

    ref = full(tf.constant(rng_images)).numpy()
    got = tiny_model_fc.get_activations(rng_images, "conv1_1/conv1_1")
    np.testing.assert_array_equal(got, ref)
    with_prob = tiny_model_fc.get_activations(rng_images, ["conv1_1/conv1_1", "prob"])
    np.testing.assert_array_equal(with_prob["conv1_1/conv1_1"], ref)
    assert with_prob["prob"].shape == (2, 10)


def test_early_layer_imports_no_later_layers(tiny_model_fc):
    ops = _imported_ops(tiny_model_fc, ["conv1_1/conv1_1"])
    assert "conv1_1/conv1_1" in ops and "input" in ops
    later = [op for op in ops if op.startswith(("conv1_2", "conv2", "conv3", "pool", "fc", "prob"))]
    assert later == []
    # the model's own graph is untouched and still has everything
    names = {node.name for node in tiny_model_fc.graph_def.node}
    assert {"conv3_1/conv3_1", "fc6/fc6", "prob"} <= names


def test_two_layers_keep_both_and_nothing_after(tiny_model_fc, rng_images):
    names = ["conv1_1/conv1_1", "conv2_1/conv2_1:0"]
    ops = _imported_ops(tiny_model_fc, names)
    assert {"conv1_1/conv1_1", "conv1_2/conv1_2", "conv2_1/conv2_1"} <= ops
    assert not [op for op in ops if op.startswith(("conv2_2", "conv3", "fc", "prob"))]
    both = tiny_model_fc.get_activations(rng_images, names)
    np.testing.assert_array_equal(both["conv1_1/conv1_1"],
                                  tiny_model_fc.get_activations(rng_images, "conv1_1/conv1_1"))
    np.testing.assert_array_equal(both["conv2_1/conv2_1:0"],
                                  tiny_model_fc.get_activations(rng_images, "conv2_1/conv2_1"))


def test_with_graph_def_is_a_proxy_with_its_own_cache(tiny_model, rng_images):
    from modelzoo.util import subgraph

    tiny_model.get_activations(rng_images, "conv1_1/conv1_1")  # fills the model's cache
    cut = subgraph(tiny_model.graph_def, ["conv1_2/conv1_2"])
    proxy = tiny_model.with_graph_def(cut)
    assert tiny_model.with_graph_def(tiny_model.graph_def) is tiny_model
    assert proxy is not tiny_model and proxy.graph_def is cut and type(proxy) is type(tiny_model)
    assert "_activation_fns" not in proxy.__dict__ and tiny_model._activation_fns  # pylint: disable=protected-access
    assert tiny_model.graph_def is not cut and len(tiny_model.graph_def.node) > len(cut.node)
    # another graph is another model (no shared caches keyed by the model); the same graph is not
    assert proxy != tiny_model and tiny_model.with_graph_def(cut) == proxy


def _tiny_vgg_pb(path, seed):
    """Write a conv-only TinyVGG graph with random weights `seed` to `path`; return its conv1_1 kernel."""
    conv, _ = random_vgg_weights(TINY_BLOCKS, TINY_WIDTHS, seed=seed)
    save_graphdef(build_frozen_graph(vgg_spec(conv, None, TINY_BLOCKS)), path)
    return np.asarray(conv["conv1_1"][0], np.float32)  # as stored in the graph


def _conv1_1_kernel(graph_def):
    node = next(n for n in graph_def.node if n.name == "conv1_1/weights")
    return tf.make_ndarray(node.attr["value"].tensor)


def test_vgg16_caffe_identity_is_its_graph_source(tmp_path, monkeypatch):
    """VGG16_caffe(path) and VGG16_caffe() hold different graphs: they are different models, and
    the pruned render graph (fast_graph's cache, keyed by the model) of each is cut from its own
    GraphDef. (Before, both compared equal and the second render got the first one's graph.)"""
    from lucid_vgg.optvis.fast_graph import fast_graph_def

    kernel_full = _tiny_vgg_pb(tmp_path / "full.pb", seed=1)
    kernel_default = _tiny_vgg_pb(tmp_path / "default.pb", seed=2)
    monkeypatch.setenv("LUCID_VGG_VGG16_PB", str(tmp_path / "default.pb"))  # what VGG16_caffe() reads
    full, default = VGG16_caffe(str(tmp_path / "full.pb")), VGG16_caffe()
    assert full != default and full == VGG16_caffe(str(tmp_path / "full.pb")) and default == VGG16_caffe()
    assert len({full, default, VGG16_caffe(), VGG16_caffe(tmp_path / "full.pb")}) == 2
    nodes = ["conv1_1/conv1_1"]
    np.testing.assert_array_equal(_conv1_1_kernel(fast_graph_def(full, nodes)), kernel_full)
    np.testing.assert_array_equal(_conv1_1_kernel(fast_graph_def(default, nodes)), kernel_default)


def test_package_names_and_submodules_load_on_first_use():
    """`import modelzoo` pulls in no TensorFlow (lucid_vgg.misc.io imports modelzoo.fileio);
    modelzoo.Model, modelzoo.VGG16_caffe and submodules such as modelzoo.vision_base still work."""
    import subprocess
    import sys

    code = ("import sys, modelzoo, modelzoo.fileio; print('tensorflow' in sys.modules); "
            "print(modelzoo.vision_base.Model is modelzoo.Model, "
            "modelzoo.VGG16_caffe.__module__, hasattr(modelzoo, 'no_such_name'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "modelzoo.caffe_models", "False"]


# -- raw TensorFlow / OS messages get the project's sentence first (issue 17) -------------------
def test_import_graph_input_map_of_unknown_node(tiny_model, rng_images):
    @tf.function
    def f(x):
        return tiny_model.import_graph(x, input_map={"no_such_node:0": x})("conv1_1/conv1_1")

    with pytest.raises(ValueError, match=r"input_map names \['no_such_node:0'\], which are not nodes"):
        f(tf.constant(rng_images))


def test_missing_labels_file_names_it(tiny_model, tmp_path):
    import copy

    from modelzoo.fileio import ReadError

    model = copy.copy(tiny_model)
    model.labels_path = str(tmp_path / "labels.txt")
    with pytest.raises(ReadError, match="Could not read the labels file") as e:
        model.labels
    assert str(tmp_path / "labels.txt") in str(e.value) and isinstance(e.value, OSError)


def test_unreadable_graph_file_names_it(tmp_path, monkeypatch):
    import errno

    import modelzoo.util as util

    p = tmp_path / "g.pb"
    p.write_bytes(b"x")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(util, "open", denied, raising=False)
    with pytest.raises(util.GraphFileError, match="Could not read the graph file .*Permission denied"):
        util.load_graphdef(str(p))


def test_graph_that_does_not_import_is_explained():
    from modelzoo.layer_ops import list_layer_ops

    gd = tf.compat.v1.GraphDef()
    gd.node.add(name="x", op="NoSuchOpAnywhere")
    with pytest.raises(ValueError, match="does not import into TensorFlow"):
        list_layer_ops(gd)


def test_a_model_pickles_without_its_graph_or_cached_activation_functions(tiny_model):
    """Ray ships models to workers by pickling: get_activations' tf.functions must not go along."""
    import pickle  # pylint: disable=import-outside-toplevel
    import numpy as np  # pylint: disable=import-outside-toplevel
    images = np.zeros((1, 32, 32, 3), np.float32)
    before = tiny_model.get_activations(images, "conv1_1/conv1_1")
    copy = pickle.loads(pickle.dumps(tiny_model))
    assert "_activation_fns" not in copy.__dict__ and copy.__dict__.get("_graph_def") is None
    copy.__dict__["_graph_def"] = tiny_model.graph_def  # the tiny graph has no file: ship it, as Ray does
    np.testing.assert_array_equal(copy.get_activations(images, "conv1_1/conv1_1"), before)


def test_fingerprint_ignores_the_metadata_node_not_the_weights(tiny_model):
    """Caches built before the metadata node took Lucid's name hold the same computation: the
    manifests' fingerprint must not tell them apart, but any other change must."""
    import copy as copy_module  # pylint: disable=import-outside-toplevel
    import numpy as np  # pylint: disable=import-outside-toplevel
    from modelzoo import util  # pylint: disable=import-outside-toplevel

    def variant(edit):
        model = copy_module.copy(tiny_model)
        graph_def = tf.compat.v1.GraphDef()
        graph_def.CopyFrom(tiny_model.graph_def)
        edit(graph_def)
        model.__dict__["_graph_def"] = graph_def
        return model

    def old_metadata_name(graph_def):
        util.infuse_metadata(graph_def, {"input_name": "input"})
        for node in graph_def.node:
            if node.name == util.METADATA_NODE:
                node.name = "lucid_meta_json"

    def other_weights(graph_def):
        const = next(n for n in graph_def.node if n.op == "Const" and n.attr["value"].tensor.tensor_content)
        values = tf.make_ndarray(const.attr["value"].tensor) + np.float32(1)
        const.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(values))

    assert variant(old_metadata_name).fingerprint() == tiny_model.fingerprint()
    assert variant(other_weights).fingerprint() != tiny_model.fingerprint()
