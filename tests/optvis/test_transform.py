"""lucid_vgg.optvis.transform: shapes, values, seeded reproducibility, Lucid gradient semantics."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import transform
from lucid_vgg.optvis.transform_size import check_transformed_size

DYNAMIC = tf.TensorSpec([None, None, None, None], tf.float32)


def _img(b=2, h=20, w=18, c=3, seed=0):
    return np.random.default_rng(seed).random((b, h, w, c)).astype(np.float32)


@pytest.mark.parametrize("t,size", [
    (transform.jitter(4), (16, 14)),
    (transform.pad(3), (26, 24)),
    (transform.pad(2, mode="symmetric"), (24, 22)),
    (transform.random_scale([0.5]), (10, 9)),
    (transform.random_rotate([-10, 5, 30]), (20, 18)),
    (transform.normalize_gradient(), (20, 18)),
    (transform.crop_or_pad_to(11, 25), (11, 25)),
])
def test_transforms_keep_rank_batch_channels_eager_and_dynamic(t, size):
    x = _img()
    out = t(x)
    assert out.shape == (2,) + size + (3,) and out.dtype == tf.float32
    dyn = tf.function(t, input_signature=[DYNAMIC])
    assert tuple(dyn(x).shape) == (2,) + size + (3,)


def test_standard_transforms_list_and_compose_inside_tf_function():
    assert len(transform.standard_transforms) == 5
    f = tf.function(transform.compose(transform.standard_transforms), input_signature=[DYNAMIC])
    sizes = set()
    for _ in range(8):
        out = f(_img(1, 64, 64, 3))
        assert out.shape[0] == 1 and out.shape[-1] == 3
        assert 64 + 24 - 12 - 12 <= out.shape[1] <= int((64 + 24 - 8) * 1.1) - 4
        sizes.add(out.shape[1])
    assert f.experimental_get_tracing_count() == 1
    assert len(sizes) > 1  # random_scale draws anew every call


def test_pad_constant_and_uniform_values():
    x = np.ones((1, 4, 4, 2), np.float32)
    out = transform.pad(2, mode="constant", constant_value=0.5)(x).numpy()
    assert out.min() == 0.5 and out.max() == 1.0
    np.testing.assert_array_equal(out[:, 2:6, 2:6], x)
    border = np.ones(out.shape, bool)
    border[:, 2:6, 2:6] = False
    assert (out[border] == 0.5).all()
    u = transform.pad(1, mode="CONSTANT", constant_value="uniform", seed=3)(np.zeros((1, 2, 2, 1)))
    fill = u.numpy()[0, 0, 0, 0]
    assert 0 <= fill < 1 and (u.numpy()[0, 0] == fill).all()
    reflect = transform.pad(1)(np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)).numpy()
    np.testing.assert_array_equal(reflect[0, :, :, 0],
                                  np.pad(np.arange(9).reshape(3, 3), 1, "reflect"))


def test_jitter_is_a_crop_of_the_input():
    x = _img(1, 12, 12, 1)
    out = transform.jitter(3)(x).numpy()
    hits = [(i, j) for i in range(4) for j in range(4)
            if np.array_equal(out, x[:, i:i + 9, j:j + 9])]
    assert len(hits) == 1


def test_random_scale_uses_tf1_bilinear_sampling():
    x = _img(1, 8, 8, 2)
    half = transform.random_scale([0.5])(x).numpy()
    np.testing.assert_allclose(half, x[:, ::2, ::2], atol=1e-6)  # src index = i * in / out
    assert transform.random_scale([1.5])(x).shape == (1, 12, 12, 2)


def np_rotate_nearest(x, angle):
    """NumPy reference of tf.contrib.image.rotate (NEAREST, zero fill) by `angle` radians.

    Returns the rotated batch and a mask of the pixels whose source coordinate lies within 1e-3
    of a rounding tie (float32 vs float64 may round those either way)."""
    b, h, w, c = x.shape
    cos, sin = np.cos(angle), np.sin(angle)
    x_off = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2
    y_off = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    src_x, src_y = cos * xx - sin * yy + x_off, sin * xx + cos * yy + y_off
    tie = (np.abs(np.abs(src_x % 1) - 0.5) < 1e-3) | (np.abs(np.abs(src_y % 1) - 0.5) < 1e-3)
    ix = (np.sign(src_x) * np.floor(np.abs(src_x) + 0.5)).astype(int)  # round half away from 0
    iy = (np.sign(src_y) * np.floor(np.abs(src_y) + 0.5)).astype(int)
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    out = np.zeros_like(x)
    out[:, inside] = x[:, iy[inside], ix[inside]]
    return out, tie


def lucid_rads(degrees):
    """Lucid's conversion, in float32 as it ran: 3.14 * angle / 180."""
    return float(np.float32(np.float32(3.14) * np.float32(degrees)) / np.float32(180.0))


