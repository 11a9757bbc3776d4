"""modelzoo.KerasModel: a live Keras model against the frozen-graph path on the same weights.

The unit tier builds the tiny VGG of conftest as a Keras model (keras_vgg, same random weights)
and checks layers, activations, gradients, one-trace renders, pruning, the redirected ReLU
through Conv2D(activation="relu"), the recipes and render_vis(keras_model). The `weights` tier
does the same for real VGG16 (offline ONNX) against VGG16_caffe.
"""
import numpy as np
import pytest
import tensorflow as tf
import keras

from conftest import TINY_BLOCKS
from lucid_vgg import recipes
from lucid_vgg.optvis import objectives, param, render
from lucid_vgg.optvis.param.variables import make_variable
from modelzoo import keras_models
from modelzoo.keras_model import KerasModel
from modelzoo.vision_base import IMAGENET_MEAN_BGR
from modelzoo.weights.keras_vgg16 import keras_vgg

CAFFE_RANGE = (-IMAGENET_MEAN_BGR, 255 - IMAGENET_MEAN_BGR)
PAIRS = [("block1_conv2", "conv1_2/conv1_2"), ("block2_conv1", "conv2_1/conv2_1"),
         ("block3_conv1", "conv3_1/conv3_1")]


@pytest.fixture(scope="module")
def tiny_keras(tiny_model):
    """The conftest TinyVGG's weights as a live Keras model with VGG16_caffe's input conventions."""
    return KerasModel(keras_vgg(tiny_model.weights[0], TINY_BLOCKS, name="tiny_vgg"),
                      image_value_range=CAFFE_RANGE, is_BGR=True)


