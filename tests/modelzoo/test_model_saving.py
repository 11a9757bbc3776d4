"""Model.save / load / load_from_metadata / load_from_graphdef / suggest_save_args.

A small random Keras CNN is frozen, saved, loaded back as a zoo Model and compared with Keras'
own outputs; frozen graphs without metadata, manifests and atomic writes are covered too.
"""
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from modelzoo import Model, saving, util
from modelzoo.vision_base import FrozenGraphModel, SerializedModel
from modelzoo.weights.graph_builder import build_frozen_graph, vgg_spec

from helpers import random_vgg_weights, write_manifest


def _cnn(seed=0):
    """2 conv (ReLU) + pool + dense + softmax, random init, declared 32x32x3 input."""
    keras.utils.set_random_seed(seed)
    inp = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D(name="pool1")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.Dropout(0.5, name="drop")(x)  # identity at inference: shares conv2's tensor
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(10, name="logits")(x)
    out = keras.layers.Softmax(name="prob")(x)
    return keras.Model(inp, out, name="tiny_cnn")


@pytest.fixture(scope="module")
def cnn():
    return _cnn()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).uniform(0, 1, (3, 32, 32, 3)).astype(np.float32)


def _keras_outputs(model, x, names):
    sub = keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    out = sub(tf.constant(x), training=False)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _close(got, ref):
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5 * float(np.abs(ref).max()))


@pytest.mark.parametrize("value_range,bgr", [((0, 1), False), ((-1, 1), True)])
def test_keras_round_trip_matches_keras(tmp_path, cnn, images, value_range, bgr):
    path = tmp_path / "tiny_cnn.pb"
    Model.save(str(path), "input", ["prob"], [32, 32, 3], value_range, model=cnn, is_BGR=bgr)
    model = Model.load(str(path))
    assert (model.input_name, model.image_shape, model.is_BGR) == ("input", [32, 32, 3], bgr)
    assert tuple(model.image_value_range) == value_range
    # no layers in the metadata: derived from the Relu/Softmax ops, named after the Keras layers
    assert [(layer.name, layer.depth, sorted(layer.tags)) for layer in model.layers] == [
        ("conv1", 8, ["conv"]), ("conv2", 16, ["conv"]), ("prob", 10, ["dense"])]

    acts = model.get_activations(images, ["conv1", "conv2", "drop", "prob"], batch_size=2)
    lo, hi = value_range
    keras_in = lo + (images[..., ::-1] if bgr else images) * (hi - lo)
    ref_conv1, ref_conv2, ref_prob = _keras_outputs(cnn, keras_in, ["conv1", "conv2", "prob"])
    _close(acts["conv1"], ref_conv1)
    _close(acts["conv2"], ref_conv2)
    _close(acts["drop"], ref_conv2)
    _close(acts["prob"], ref_prob)
    np.testing.assert_allclose(acts["prob"].sum(-1), 1, rtol=1e-5)


def test_loaded_model_imports_in_tf_function_any_size(tmp_path, cnn, images):
    path = tmp_path / "m.pb"
    Model.save(str(path), "input", "prob:0", (32, 32, 3), (0, 1), model=cnn)
    model = Model.load(str(path))
    # conv layers take any image size: the saved input has unknown height and width
    assert model.get_activations(images[0, :20, :24], "conv2").shape == (1, 10, 12, 16)

    @tf.function
    def grad(x):
        T = model.import_graph(x, scope="import")
        loss = tf.reduce_mean(T("conv2")[..., 3])
        return loss, tf.gradients(loss, x)[0]

    loss, g = grad(tf.constant(images))
    assert np.isfinite(loss.numpy()) and g.shape == images.shape
    assert np.abs(g.numpy()).max() > 0


def test_explicit_layers_are_stored_and_checked(tmp_path, cnn):
    path = tmp_path / "m.pb"
    layers = [{"name": "conv2", "depth": 16, "tags": ["conv"]}, {"name": "prob", "depth": 10, "tags": ["dense"]}]
    Model.save(str(path), "input", ["prob"], [32, 32, 3], (0, 1), model=cnn, layers=layers)
    model = Model.load(str(path))
    assert model.layer_names == ["conv2", "prob"]
    assert model.get_layer("conv2").depth == 16
    meta = util.extract_metadata(model.graph_def)
    assert meta == {"input_name": "input", "image_shape": [32, 32, 3], "image_value_range": [0, 1],
                    "layers": layers}
    with pytest.raises(ValueError, match="layer 'conv9'"):
        Model.save(str(tmp_path / "bad.pb"), "input", ["prob"], [32, 32, 3], (0, 1), model=cnn,
                   layers=[{"name": "conv9", "depth": 1, "tags": []}])


def test_pruned_to_outputs(tmp_path, cnn):
    path = tmp_path / "m.pb"
    Model.save(str(path), "input", ["conv2"], [32, 32, 3], (0, 1), model=cnn)
    names = {n.name for n in Model.load(str(path)).graph_def.node}
    assert {"input", "conv1", "conv2"} <= names and "prob" not in names and "logits" not in names