@pytest.mark.parametrize("degrees", [-10, 7, 30, 90, 135])
def test_random_rotate_default_is_lucids_nearest_rotation(degrees):
    x = _img(2, 41, 33, 3)
    out = transform.random_rotate([degrees])(x).numpy()
    ref, tie = np_rotate_nearest(x, lucid_rads(degrees))
    assert tie.mean() < 0.02
    np.testing.assert_array_equal(out[:, ~tie], ref[:, ~tie])
    assert set(np.unique(out)) <= set(np.unique(x)) | {0.0}  # nearest: only input values (or fill)


def test_random_rotate_uses_lucids_degree_factor_unless_exact_pi():
    x = _img(1, 201, 201, 1)  # 100 px from the centre, 3.14 vs pi moves a pixel by 0.015 px
    lucid, tie_l = np_rotate_nearest(x, lucid_rads(30))
    exact, tie_e = np_rotate_nearest(x, np.pi / 6)
    ok = ~(tie_l | tie_e)
    assert (lucid[:, ok] != exact[:, ok]).mean() > 0.005  # the two factors really differ here
    np.testing.assert_array_equal(transform.random_rotate([30])(x).numpy()[:, ok], lucid[:, ok])
    np.testing.assert_array_equal(
        transform.random_rotate([30], exact_pi=True)(x).numpy()[:, ok], exact[:, ok])
    np.testing.assert_array_equal(np.rot90(x, k=1, axes=(1, 2)),
                                  transform.random_rotate([90], exact_pi=True)(x).numpy())


@pytest.mark.parametrize("angles,units", [([90], "degrees"), ([np.pi / 2], "radians")])
def test_random_rotate_by_90_equals_rot90(angles, units):
    x = _img(2, 9, 9, 2)
    out = transform.random_rotate(angles, units=units)(x).numpy()
    np.testing.assert_array_equal(out, np.rot90(x, k=1, axes=(1, 2)))
    smooth = transform.random_rotate(angles, units=units, interpolation="bilinear",
                                     exact_pi=True)(x).numpy()
    np.testing.assert_allclose(smooth, np.rot90(x, k=1, axes=(1, 2)), atol=1e-4)


def test_random_rotate_bilinear_option_interpolates():
    x = _img(1, 15, 15, 1)
    out = transform.random_rotate([20], interpolation="BILINEAR", exact_pi=True)(x).numpy()
    centre = out[0, 5:10, 5:10, 0]
    assert len(set(centre.ravel()) - set(x.ravel())) > 20  # new values between the inputs
    # the gradient reaches more input pixels than nearest sampling does
    def grad_support(**kw):
        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(transform.random_rotate([20], **kw)(t))
        return int((tape.gradient(y, t).numpy() != 0).sum())
    assert grad_support(interpolation="bilinear") > grad_support()


def test_random_rotate_small_angle_keeps_centre_and_fills_zero():
    x = np.ones((1, 15, 15, 1), np.float32)
    out = transform.random_rotate([45])(x).numpy()
    assert out[0, 7, 7, 0] == pytest.approx(1.0)
    assert out[0, 0, 0, 0] == 0.0  # corners rotated in from outside are zero-filled


def test_normalize_gradient_identity_forward_unit_norm_backward():
    x = tf.constant(_img(3, 5, 4, 2))
    per_example = np.array([1.0, 50.0, 0.01]).reshape(3, 1, 1, 1)
    weights = tf.constant(np.random.default_rng(1).normal(size=(3, 5, 4, 2)) * per_example,
                          tf.float32)
    for scales, expected in [(None, [1, 1, 1]), ([1.0, 2.0, 0.5], [1, 2, 0.5])]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = transform.normalize_gradient(scales)(x)
            loss = tf.reduce_sum(y * weights)
        np.testing.assert_array_equal(y.numpy(), x.numpy())
        g = tape.gradient(loss, x).numpy()
        norms = np.sqrt((g ** 2).sum(axis=(1, 2, 3)))
        np.testing.assert_allclose(norms, expected, rtol=1e-5)
        direction = weights.numpy() / np.sqrt((weights.numpy() ** 2).sum((1, 2, 3), keepdims=True))
        np.testing.assert_allclose(g / np.reshape(expected, (3, 1, 1, 1)), direction, atol=1e-5)


