"""Objectives: each value equals an independent NumPy computation on the same activations;
the Objective algebra; the "layer:n" parser; errors."""
import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from lucid_vgg.optvis import objectives
from lucid_vgg.optvis.objectives import Objective
from lucid_vgg.optvis.render import import_model

C11, C21, C31 = "conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1"


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).uniform(0, 1, (3, 20, 24, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def acts(tiny_model, images):
    return tiny_model.get_activations(images, [C11, C21, C31])


def evaluate(model, obj, images, raw=None):
    """Evaluate `obj` inside a tf.function on the model imported over `images`."""
    @tf.function(autograph=False)
    def f(x, r):
        return obj(import_model(model, x, r))
    raw = images if raw is None else raw
    return f(tf.constant(images), tf.constant(raw)).numpy()


def np_blur(x, w=3):
    """Lucid's normalised per-channel blur (SAME zero padding) in NumPy."""
    k = np.full((w, w), 0.5)
    k[1:-1, 1:-1] = 1.0
    p = w // 2

    def conv(a):
        padded = np.pad(a, [(0, 0), (p, w - 1 - p), (p, w - 1 - p), (0, 0)])
        out = np.zeros_like(a, dtype=np.float64)
        for i in range(w):
            for j in range(w):
                out += k[i, j] * padded[:, i:i + a.shape[1], j:j + a.shape[2]]
        return out
    return conv(x) / conv(np.ones_like(x))


def np_tv(x):
    return (np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3))
            + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2, 3)))


def close(a, b, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol, atol=atol)


# -- values against NumPy -------------------------------------------------------------------
def test_channel(tiny_model, images, acts):
    a = acts[C21]
    close(evaluate(tiny_model, objectives.channel(C21, 5), images), a[..., 5].mean())
    close(evaluate(tiny_model, objectives.channel(C21, 5, batch=1), images), a[1:2, ..., 5].mean())
    close(evaluate(tiny_model, objectives.channel(C21, -1), images), a[..., -1].mean())


def test_channel_with_model_import_graph_T(tiny_model, images, acts):
    @tf.function(autograph=False)
    def f(x):
        return objectives.channel(C11, 2)(tiny_model.import_graph(x))
    close(f(tf.constant(images)).numpy(), acts[C11][..., 2].mean())


def test_neuron(tiny_model, images, acts):
    a = acts[C21]  # [3, 10, 12, 16]
    h, w = a.shape[1] // 2, a.shape[2] // 2
    close(evaluate(tiny_model, objectives.neuron(C21, 3), images), a[:, h, w, 3].mean())
    close(evaluate(tiny_model, objectives.neuron(C21, 3, x=2, y=7), images), a[:, 2, 7, 3].mean())
    close(evaluate(tiny_model, objectives.neuron(C21, 3, batch=2), images), a[2, h, w, 3])


def test_direction(tiny_model, images, acts):
    a = acts[C31]
    vec = np.random.default_rng(2).standard_normal(32).astype(np.float32)
    close(evaluate(tiny_model, objectives.direction(C31, vec), images), (a @ vec).mean())
    close(evaluate(tiny_model, objectives.direction(C31, vec, batch=0), images), (a[0] @ vec).mean())
    dot = a @ vec
    cos = dot / (1e-4 + np.linalg.norm(a, axis=-1)) / (1e-4 + np.linalg.norm(vec))
    expect = (dot * np.maximum(0.1, cos) ** 2).mean()
    close(evaluate(tiny_model, objectives.direction(C31, vec, cossim_pow=2), images), expect, rtol=1e-3)


def test_direction_neuron(tiny_model, images, acts):
    a = acts[C31]
    vec = np.random.default_rng(3).standard_normal(32).astype(np.float32)
    h, w = a.shape[1] // 2, a.shape[2] // 2
    close(evaluate(tiny_model, objectives.direction_neuron(C31, vec), images), (a[:, h, w] @ vec).mean())
    close(evaluate(tiny_model, objectives.direction_neuron(C31, vec, x=1, y=2, batch=1), images),
          a[1, 1, 2] @ vec)