def test_suggest_save_args(cnn, capsys):
    with pytest.warns(UserWarning, match="image_shape"):  # frozen with free height/width
        info = Model.suggest_save_args(saving.freeze(cnn, image_shape=[32, 32, 3]))
    assert info["input_name"] == "input" and info["output_names"] == ["prob"]
    assert info["image_value_range"] is None  # never guessed for float inputs
    printed = capsys.readouterr().out
    assert "Model.save(" in printed and "output_names=['prob']" in printed and "image_value_range=_" in printed

    # a fixed-size graph (e.g. a traced tf.function) gives image_shape
    conv = tf.Variable(tf.random.normal([3, 3, 3, 4]))

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 3], tf.float32, name="images")])
    def net(x):
        return tf.nn.softmax(tf.reduce_mean(tf.nn.relu(tf.nn.conv2d(x, conv, 1, "SAME")), [1, 2]))

    gd = saving.freeze(net.get_concrete_function())
    info = Model.suggest_save_args(gd)
    assert info["input_name"] == "input" and info["image_shape"] == [28, 28, 3]
    assert len(info["output_names"]) == 1
    relus = [e for e in saving.list_layer_ops(gd) if e["op"] == "Relu"]
    assert len(relus) == 1 and relus[0]["depth"] == 4 and relus[0]["shape"] == [None, 28, 28, 4]

    # a Keras model directly: its declared input gives image_shape
    assert Model.suggest_save_args(cnn)["image_shape"] == [32, 32, 3]
    with pytest.raises(ValueError, match="no default graph"):
        Model.suggest_save_args()


def test_suggest_save_args_uint8_input_divided_by_255():
    graph = tf.Graph()
    with graph.as_default():
        raw = tf.compat.v1.placeholder(tf.uint8, [None, 64, 64, 3], name="raw")
        x = tf.math.truediv(tf.cast(raw, tf.float32), 255.0, name="scaled")
        tf.nn.softmax(tf.reduce_mean(x, [1, 2]), name="out")
    with pytest.warns(UserWarning, match="image_shape"):  # a RealDiv has no shape attribute
        info = Model.suggest_save_args(graph.as_graph_def(), verbose=False)
    assert info["input_name"] == "scaled" and info["image_value_range"] == (0, 1)
    assert info["output_names"] == ["out"]


@pytest.fixture(scope="module")
def plain_graph():
    """A frozen VGG-like graph without Lucid metadata (graph_builder), and its weights."""
    blocks, widths = ((1, 1), (2, 1)), (4, 6)
    conv, _ = random_vgg_weights(blocks, widths, seed=3)
    return build_frozen_graph(vgg_spec(conv, None, blocks)), blocks


def test_graph_without_metadata_needs_load_from_metadata(tmp_path, plain_graph, images):
    gd, _ = plain_graph
    path = tmp_path / "plain.pb"
    path.write_bytes(gd.SerializeToString())
    for load in (Model.load, Model.load_from_graphdef):
        with pytest.raises(ValueError, match="load_from_metadata") as err:
            load(str(path))
        assert "image_value_range" in str(err.value) and str(path) in str(err.value)

    meta = {"input_name": "input", "image_shape": [32, 32, 3], "image_value_range": [0, 1]}
    model = Model.load_from_metadata(str(path), meta)
    assert [(layer.name, layer.depth) for layer in model.layers] == [("conv1_1/conv1_1", 4), ("conv2_1/conv2_1", 6)]
    out = model.get_activations(images, "conv1_1/conv1_1")
    ref = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(images, _const(gd, "conv1_1/weights"), 1, "SAME"),
                                    _const(gd, "conv1_1/biases"))).numpy()
    _close(out, ref)
    with pytest.raises(ValueError, match="lacks"):
        Model.load_from_metadata(str(path), {"input_name": "input"})


def _const(gd, name):
    node = next(n for n in gd.node if n.name == name)
    return tf.make_ndarray(node.attr["value"].tensor)


def test_save_existing_graph_def_and_lucid_metadata_name(tmp_path, plain_graph):
    gd, _ = plain_graph
    path = tmp_path / "vgg_like.pb"
    Model.save(str(path), "input", ["pool2"], [32, 32, 3], (-117, 138), graph_def=gd)
    model = Model.load(str(path))
    assert model.layer_names == ["conv1_1/conv1_1", "conv2_1/conv2_1"]
    assert model.image_value_range == (-117, 138)

    # a graph written by Lucid itself (metadata under Lucid's node name) loads as well
    lucid_gd = tf.compat.v1.GraphDef()
    lucid_gd.CopyFrom(gd)
    with tf.Graph().as_default() as g:
        tf.constant(json.dumps({"input_name": "input", "image_shape": [224, 224, 3],
                                "image_value_range": [-117, 138]}), name="lucid_metadata_json")
    lucid_gd.node.extend(g.as_graph_def().node)
    lucid_path = tmp_path / "from_lucid.pb"
    lucid_path.write_bytes(lucid_gd.SerializeToString())
    assert Model.load(str(lucid_path)).image_shape == [224, 224, 3]