def test_crop_or_pad_to_centres():
    x = _img(1, 6, 6, 1)
    big = transform.crop_or_pad_to(10, 8)(x).numpy()
    np.testing.assert_array_equal(big[:, 2:8, 1:7], x)
    assert big[0, 0, 0, 0] == 0
    small = transform.crop_or_pad_to(2, 4)(x).numpy()
    np.testing.assert_array_equal(small, x[:, 2:4, 1:5])


def test_collapse_alpha_random():
    rgb = _img(2, 10, 10, 3)
    opaque = np.concatenate([rgb, np.ones((2, 10, 10, 1), np.float32)], -1)
    clear = np.concatenate([rgb, np.zeros((2, 10, 10, 1), np.float32)], -1)
    f = transform.collapse_alpha_random(seed=2)
    np.testing.assert_allclose(f(opaque).numpy(), rgb, atol=1e-6)
    background = f(clear).numpy()
    assert background.shape == (2, 10, 10, 3)
    assert background.min() >= 0 and background.max() <= 1 and background.std() > 0.01
    dyn = tf.function(f, input_signature=[DYNAMIC])
    assert tuple(dyn(clear[:, :7, :9]).shape) == (2, 7, 9, 3)


SEEDED_SNIPPET = textwrap.dedent("""
    import numpy as np, tensorflow as tf
    from lucid_vgg.optvis import transform as T
    x = np.random.default_rng(0).random((2, 24, 24, 4)).astype(np.float32)
    f = tf.function(T.compose([T.pad(4, "constant", "uniform", seed=1), T.jitter(5, seed=2),
                               T.random_scale([0.8, 0.9, 1.0, 1.1], seed=3),
                               T.random_rotate(range(-30, 31), seed=4),
                               T.collapse_alpha_random(seed=5)]))
    outs = [f(x).numpy() for _ in range(3)]
    print(" ".join("%d:%.6f" % (o.shape[1], o.sum()) for o in outs))
""")


def test_seeded_transforms_reproducible_in_fresh_processes():
    def run():
        out = subprocess.run([sys.executable, "-c", SEEDED_SNIPPET], capture_output=True,
                             text=True, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
                             timeout=600)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]
    first, second = run(), run()
    assert first == second
    assert len(set(first.split())) > 1  # successive calls draw anew


@pytest.mark.parametrize("call,match", [
    (lambda: transform.pad(2, mode="WRAP"), "pad mode must be one of REFLECT, SYMMETRIC, CONSTANT"),
    (lambda: transform.pad(-1), "pad w must be an integer >= 0"),
    (lambda: transform.pad(2, "constant", constant_value="red"), "constant_value"),
    (lambda: transform.jitter(-2), "jitter d must be an integer >= 0"),
    (lambda: transform.random_scale([]), "random_scale scales must be a non-empty"),
    (lambda: transform.random_scale([1.0, 0.0]), "must all be > 0"),
    (lambda: transform.random_rotate([]), "random_rotate angles must be a non-empty"),
    (lambda: transform.random_rotate([5], units="gradians"), "units must be one of degrees"),
    (lambda: transform.random_rotate([5], interpolation="cubic"), "one of NEAREST, BILINEAR"),
    (lambda: transform.random_rotate([5], exact_pi="yes"), "exact_pi must be True or False"),
    (lambda: transform.crop_or_pad_to(0, 5), "height must be a positive integer"),
    (lambda: transform.compose([transform.jitter(1), 3]), "list of callables"),
    (lambda: transform.normalize_gradient([[1.0]]), "grad_scales"),
    (lambda: transform.random_scale([1.0, float("nan")]), r"finite numbers \(allowed: \(0, 10\]\)"),
    (lambda: transform.random_scale([0.9, 1e6]), r"at most 10 \(allowed: \(0, 10\]\)"),
    (lambda: transform.random_rotate([5, float("-inf")]), "angles must all be finite"),
    (lambda: transform.pad(transform.MAX_PAD + 1), r"limit of 1024 px a side \(allowed: 0\.\.1024\)"),
    (lambda: transform.pad(2, "constant", constant_value=float("inf")), "finite fill"),
    (lambda: transform.normalize_gradient([1.0, float("nan")]), "grad_scales must all be finite"),
])
def test_bad_arguments_raise_clear_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("scale", [0.01, 0.1, 0.33, 0.9, 1.1, 2.5])
@pytest.mark.parametrize("side", [7, 16, 100, 128, 227])
def test_scale_size_rule_matches_the_op(scale, side):
    """The size rule predicts exactly the side random_scale gives, and the input it needs."""
    (rule,) = transform.random_scale([scale]).size_rules
    image = np.zeros((1, side, side, 1), np.float32)
    out = rule.smallest(side, 0)
    if out < 1:  # what the check before tracing prevents
        with pytest.raises(tf.errors.InvalidArgumentError, match="must be positive"):
            transform.random_scale([scale])(image)
    else:
        assert transform.random_scale([scale])(image).shape[1] == out
    need = max(out, 1)
    assert rule.smallest(rule.needs(need, 0), 0) >= need > rule.smallest(rule.needs(need, 0) - 1, 0)


