"""lucid_vgg.optvis.param against NumPy references written from the math, plus the variable contract."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import param
from lucid_vgg.optvis.param import unit_balls
from lucid_vgg.optvis.param.variables import VariableStore, make_variable, rng

SIZES = [(4, 6), (5, 7), (8, 3), (7, 8), (1, 1)]


def np_fftfreq(n):
    k = np.arange(n)
    return np.where(k <= (n - 1) // 2, k, k - n) / n


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_resize_v1(a, shape):
    """Separable linear interpolation with TF1 resize_bilinear (corner-aligned src = i*in/out) rules."""
    for axis, out in enumerate(shape):
        n = a.shape[axis]
        if n == out:
            continue
        src = np.arange(out) * (n / out)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n - 1)
        frac = (src - i0).reshape([-1 if k == axis else 1 for k in range(a.ndim)])
        a = np.take(a, i0, axis) * (1 - frac) + np.take(a, i1, axis) * frac
    return a


# ---- spectrum -----------------------------------------------------------------------------

@pytest.mark.parametrize("h,w", SIZES)
def test_rfft2d_freqs_matches_reference(h, w):
    fw = min(w // 2 + 1 + (w % 2), w)  # odd widths keep one extra column (cropped later)
    fy = np_fftfreq(h)[:, None]
    fx = np_fftfreq(w)[:fw][None, :]
    got = param.rfft2d_freqs(h, w)
    assert got.shape == (h, fw)
    np.testing.assert_allclose(got, np.hypot(fx, fy), atol=1e-12)


@pytest.mark.parametrize("h,w", SIZES)
@pytest.mark.parametrize("decay_power", [1, 1.5])
def test_fft_image_matches_numpy_irfft2(h, w, decay_power):
    with VariableStore(seed=1) as store:
        img = param.fft_image([2, h, w, 3], sd=0.5, decay_power=decay_power).numpy()
    (var,) = store.variables
    v = var.numpy().astype(np.float64)
    freqs = np.hypot(np_fftfreq(w)[: w // 2 + 1 + w % 2][None, :], np_fftfreq(h)[:, None])
    scale = np.sqrt(h * w) / np.maximum(freqs, 1.0 / max(h, w)) ** decay_power
    n_w = max(2 * (freqs.shape[1] - 1), w)  # numpy's default length, except 1 for w == 1
    spatial = np.fft.irfft2((v[0] + 1j * v[1]) * scale, s=(h, n_w))  # [batch, ch, h, n_w]
    ref = np.transpose(spatial, (0, 2, 3, 1))[:, :h, :w, :] / 4.0
    assert img.shape == (2, h, w, 3) and img.dtype == np.float32
    np.testing.assert_allclose(img, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_rand_fft_image_scaling_matches_fft_image_statistics():
    out = param.rand_fft_image([3, 9, 7, 2], sd=0.2, seed=4).numpy()
    assert out.shape == (3, 9, 7, 2) and np.isfinite(out).all()
    assert not np.allclose(out[0], out[1])  # each batch element gets its own noise
    sample = param.image_sample([2, 8, 8, 3], sd=0.5).numpy()
    assert sample.min() >= 0 and sample.max() <= 1


# ---- colour -----------------------------------------------------------------------------

def _decorrelation_matrix():
    c = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
    return c / np.linalg.norm(c, axis=0).max()


@pytest.mark.parametrize("decorrelate", [True, False])
@pytest.mark.parametrize("sigmoid", [True, False])
def test_to_valid_rgb_matches_reference(decorrelate, sigmoid):
    x = np.random.default_rng(0).normal(0, 2, (2, 5, 3, 3)).astype(np.float32)
    y = x @ _decorrelation_matrix().T if decorrelate else x.astype(np.float64)
    if sigmoid:
        ref = np_sigmoid(y)
    else:
        if decorrelate:
            y = y + np.array([0.48, 0.46, 0.41])
        ref = np.clip(2 * y - 1, -1, 1) / 2 + 0.5
    got = param.to_valid_rgb(x, decorrelate=decorrelate, sigmoid=sigmoid).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-5)
    assert got.min() >= 0 and got.max() <= 1


def test_to_valid_rgb_clip_gradient_is_lucids_constrained_one():
    x = tf.constant([[-3.0, 0.2, 3.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = param.to_valid_rgb(x, decorrelate=False, sigmoid=False)
        up, down = tf.reduce_sum(y), -tf.reduce_sum(y)
    # pushing an edge value further out is blocked; inward and interior pass unchanged
    np.testing.assert_allclose(tape.gradient(up, x).numpy(), [[1.0, 1.0, 0.0]])
    np.testing.assert_allclose(tape.gradient(down, x).numpy(), [[0.0, -1.0, -1.0]])


# ---- lowres -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape,under", [
    ([1, 8, 7, 2], [1, 3, 3, 2]),
    ([3, 5, 7, 2], [2, 3, 4, 1]),
    ([1, 9, 9, 3], [1, 9, 4, 3]),
])
def test_lowres_tensor_matches_bilinear_reference(shape, under):
    with VariableStore(seed=2) as store:
        got = param.lowres_tensor(shape, under, sd=1.0).numpy()
    ref = np_resize_v1(store.variables[0].numpy().astype(np.float64), shape)
    assert got.shape == tuple(shape)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_lowres_tensor_offset_pads_symmetrically_then_crops():
    shape, under, offset = [1, 8, 8, 1], [1, 2, 2, 1], [0, 2, 3, 0]
    with VariableStore(seed=3) as store:
        got = param.lowres_tensor(shape, under, offset=offset, sd=1.0).numpy()
    base = np_resize_v1(store.variables[0].numpy().astype(np.float64), shape)
    ref = np.pad(base, [(o, 0) for o in offset], "symmetric")[:1, :8, :8, :1]
    np.testing.assert_allclose(got, ref, atol=1e-5)
    assert param.lowres_tensor(shape, under, offset=True).shape == tuple(shape)


# ---- image --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,shape", [
    (dict(w=16), (1, 16, 16, 3)),
    (dict(w=15, h=9, batch=3), (3, 9, 15, 3)),
    (dict(w=8, alpha=True), (1, 8, 8, 4)),
    (dict(w=8, channels=10), (1, 8, 8, 10)),
    (dict(w=8, fft=False, decorrelate=False, sd=0.3), (1, 8, 8, 3)),
    (dict(w=7, batch=2, sd=2.0), (2, 7, 7, 3)),
])
def test_image_shapes_and_range(kwargs, shape):
    img = param.image(**kwargs).numpy()
    assert img.shape == shape and img.dtype == np.float32
    assert img.min() >= 0 and img.max() <= 1


def test_other_parameterisations_shapes_and_range():
    g = param.grayscale_image_rgb(12, batch=2).numpy()
    assert g.shape == (2, 12, 12, 3)
    np.testing.assert_array_equal(g[..., 0], g[..., 2])
    assert param.laplacian_pyramid_image([2, 16, 12, 3]).shape == (2, 16, 12, 3)
    assert param.pixel_image([1, 4, 5, 3]).shape == (1, 4, 5, 3)
    init = np.full((1, 2, 2, 3), 0.25, np.float32)
    np.testing.assert_array_equal(param.pixel_image([1, 2, 2, 3], init_val=init), init)
    with VariableStore(seed=0) as store:
        c = param.cppn(16, batch=2, num_layers=3).numpy()
    assert c.shape == (2, 16, 16, 3) and (c >= 0).all() and (c <= 1).all()
    assert len(store.variables) == 2 * 4
    np.testing.assert_array_equal(c[0], c[1])
    assert param.cppn.cppn(8, normalize=True, num_layers=2).shape == (1, 8, 8, 3)


def test_bilinearly_sampled_image_hits_texel_centres():
    tex = np.random.default_rng(0).random((4, 5, 3)).astype(np.float32)
    i, j = np.meshgrid(np.arange(4), np.arange(5), indexing="ij")
    uv = np.stack([(j + 0.5) / 5, 1 - (i + 0.5) / 4], -1).astype(np.float32)
    np.testing.assert_allclose(param.bilinearly_sampled_image(tex, uv).numpy(), tex, atol=1e-6)
    # GL_REPEAT: u shifted by a whole period samples the same texel
    np.testing.assert_allclose(param.bilinearly_sampled_image(tex, uv + [1.0, 0.0]).numpy(),
                               tex, atol=1e-5)


# ---- the variable contract ----------------------------------------------------------------

def _sgd_step_fn(store, param_f, objective):
    @tf.function
    def step():
        with store:
            with tf.GradientTape() as tape:
                img = param_f()
                loss = objective(img)
            grads = tape.gradient(loss, store.variables)
        for v, g in zip(store.variables, grads):
            v.assign_sub(0.5 * g)
        return img, loss
    return step


def test_store_reuses_variables_inside_tf_function():
    store = VariableStore(seed=0)
    param_f = lambda: param.image(16, batch=2)  # noqa: E731
    with store:
        first = param_f().numpy()
    n = len(store.variables)
    assert n == 1
    step = _sgd_step_fn(store, param_f, lambda img: -tf.reduce_mean(img[..., 0]))
    img0, loss0 = step()
    _, loss1 = step()
    img2, loss2 = step()
    assert len(store.variables) == n
    assert step.experimental_get_tracing_count() == 1
    np.testing.assert_allclose(img0.numpy(), first, atol=1e-6)
    assert not np.allclose(img2.numpy(), first)
    assert float(loss2) < float(loss1) < float(loss0)


def test_any_number_channels_composition_under_store():
    """Lucid's any_number_channels notebook: a 10-channel image mapped to RGB inside param_f."""
    mix = tf.constant(np.random.default_rng(0).normal(size=(10, 3)), tf.float32)

    def param_f():
        full = param.image(32, channels=10)
        r = tf.reduce_mean(full[..., :3] ** 2, axis=-1)
        g = tf.reduce_mean(full[..., 3:6] ** 2, axis=-1)
        b = tf.reduce_mean(full[..., 6:] ** 2, axis=-1)
        stacked = tf.stack([r, g, b], axis=-1)
        return 0.5 * stacked + 0.5 * tf.nn.sigmoid(tf.einsum("bhwc,cd->bhwd", full, mix))

    store = VariableStore(seed=1)
    with store:
        first = param_f().numpy()
    assert first.shape == (1, 32, 32, 3)
    step = _sgd_step_fn(store, param_f, lambda img: -tf.reduce_mean(img[..., 1]))
    step()
    img, _ = step()
    assert len(store.variables) == 1 and store.variables[0].shape[2] == 10
    assert img.shape == (1, 32, 32, 3) and not np.allclose(img.numpy(), first)


