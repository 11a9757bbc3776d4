"""lucid_vgg.optvis.style: Gram matrices and losses against NumPy; StyleLoss on tensors (eager,
tf.function, a tf.compat.v1 session with Lucid's feed dict) and in the port's render."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import param, render, style

C11, C21 = "conv1_1/conv1_1", "conv2_1/conv2_1"
RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 5, 4, 3)).astype(np.float32)
B = RNG.normal(size=(1, 3, 6, 3)).astype(np.float32)


def np_gram(a):
    flat = np.asarray(a, np.float64).reshape(-1, a.shape[-1])
    return flat.T @ flat / flat.shape[0]


def np_l1(g1, g2):
    return np.abs(g1 - g2).mean()


@pytest.mark.parametrize("mode", ["eager", "tf_function"])
def test_gram_style_and_losses_match_numpy(mode):
    def run(f, *args):
        return (tf.function(f)(*args) if mode == "tf_function" else f(*args)).numpy()
    np.testing.assert_allclose(run(style.gram_style, A), np_gram(A), rtol=1e-5)
    ga, gb = np_gram(A), np_gram(B)
    np.testing.assert_allclose(run(style.mean_l1_loss, ga, gb), np_l1(ga, gb), rtol=1e-6)
    np.testing.assert_allclose(run(style.mean_l2_loss, ga, gb), np.sqrt(((ga - gb) ** 2).mean()),
                               rtol=1e-6)


def test_style_loss_on_eager_tensors_follows_set_style():
    sl = style.StyleLoss([tf.constant(A), tf.constant(A[..., :2])])
    np.testing.assert_allclose(sl.style_loss.numpy(),  # targets start at zero
                               np.abs(np_gram(A)).mean() + np.abs(np_gram(A[..., :2])).mean(), rtol=1e-5)
    sl.set_style([B, B[..., :2]])
    expected = [np_l1(np_gram(A), np_gram(B)), np_l1(np_gram(A[..., :2]), np_gram(B[..., :2]))]
    np.testing.assert_allclose([t.numpy() for t in sl.style_losses], expected, rtol=1e-5)
    np.testing.assert_allclose(sl.style_loss.numpy(), sum(expected), rtol=1e-5)


def test_style_loss_lucid_session_code_with_feed_dict_and_ema():
    decay = 0.5
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        t = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3])
        layer = 2.0 * t
        sl = style.StyleLoss([layer], ema_decay=decay, loss_func=style.mean_l2_loss)
        grad = tf.gradients(sl.style_loss, [t])[0]
        sess.run(tf.compat.v1.global_variables_initializer())
        sl.set_style({t: B})  # Lucid: after the initializer, a feed making the layers the style's
        target = np_gram(2 * B)
        np.testing.assert_allclose(sess.run(sl.target_vars[0]), target, rtol=1e-5)
        avg = np.zeros_like(target)
        for x in (A, A[:1] * 3):  # the moving average of the image's Gram matrices is compared
            avg = avg - (avg - np_gram(2 * x)) * (1 - decay)
            loss, g = sess.run([sl.style_loss, grad], {t: x})
            np.testing.assert_allclose(loss, np.sqrt(((avg - target) ** 2).mean()), rtol=1e-4)
            assert np.abs(g).sum() > 0  # the gradient still reaches the input


def test_style_loss_read_through_T_inside_tf_function_with_ema():
    decay = 0.25
    sl = style.StyleLoss(["layer", lambda T: T("layer")[:1]], ema_decay=decay)
    sl.set_style([B, B])
    f = tf.function(lambda x: sl({"layer": x}.__getitem__))
    avg = [np.zeros((3, 3)), np.zeros((3, 3))]
    for x in (A, 2 * A):
        avg = [m - (m - np_gram(v)) * (1 - decay) for m, v in zip(avg, (x, x[:1]))]
        np.testing.assert_allclose(f(tf.constant(x)).numpy(),
                                   sum(np_l1(m, np_gram(B)) for m in avg), rtol=1e-5)
    assert f.experimental_get_tracing_count() == 1


def test_style_loss_in_the_render_matches_numpy_and_drops(tiny_model):
    sl = style.StyleLoss([C11, C21])
    style_image = np.random.default_rng(1).uniform(0, 1, (16, 16, 3)).astype(np.float32)
    sl.set_style_image(tiny_model, style_image)
    vis = render.make_vis_T(tiny_model, -sl.objective(), lambda: param.image(16), transforms=[],
                            seed=0)
    image = vis.image()
    first = -float(vis.step())
    expected = sum(np_l1(np_gram(tiny_model.get_activations(image, layer)),
                         np_gram(tiny_model.get_activations(style_image[None], layer)))
                   for layer in (C11, C21))
    assert first == pytest.approx(expected, rel=1e-4)
    for _ in range(40):
        last = -float(vis.step())
    assert vis.trace_count == 1
    assert last < 0.5 * first


@pytest.mark.weights
def test_style_render_on_vgg16_reduces_the_style_loss(tmp_path):
    import skimage.data
    import modelzoo.vision_models as models
    from lucid_vgg.misc.io import save
    model = models.VGG16_caffe()
    photo = tf.image.resize(skimage.data.astronaut()[None] / 255.0, [64, 64]).numpy()[0]
    sl = style.StyleLoss(["conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1"])
    sl.set_style_image(model, photo)
    vis = render.make_vis_T(model, -sl.objective(), lambda: param.image(64), transforms=[],
                            seed=0)
    losses = [-float(vis.step()) for _ in range(48)]
    save(vis.image()[0], str(tmp_path / "style_render.png"))
    assert losses[-1] < 0.5 * losses[0], losses[::8]


class _Spy:
    """The model with a record of get_activations calls (to show a check ran before any)."""

    def __init__(self, model):
        self.model, self.calls = model, []
        self.graph_def = model.graph_def

    def get_activations(self, images, layer):
        self.calls.append(layer)
        return self.model.get_activations(images, layer)


def test_style_image_smaller_than_a_receptive_field_is_refused_before_any_activation(tiny_model):
    spy = _Spy(tiny_model)
    sl = style.StyleLoss([C11, C21, "conv3_1/conv3_1"])  # receptive fields 3, 10, 24 px
    image = np.random.default_rng(2).uniform(0, 1, (23, 40, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=r"style image is 23x40 px but conv3_1/conv3_1 sees 24x24 px"):
        sl.set_style_image(spy, image)
    assert spy.calls == [] and sl.target_vars is None  # refused before any work, no style set
    sl.set_style_image(spy, np.pad(image, ((0, 1), (0, 0), (0, 0))))  # 24x40: accepted
    assert spy.calls == [C11, C21, "conv3_1/conv3_1"]
    smaller = style.StyleLoss([C21])
    smaller.set_style_image(spy, image[:9, :9], check_size=False)  # 9 < 10, told to skip the check
    np.testing.assert_allclose(smaller.target_vars[0].numpy(),
                               np_gram(tiny_model.get_activations(image[None, :9, :9], C21)), rtol=1e-5)


@pytest.mark.weights
def test_vgg16_style_image_smaller_than_conv5_1s_receptive_field():
    import modelzoo.vision_models as models
    spy = _Spy(models.VGG16_caffe())
    layers = [f"conv{b}_1/conv{b}_1" for b in range(1, 6)]
    sl = style.StyleLoss(layers)
    with pytest.raises(ValueError) as info:
        sl.set_style_image(spy, np.full((40, 40, 3), 0.5, np.float32))
    assert str(info.value).startswith("style image is 40x40 px but conv5_1/conv5_1 sees 132x132 px "
                                      "per unit (its receptive field), conv4_1/conv4_1 60x60 px: give "
                                      "a style image at least 132 px on each side")
    assert spy.calls == []


LUCID_STYLE_SNIPPET = """
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
from lucid_vgg.optvis.style import StyleLoss, mean_l1_loss
x = np.random.default_rng(0).normal(size=(1, 4, 4, 2)).astype(np.float32)
with tf.Graph().as_default(), tf.Session() as sess:
    t = tf.placeholder(tf.float32, [1, 4, 4, 2])
    sl = StyleLoss([t * 2.0])
    grad = tf.gradients(sl.style_loss, [t])[0]
    tf.global_variables_initializer().run()
    sl.set_style({t: x[..., ::-1] + 1})  # another style: channels swapped and shifted
    print(sl.style_loss.eval({t: x}), np.abs(grad.eval({t: x})).sum() > 0)
"""


def test_style_loss_under_disable_v2_behavior():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", LUCID_STYLE_SNIPPET], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    loss, has_grad = out.stdout.split()[-2:]
    x = np.random.default_rng(0).normal(size=(1, 4, 4, 2)).astype(np.float32)
    assert float(loss) == pytest.approx(np_l1(np_gram(2 * x), np_gram(2 * (x[..., ::-1] + 1))), rel=1e-5)
    assert has_grad == "True"