def test_scale_range_in_the_message_is_the_tightest_that_fits():
    """'scales must all be >= k' names the smallest k (in thousandths) that reaches the size."""
    (rule,) = transform.random_scale([0.001]).size_rules
    for side in range(5, 300, 7):
        for out in range(1, side, 3):
            k = float(rule.allowed(side, out, 0).split(">= ")[1].split()[0])
            assert transform.random_scale([k]).size_rules[0].smallest(side, 0) >= out
            assert transform.random_scale([k - 0.001]).size_rules[0].smallest(side, 0) < out


def test_size_check_suggests_a_size_that_passes():
    """The 'larger image' the message suggests passes, one pixel less does not."""
    ts = [transform.compose(transform.standard_transforms), transform.random_scale([0.3])]
    with pytest.raises(ValueError, match=r"random_scale with smallest scale 0.3 .*need at least "
                                         r"16x16 px.*scales must all be >= .*at least (\d+) px") as e:
        check_transformed_size(ts, 40, 40, 16, "conv5_1")
    first = int(e.value.args[0].rsplit("at least ", 1)[1].split()[0])
    check_transformed_size(ts, first, first, 16, "conv5_1")
    with pytest.raises(ValueError):
        check_transformed_size(ts, first - 1, first, 16, "conv5_1")


def test_size_check_names_the_step_and_skips_unknown_functions():
    with pytest.raises(ValueError, match=r"^pad\(5, mode='SYMMETRIC'\) cannot take an image of only "
                                         r"8x4 px.*w must be in 0\.\.4"):
        check_transformed_size([transform.random_scale([0.5]), transform.pad(5, "symmetric")],
                               16, 8, 1, "the model")
    with pytest.raises(ValueError, match=r"crop_or_pad_to\(3, 30\).*height must be >= 4$"):
        check_transformed_size([transform.crop_or_pad_to(3, 30)], 64, 64, 4, "the model")
    with pytest.raises(ValueError, match=r"^the 4x27 px image is too small: the model need at least 8x8"):
        check_transformed_size([transform.pad(1), transform.random_rotate([3])], 4, 27, 8, "the model")
    unknown = [transform.random_scale([0.01]), lambda t: t]
    check_transformed_size(unknown, 64, 64, 16, "the model")  # a user's function: not checked
    check_transformed_size(transform.standard_transforms, 128, 128, 16, "conv5_1")


def test_reflect_pad_wider_than_a_static_image_is_refused_when_traced():
    with pytest.raises(ValueError, match=r"pad\(4, mode='REFLECT'\) cannot take .* 4x9 px.*0\.\.3"):
        transform.pad(4)(np.zeros((1, 4, 9, 3), np.float32))
    assert transform.pad(3)(np.zeros((1, 4, 9, 3), np.float32)).shape == (1, 10, 15, 3)


def test_until_step_transforms_the_first_n_steps_then_passes_the_image_through():
    """The schedule reads the render's step counter when the step runs, not when it is traced."""
    from lucid_vgg.optvis import render_step

    step = tf.Variable(0, dtype=tf.int64)
    scheduled = transform.until_step(2, [lambda x: x + 1.0, lambda x: x * 3.0])

    @tf.function(autograph=False)
    def run(x):
        with render_step.counting(step):
            return scheduled(x)

    x = _img(1, 8, 8)
    seen = []
    for i in range(4):
        step.assign(i)
        seen.append(run(x).numpy())
    np.testing.assert_allclose(seen[0], (x + 1) * 3, rtol=1e-6)
    np.testing.assert_allclose(seen[1], (x + 1) * 3, rtol=1e-6)
    np.testing.assert_array_equal(seen[2], x)
    np.testing.assert_array_equal(seen[3], x)
    assert run.experimental_get_tracing_count() == 1


def test_until_step_needs_a_render_and_a_positive_n():
    with pytest.raises(RuntimeError, match="only works inside a render"):
        transform.until_step(3, [transform.jitter(1)])(_img())
    with pytest.raises(ValueError, match="until_step n"):
        transform.until_step(0, [transform.jitter(1)])


def test_until_step_keeps_the_size_rules_of_what_it_schedules():
    """A jitter too large for the image is refused before tracing, scheduled or not."""
    with pytest.raises(ValueError, match=r"jitter\(30\)"):
        check_transformed_size([transform.until_step(5, [transform.jitter(30)])], 20, 20, 1,
                               "the model")