def test_manifest(tmp_path, cnn, images):
    folder = tmp_path / "zoo" / "tiny"
    Model.save(str(folder / "graph.pb"), "input", ["prob"], [32, 32, 3], (0, 1), model=cnn)
    write_manifest(str(folder / "manifest.json"), "./graph.pb", "input", [32, 32, 3], (0, 1),
                          layers=["conv2", "prob"], dataset="random")
    model = Model.load(str(folder / "manifest.json"))
    assert model.model_path == str(folder / "graph.pb")
    assert model.dataset == "random" and model.manifest["type"] == "frozen"
    assert [(layer.name, layer.depth) for layer in model.layers] == [("conv2", 16), ("prob", 10)]
    (ref,) = _keras_outputs(cnn, images, ["prob"])
    _close(model.get_activations(images, "prob"), ref)

    (folder / "other.json").write_text(json.dumps({"type": "saved_model", "input_name": "x"}))
    with pytest.raises(NotImplementedError, match="saved_model"):
        Model.load(str(folder / "other.json"))
    with pytest.raises(ValueError, match="expected a .pb"):
        Model.load(str(folder / "graph.onnx"))


def test_file_urls_and_lucid_names(tmp_path, cnn, images, monkeypatch):
    """file:// URLs load like paths everywhere (the .pb and the graph a manifest points to), the
    saved graph carries Lucid's metadata node, and Lucid's SerializedModel.from_directory works."""
    monkeypatch.setenv("LUCID_VGG_CACHE", str(tmp_path / "cache"))  # file:// URLs are fetched here
    folder = tmp_path / "zoo"
    Model.save(str(folder / "graph.pb"), "input", ["prob"], [32, 32, 3], (0, 1), model=cnn)
    write_manifest(str(folder / "manifest.json"), "graph.pb", "input", [32, 32, 3], (0, 1))
    (ref,) = _keras_outputs(cnn, images, ["prob"])
    from_pb = Model.load((folder / "graph.pb").as_uri())
    assert util.METADATA_NODE == "lucid_metadata_json"
    assert [n.name for n in from_pb.graph_def.node if n.name.startswith("lucid")] == [util.METADATA_NODE]
    from_manifest = Model.load((folder / "manifest.json").as_uri())
    assert from_manifest.model_path == (folder / "graph.pb").as_uri()
    _close(from_manifest.get_activations(images, "prob"), ref)
    with pytest.warns(DeprecationWarning, match="load_from_manifest"):
        from_dir = SerializedModel.from_directory(str(folder))
    assert isinstance(from_dir, FrozenGraphModel) and from_dir.model_path == str(folder / "graph.pb")


def test_atomic_write_leaves_no_temp_files(tmp_path, cnn, monkeypatch):
    path = tmp_path / "m.pb"
    Model.save(str(path), "input", ["prob"], [32, 32, 3], (0, 1), model=cnn)
    assert os.listdir(tmp_path) == ["m.pb"]
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(saving.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        Model.save(str(path), "input", ["conv1"], [32, 32, 3], (0, 1), model=cnn)
    assert os.listdir(tmp_path) == ["m.pb"] and path.read_bytes() == before


def test_save_errors(tmp_path, cnn, plain_graph):
    gd, _ = plain_graph
    with pytest.raises(ValueError, match="model="):
        Model.save(str(tmp_path / "x.pb"), "input", ["prob"], [32, 32, 3], (0, 1))
    with pytest.raises(ValueError, match="Did you mean 'prob'"):
        Model.save(str(tmp_path / "x.pb"), "input", ["prop"], [32, 32, 3], (0, 1), model=cnn)
    with pytest.raises(ValueError, match="input_name 'image'"):
        Model.save(str(tmp_path / "x.pb"), "image", ["pool2"], [32, 32, 3], (0, 1), graph_def=gd)
    with pytest.raises(ValueError, match="image_value_range"):
        Model.save(str(tmp_path / "x.pb"), "input", ["pool2"], [32, 32, 3], None, graph_def=gd)
    with pytest.raises(ValueError, match="either graph_def= or model="):
        Model.save(str(tmp_path / "x.pb"), "input", ["prob"], [32, 32, 3], (0, 1), graph_def=gd, model=cnn)
    assert not os.listdir(tmp_path)


def test_tf1_default_session_is_frozen_like_lucid(tmp_path):
    path = tmp_path / "v1.pb"
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        x = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3], name="input")
        k = tf.compat.v1.get_variable("k", initializer=tf.ones([1, 1, 3, 2]))
        tf.nn.relu(tf.nn.conv2d(x, k, 1, "SAME"), name="act")
        sess.run(tf.compat.v1.global_variables_initializer())
        Model.save(str(path), "input", ["act"], [8, 8, 3], (0, 1))
    out = Model.load(str(path)).get_activations(np.full((1, 8, 8, 3), 0.5, np.float32), "act")
    np.testing.assert_allclose(out, 1.5)