def test_tensor_direction(tiny_model, images, acts):
    a = acts[C21]  # [3, 10, 12, 16]
    vec = np.random.default_rng(4).standard_normal((4, 6, 16)).astype(np.float32)
    m1, m2 = (a.shape[1] - 4) // 2, (a.shape[2] - 6) // 2
    patch = a[:, m1:m1 + 4, m2:m2 + 6]
    close(evaluate(tiny_model, objectives.tensor_direction(C21, vec), images),
          (patch * vec).sum(-1).mean())
    close(evaluate(tiny_model, objectives.tensor_direction(C21, vec, batch=2), images),
          (patch[2] * vec).sum(-1).mean())


def test_deepdream(tiny_model, images, acts):
    close(evaluate(tiny_model, objectives.deepdream(C21), images), (acts[C21] ** 2).mean())


def test_total_variation_is_per_image(tiny_model, images, acts):
    tv = evaluate(tiny_model, objectives.total_variation(), images)
    assert tv.shape == (3,)
    close(tv, np_tv(images.astype(np.float64)), rtol=1e-5)
    close(evaluate(tiny_model, objectives.total_variation(C11), images), np_tv(acts[C11]), rtol=1e-4)


def test_L1_L2(tiny_model, images, acts):
    close(evaluate(tiny_model, objectives.L1(constant=0.5), images), np.abs(images - 0.5).sum(), rtol=1e-5)
    close(evaluate(tiny_model, objectives.L1(C11, batch=1), images), np.abs(acts[C11][1]).sum())
    close(evaluate(tiny_model, objectives.L2(constant=0.5), images),
          np.sqrt(1e-6 + ((images.astype(np.float64) - 0.5) ** 2).sum()), rtol=1e-5)
    close(evaluate(tiny_model, objectives.L2(C11, batch=0), images),
          np.sqrt(1e-6 + (acts[C11][0].astype(np.float64) ** 2).sum()))


def test_blur_input_each_step(tiny_model, images):
    expect = 0.5 * ((images - np_blur(images.astype(np.float64))) ** 2).sum()
    close(evaluate(tiny_model, objectives.blur_input_each_step(), images), expect, rtol=1e-4)


def test_blur_alpha_each_step(tiny_model, images):
    alpha = np.random.default_rng(5).uniform(0, 1, images.shape[:3] + (1,)).astype(np.float32)
    rgba = np.concatenate([images, alpha], -1)
    expect = 0.5 * ((alpha - np_blur(alpha.astype(np.float64))) ** 2).sum()
    close(evaluate(tiny_model, objectives.blur_alpha_each_step(), images, raw=rgba), expect, rtol=1e-4)


def test_channel_interpolate(tiny_model, images, acts):
    a1, a2 = acts[C11][..., 1], acts[C21][..., 4]
    wts = np.arange(3) / 2.0
    expect = sum((1 - wts[n]) * a1[n].mean() + wts[n] * a2[n].mean() for n in range(3))
    close(evaluate(tiny_model, objectives.channel_interpolate(C11, 1, C21, 4), images), expect)


def test_penalize_boundary_complexity(tiny_model, images):
    mask = np.ones(images.shape)
    mask[:, 4:-4, 4:-4] = 0
    x = images.astype(np.float64)
    diffs = (np_blur(x, w=5) - x) ** 2 + 0.8 * (x - 0.5) ** 2
    close(evaluate(tiny_model, objectives.penalize_boundary_complexity(images.shape, w=4), images),
          -(diffs * mask).sum(), rtol=1e-4)


def test_alignment(tiny_model, images, acts):
    a = acts[C21]
    expect = -sum(((a[i] - a[i + d]) ** 2).mean() / 3.0 ** d for d in (1, 2, 3, 4) for i in range(3 - d))
    close(evaluate(tiny_model, objectives.alignment(C21, decay_ratio=3), images), expect)