def _image_under_seed(seed):
    with VariableStore(seed=seed) as store:
        img = param.image(9, batch=2).numpy()
        c = param.cppn(6, num_layers=2).numpy()
        low = param.lowres_tensor([1, 6, 6, 3], [1, 2, 2, 3]).numpy()
    return img, c, low, [v.numpy() for v in store.variables]


SEEDED_SNIPPET = textwrap.dedent("""
    import hashlib, numpy as np
    from lucid_vgg.optvis import param
    from lucid_vgg.optvis.param.variables import VariableStore
    with VariableStore(seed=7) as store:
        img = param.image(9, batch=2).numpy()
        c = param.cppn(6, num_layers=2).numpy()
        low = param.lowres_tensor([1, 6, 6, 3], [1, 2, 2, 3]).numpy()
    print(hashlib.sha256(b"".join(a.tobytes() for a in (img, c, low))).hexdigest())
""")


def test_seeded_store_is_bit_identical_in_process_and_in_fresh_process():
    a, b = _image_under_seed(7), _image_under_seed(7)
    for x, y in zip(a[:3], b[:3]):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a[3], b[3]):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(_image_under_seed(8)[0], a[0])
    import hashlib
    here = hashlib.sha256(b"".join(x.tobytes() for x in a[:3])).hexdigest()
    out = subprocess.run([sys.executable, "-c", SEEDED_SNIPPET], capture_output=True, text=True,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == here


def test_make_variable_contract():
    v = make_variable(np.ones(3, np.float32))
    assert isinstance(v, tf.Variable)
    store = VariableStore(seed=0)
    with store:
        a = make_variable(np.zeros((2, 2), np.float32))
        assert rng() is store.rng
    with store:
        assert make_variable(np.ones((2, 2), np.float32)) is a  # reuse ignores the new value
    with store, pytest.raises(ValueError, match="shape"):
        make_variable(np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="constraint"):
        make_variable(np.zeros(2), constraint=3)


# ---- unit balls ---------------------------------------------------------------------------

def _grad(f, x, upstream):
    x = tf.constant(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return y.numpy(), tape.gradient(y, x, output_gradients=tf.constant(upstream, tf.float32)).numpy()


def test_constrain_L2_projects_and_clips_outward_gradient():
    y, g = _grad(unit_balls.constrain_L2, [0.3, 0.4], [1.0, 2.0])  # inside: untouched
    np.testing.assert_allclose(y, [0.3, 0.4], atol=1e-6)
    np.testing.assert_allclose(g, [1.0, 2.0], atol=1e-6)
    y, g = _grad(unit_balls.constrain_L2, [3.0, 4.0], [3.0, 1.0])  # outside, outward: tangent only
    np.testing.assert_allclose(y, [0.6, 0.8], atol=1e-6)
    unit = np.array([0.6, 0.8])
    np.testing.assert_allclose(g, [3.0, 1.0] - unit * (unit @ [3.0, 1.0]), atol=1e-5)
    _, g = _grad(unit_balls.constrain_L2, [3.0, 4.0], [-3.0, -1.0])  # inward: untouched
    np.testing.assert_allclose(g, [-3.0, -1.0], atol=1e-6)


def test_constrain_L_inf_gradients():
    x, up = [0.5, 1.0, -2.0, 1.5], [0.3, 0.2, 0.7, -0.4]
    y, g = _grad(unit_balls.constrain_L_inf, x, up)
    np.testing.assert_allclose(y, [0.5, 1.0, -1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(g, [0.3, 0.0, 0.7, -0.4], atol=1e-6)
    _, g = _grad(unit_balls.constrain_L_inf_precondition, x, up)
    np.testing.assert_allclose(g, [1.0, 0.0, 1.0, -1.0], atol=1e-6)


def test_unit_ball_params_record_projection_constraints():
    with VariableStore() as store:
        l2 = param.unit_ball_L2([4])
        linf = param.unit_ball_L_inf([2, 3], precondition=False)
    assert l2.shape == (4,) and linf.shape == (2, 3)
    assert [v for v, _ in store.constraints] == store.variables
    store.variables[0].assign([3.0, 4.0, 0.0, 0.0])
    store.variables[1].assign(np.full((2, 3), -5.0))
    store.project()
    np.testing.assert_allclose(store.variables[0].numpy(), [0.6, 0.8, 0, 0], atol=1e-6)
    np.testing.assert_allclose(store.variables[1].numpy(), -np.ones((2, 3)))


# ---- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("call,match", [
    (lambda: param.image(0), "w must be a positive integer"),
    (lambda: param.image(-4), "w must be a positive integer"),
    (lambda: param.image(8, h=-1), "h must be a positive integer or None"),
    (lambda: param.image(8, batch=0), "batch must be a positive integer or None"),
    (lambda: param.image(8, channels=0), "channels must be a positive integer or None"),
    (lambda: param.image(8, channels=2.5), "channels must be a positive integer or None"),
    (lambda: param.image(8, sd=-1.0), "sd must be a positive number or None"),
    (lambda: param.fft_image([1, 8, 8]), r"shape must have 4 entries"),
    (lambda: param.pixel_image([1, 0, 8, 3]), r"shape\[1\] must be a positive integer"),
    (lambda: param.lowres_tensor([1, 8, 8, 3], [1, 2, 2]), "underlying_shape"),
    (lambda: param.cppn(0), "width must be a positive integer"),
    (lambda: param.rfft2d_freqs(0, 3), "h must be a positive integer"),
])
def test_bad_arguments_raise_clear_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---- property checks ----------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from lucid_vgg.optvis.param.random import _rfft2d_freqs_tf  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40))
def test_dynamic_freqs_match_static_and_fft_image_shape(h, w):
    np.testing.assert_allclose(_rfft2d_freqs_tf(tf.constant(h), tf.constant(w)).numpy(),
                               param.rfft2d_freqs(h, w), atol=1e-6)
    assert param.rand_fft_image([1, h, w, 2]).shape == (1, h, w, 2)