def _max_rel(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def test_layer_table_names_depths_tags(tiny_keras):
    assert tiny_keras.layer_names == ["block1_conv1", "block1_conv2", "block1_pool", "block2_conv1",
                                      "block2_conv2", "block2_pool", "block3_conv1", "block3_pool"]
    assert [layer.depth for layer in tiny_keras.layers] == [8, 8, 8, 16, 16, 16, 32, 32]
    assert all(layer.tags == {"conv"} for layer in tiny_keras.layers)
    assert tiny_keras.get_layer("block2_conv1").depth == 16
    assert tiny_keras.min_input_size("block3_conv1") == 4 and tiny_keras.min_input_size("block1_conv1") == 1


def test_activations_equal_the_frozen_graph(tiny_keras, tiny_model, rng_images):
    keras_acts = tiny_keras.get_activations(rng_images, [k for k, _ in PAIRS])
    frozen = tiny_model.get_activations(rng_images, [f for _, f in PAIRS])
    for k, f in PAIRS:
        assert keras_acts[k].shape == frozen[f].shape
        assert _max_rel(keras_acts[k], frozen[f]) < 1e-5, k


def test_gradients_equal_the_frozen_graph(tiny_keras, tiny_model, rng_images):
    def grad(model, layer):
        @tf.function
        def f(x):
            T = model.import_graph(x)
            return tf.gradients(tf.reduce_sum(T(layer)[..., 3] ** 2), [x])[0]
        return f(tf.constant(rng_images)).numpy()

    g_keras, g_frozen = grad(tiny_keras, "block3_conv1"), grad(tiny_model, "conv3_1/conv3_1")
    assert np.abs(g_frozen).max() > 0
    assert _max_rel(g_keras, g_frozen) < 1e-4


def test_fixed_seed_render_matches_the_frozen_graph(tiny_keras, tiny_model):
    kw = dict(param_f=lambda: param.image(32, batch=2), thresholds=(0, 12), verbose=False,
              use_fixed_seed=3)
    keras_imgs = render.render_vis(tiny_keras, "block2_conv1:5", **kw)
    frozen_imgs = render.render_vis(tiny_model, "conv2_1/conv2_1:5", **kw)
    for a, b in zip(keras_imgs, frozen_imgs):
        np.testing.assert_allclose(a, b, atol=2e-4)
    assert np.abs(keras_imgs[1] - keras_imgs[0]).max() > 0.01  # it did optimise


def test_one_trace_pruned_to_the_layers_read(tiny_keras):
    obj = objectives.channel("block2_conv1", 1) + objectives.channel("block1_conv2", 0)
    vis = render.make_vis_T(tiny_keras, obj, lambda: param.image(32), transforms=[])
    losses = [float(vis.step()) for _ in range(8)]
    assert vis.trace_count == 1 and vis("global_step") == 8
    assert vis.run_model._outputs == ("block2_conv1", "block1_conv2")  # pylint: disable=protected-access
    assert losses[-1] > losses[0]
    whole = render.make_vis_T(tiny_keras, obj, lambda: param.image(32), transforms=[], prune=False)
    assert whole.run_model is tiny_keras


def test_redirected_relu_reaches_relu_fused_into_conv2d(tiny_keras):
    """A unit dead for a black image moves only with the override, though its ReLU is the
    Conv2D's own activation="relu"."""
    acts = tiny_keras.get_activations(np.zeros((1, 16, 16, 3), np.float32), "block3_conv1")
    dead = [c for c in range(32) if acts[..., c].max() == 0]
    assert dead, "no dead block3_conv1 unit for a black image"
    moved = {}
    for override in (False, True):
        vis = render.make_vis_T(
            tiny_keras, objectives.channel("block3_conv1", dead[0]),
            lambda: tf.identity(make_variable(np.zeros((1, 16, 16, 3), np.float32))),
            transforms=[], relu_gradient_override=override)
        vis.step()
        moved[override] = float(np.abs(vis.image()).max())
    assert moved[False] == 0.0 and moved[True] > 0.0


def test_render_vis_takes_a_keras_model_with_a_notice(tiny_model):
    model = keras_vgg(tiny_model.weights[0], TINY_BLOCKS, name="bare")
    with pytest.warns(UserWarning, match=r"assuming pixels in \(0.0, 1.0\)"):
        imgs = render.render_vis(model, "block1_conv2:2", lambda: param.image(16), thresholds=(3,),
                                 verbose=False, transforms=[])
    assert imgs[0].shape == (1, 16, 16, 3) and 0 <= imgs[0].min() and imgs[0].max() <= 1
    with pytest.warns(UserWarning, match="assuming pixels"):
        vis = render.make_vis_T(model, "block1_conv2:2", lambda: param.image(16), transforms=[])
    assert isinstance(vis.model, KerasModel)


def test_recipes_on_a_keras_model(tiny_keras, rng_images, tmp_path):
    images, info = recipes.render_layer(tiny_keras, "block2_conv1", out_dir=tmp_path, units=[0, 1, 2],
                                      size=16, steps=2, batch_size=3, return_info=True)
    assert len(info.rendered) == 3 and images.shape == (3, 16, 16, 3)
    neg, pos = recipes.negative_positive(tiny_keras, "block2_conv1", 4, size=16, steps=2)
    assert neg.shape == pos.shape == (16, 16, 3)
    groups = recipes.neuron_groups(tiny_keras, rng_images[0], "block2_conv1", n_groups=2, size=16,
                                   steps=2)
    assert len(groups.images) == 2
    cells = recipes.activation_grid_simple(tiny_keras, rng_images[0], "block2_conv1", cell_size=8,
                                           n_steps=2)
    assert np.all(np.isfinite(cells))


def test_fingerprint_names_the_weights_not_the_wrapper(tiny_keras, tiny_model):
    """render_model's manifest tells models apart by fingerprint: equal for two wrappers of one
    Keras model, different after its weights change and from the frozen graph's."""
    again = KerasModel(tiny_keras.keras_model, image_value_range=CAFFE_RANGE, is_BGR=True)
    before = again.fingerprint()
    assert tiny_keras.fingerprint() == before != tiny_model.fingerprint()
    weight = tiny_keras.keras_model.weights[0]
    saved = weight.numpy()
    try:
        weight.assign(saved + 1.0)
        changed = KerasModel(tiny_keras.keras_model, image_value_range=CAFFE_RANGE, is_BGR=True)
        assert changed.fingerprint() != before
    finally:
        weight.assign(saved)


def test_functional_cnn_with_dense_head_and_relu6():
    """A user's model: layers of any kind, objectives on dense units, Relu6 activations."""
    inp = keras.Input((24, 24, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c1")(inp)
    x = keras.layers.ReLU(6.0, name="r6")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(5, name="logits")(x)
    model = KerasModel(keras.Model(inp, out), image_value_range=(-1, 1),
                       labels=list("abcde"))
    assert {layer.name: sorted(layer.tags) for layer in model.layers} == {
        "c1": ["conv"], "r6": ["conv"], "gap": ["dense"], "logits": ["dense"]}
    assert model.min_input_size("c1") == 3
    imgs = render.render_vis(model, objectives.class_logit("logits", "c"), lambda: param.image(24),
                             thresholds=(2,), verbose=False, transforms=[])
    assert imgs[0].shape == (1, 24, 24, 3)
    acts = model.get_activations(np.zeros((2, 24, 24, 3), np.float32), "logits")
    assert acts.shape == (2, 5)


def test_subclassed_model_with_input_shape():
    class Net(keras.Model):  # pylint: disable=abstract-method
        def __init__(self):
            super().__init__(name="net")
            self.conv = keras.layers.Conv2D(3, 3, activation="relu")

        def call(self, x):
            return self.conv(x)

    model = KerasModel(Net(), image_value_range=(0, 1), input_shape=(None, None, 3))
    assert model.layer_names == ["net"]
    assert model.get_activations(np.ones((1, 8, 8, 3), np.float32), "net").shape == (1, 6, 6, 3)


def test_keras_applications_entries_build_list_layers_and_run():
    """All seven keras.applications entries with weights=None: layer table and a tiny forward."""
    expected = {"VGG16": "block4_conv1", "VGG19": "block5_conv4", "ResNet50": "conv4_block1_out",
                "InceptionV3": "mixed4", "MobileNetV2": "block_5_add",
                "EfficientNetB0": "block4a_expand_activation", "ConvNeXtTiny": "convnext_tiny_stage_1_block_0_depthwise_conv"}
    assert sorted(expected) == sorted(keras_models.ENTRIES)
    img = np.random.default_rng(0).uniform(0, 1, (1, 96, 96, 3)).astype(np.float32)
    for name, layer in expected.items():
        model = getattr(keras_models, name)(weights=None)
        assert layer in model.layer_names, (name, model.layer_names[:20])
        assert "conv" in model.get_layer(layer).tags
        acts = model.get_activations(img, layer)
        assert acts.ndim == 4 and acts.shape[-1] == model.get_layer(layer).depth
        assert np.all(np.isfinite(acts)), name
        keras.backend.clear_session()


def test_imagenet_weights_missing_says_which_file_goes_where(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        keras_models.ResNet50()
    message = str(info.value)
    for word in ("resnet50_weights_tf_dim_ordering_tf_kernels.h5", str(tmp_path / "models"),
                 "https://storage.googleapis.com/"):
        assert word in message


@pytest.mark.weights
def test_offline_vgg16_keras_equals_vgg16_caffe():
    """Real VGG16: the Keras model on the ONNX weights against VGG16_caffe, activations (max
    relative difference < 1e-5 on every conv block) and a fixed-seed render."""
    from modelzoo import VGG16_caffe
    from modelzoo.weights.keras_vgg16 import vgg16_keras_offline

    km, caffe = vgg16_keras_offline(), VGG16_caffe()
    photo = np.random.default_rng(1).uniform(0, 1, (2, 64, 64, 3)).astype(np.float32)
    pairs = [(f"block{b}_conv1", f"conv{b}_1/conv{b}_1") for b in range(1, 6)]
    got = km.get_activations(photo, [k for k, _ in pairs])
    want = caffe.get_activations(photo, [f for _, f in pairs])
    for k, f in pairs:
        assert _max_rel(got[k], want[f]) < 1e-5, k
    kw = dict(param_f=lambda: param.image(64), thresholds=(16,), verbose=False, use_fixed_seed=0)
    a = render.render_vis(km, "block4_conv1:12", **kw)[0]
    b = render.render_vis(caffe, "conv4_1/conv4_1:12", **kw)[0]
    # the same picture; not to 1e-3 per pixel: on an AVX2 CPU oneDNN's kernel choice varies
    # between calls (1e-7 differences), which Adam's first steps amplify to ~0.02 (seen in CI)
    assert np.abs(a - b).max() < 0.05 and np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99


PREPROCESS = {"VGG16": keras.applications.vgg16, "VGG19": keras.applications.vgg19,
              "ResNet50": keras.applications.resnet50, "InceptionV3": keras.applications.inception_v3,
              "MobileNetV2": keras.applications.mobilenet_v2,
              "EfficientNetB0": keras.applications.efficientnet,
              "ConvNeXtTiny": keras.applications.convnext}


@pytest.mark.parametrize("name", sorted(PREPROCESS))
def test_entry_input_convention_equals_keras_preprocess_input(name):
    """Each entry's (image_value_range, is_BGR) maps an image in [0, 1] onto exactly what
    keras.applications.<module>.preprocess_input makes of the same image in 0..255."""
    entry = keras_models.ENTRIES[name]
    inp = keras.Input((None, None, 3))
    probe = KerasModel(keras.Model(inp, keras.layers.Conv2D(1, 1)(inp)),
                       image_value_range=entry.image_value_range, is_BGR=entry.is_BGR)
    img = np.random.default_rng(0).uniform(0, 1, (2, 5, 5, 3)).astype(np.float32)
    _, prepared = probe.create_input(tf.constant(img))
    want = PREPROCESS[name].preprocess_input(img * 255.0)
    np.testing.assert_allclose(prepared.numpy(), np.asarray(want), rtol=1e-5, atol=1e-3)