def test_diversity(tiny_model, images, acts):
    a = acts[C21].astype(np.float64)
    flat = a.reshape(3, -1, a.shape[-1])
    grams = np.einsum("bpi,bpj->bij", flat, flat)
    grams /= np.sqrt(np.maximum((grams ** 2).sum(axis=(1, 2), keepdims=True), 1e-10))
    expect = sum((grams[i] * grams[j]).sum() for i in range(3) for j in range(3) if i != j) / 3
    close(evaluate(tiny_model, objectives.diversity(C21), images), expect, rtol=1e-4)


def test_input_diff(tiny_model, images):
    orig = np.full(images.shape, 0.25, np.float32)
    close(evaluate(tiny_model, objectives.input_diff(orig), images),
          np.sqrt(((images - 0.25) ** 2).mean()), rtol=1e-5)


def test_class_logit(tiny_model_fc):
    imgs = np.random.default_rng(6).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)
    prob = tiny_model_fc.get_activations(imgs, "prob")
    close(evaluate(tiny_model_fc, objectives.class_logit("prob", 3), imgs), prob[:, 3].sum())
    close(evaluate(tiny_model_fc, objectives.class_logit("prob", 3, batch=1), imgs), prob[1, 3])
    # dense layers read as [N, 1, 1, C] by NHWC objectives
    fc6 = tiny_model_fc.get_activations(imgs, "fc6/fc6")
    close(evaluate(tiny_model_fc, objectives.channel("fc6/fc6", 7), imgs), fc6[:, 7].mean())


def test_class_logit_by_label_name():
    logits = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    T = {"prob": logits, "labels": ["cat", "dog", "eel"]}.__getitem__
    assert float(objectives.class_logit("prob", "dog")(T)) == 7.0
    with pytest.raises(ValueError, match="'fox' is not one of the model's labels"):
        objectives.class_logit("prob", "fox")(T)


# -- descriptions and names (Lucid's format) -------------------------------------------------
def test_descriptions():
    obj = objectives.channel(C11, 3)
    assert obj.name == "channel"
    assert obj.description == "Channel [conv1_1/conv1_1, 3, None]"
    assert objectives.deepdream("a_really_long_layer_name").description == "Deepdream [...]"
    s = obj - 1e-3 * objectives.total_variation()
    assert s.name == "channel, total_variation"
    assert s.description == "Sum(Channel [conv1_1/conv1_1, 3, None] +\nTotal_Variation [input])"
    total = Objective.sum([obj, objectives.L1()])
    assert total.description == "Sum(Channel [conv1_1/conv1_1, 3, None] +\nL1 [input, 0, None])"
    assert (2 * obj).description == obj.description


# -- algebra ---------------------------------------------------------------------------------
def const(v, name="c"):
    return Objective(lambda T: tf.constant(v, tf.float64), name=name, description=name)


def val(obj):
    return float(obj(lambda name: None))


# no subnormals: TensorFlow may flush them to zero in its worker threads (-2.2e-309 -> -0.0)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
nonzero = finite.filter(lambda x: abs(x) > 1e-3)


@settings(max_examples=60, deadline=None)
@given(a=finite, b=finite, k=finite, d=nonzero)
def test_algebra_matches_arithmetic(a, b, k, d):
    A, B = const(a, "a"), const(b, "b")
    assert math.isclose(val(A + B), a + b, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(A - B), a - b, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(-A), -a, abs_tol=0)
    assert math.isclose(val(k * A + B * k), k * a + b * k, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(val(A * B), a * b, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(A / d), a / d, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(k + A), k + a, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(k - A), k - a, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(sum([A, B, A])), 2 * a + b, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(val(Objective.sum([A, B, A])), 2 * a + b, rel_tol=1e-12, abs_tol=1e-9)
    if abs(b) > 1e-3:
        assert math.isclose(val(A / B), a / b, rel_tol=1e-12, abs_tol=1e-9)
        assert math.isclose(val(d / B), d / b, rel_tol=1e-12, abs_tol=1e-9)


def test_numpy_scalars_scale_objectives():
    A = const(2.0)
    assert val(np.float32(3) * A) == 6.0
    assert val(A * np.int64(2)) == 4.0


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
@pytest.mark.parametrize("other", ["a", [1], None])
def test_non_numeric_arithmetic_raises_type_error(op, other):
    A = const(1.0)
    with pytest.raises(TypeError, match=type(other).__name__):
        eval(f"A {op} other")  # noqa: S307
    with pytest.raises(TypeError):
        eval(f"other {op} A")  # noqa: S307


def test_callables_combine_with_objectives():
    A = const(1.0)
    assert val(A + (lambda T: tf.constant(2.0, tf.float64))) == 3.0


# -- "layer:n" parser ------------------------------------------------------------------------
layer_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_/0123456789:. ", min_size=1, max_size=30) \
    .filter(lambda s: s.strip() != "")


@settings(max_examples=80, deadline=None)
@given(layer=layer_names, n=st.integers(-7, 7))
def test_as_objective_parses_layer_colon_n(layer, n):
    obj = objectives.as_objective(f"{layer}:{n}")
    assert obj.name == "channel"
    seen = []
    t = tf.reshape(tf.range(2 * 3 * 8, dtype=tf.float32), [2, 1, 3, 8])

    def T(name):
        seen.append(name)
        return t
    got = float(obj(T))
    assert seen == [layer.strip()]
    assert got == pytest.approx(float(tf.reduce_mean(t[..., n])))


@pytest.mark.parametrize("bad", ["conv1_1/conv1_1", "conv1_1/conv1_1:", ":3", "layer:x", "layer:1.5"])
def test_as_objective_bad_strings(bad):
    with pytest.raises(ValueError, match="layer:channel"):
        objectives.as_objective(bad)


def test_as_objective_types():
    obj = objectives.channel(C11, 1)
    assert objectives.as_objective(obj) is obj
    f = objectives.as_objective(lambda T: tf.constant(1.0))
    assert isinstance(f, Objective) and float(f(None)) == 1.0
    for bad in (3, 2.5, None, ["conv1_1:1"], Objective):
        with pytest.raises(TypeError, match="objective must be"):
            objectives.as_objective(bad)


# -- errors while tracing ---------------------------------------------------------------------
def test_channel_out_of_range(tiny_model, images):
    with pytest.raises(ValueError, match=r"channel 8 is out of range for layer 'conv1_1/conv1_1', "
                                         r"which has depth 8: valid channels are 0\.\.7"):
        evaluate(tiny_model, objectives.channel(C11, 8), images)
    with pytest.raises(ValueError, match="depth 16"):
        evaluate(tiny_model, objectives.neuron(C21, 99), images)
    with pytest.raises(ValueError, match="depth 32"):
        evaluate(tiny_model, objectives.as_objective("conv3_1/conv3_1:-33"), images)


def test_unknown_layer_key_error(tiny_model, images):
    with pytest.raises(KeyError, match="Did you mean 'conv2_1/conv2_1'"):
        evaluate(tiny_model, objectives.channel("conv2_1/conv2_l", 0), images)


def test_direction_length_mismatch(tiny_model, images):
    with pytest.raises(ValueError, match="8 entries but layer 'conv2_1/conv2_1' has depth 16"):
        evaluate(tiny_model, objectives.direction(C21, np.ones(8)), images)


def test_batch_objectives_need_two_images(tiny_model, images):
    with pytest.raises(ValueError, match="at least 2"):
        evaluate(tiny_model, objectives.channel_interpolate(C11, 0, C11, 1), images[:1])


def test_tensor_direction_rank_checked():
    with pytest.raises(ValueError, match="rank 3"):
        objectives.tensor_direction(C11, np.ones(8))
