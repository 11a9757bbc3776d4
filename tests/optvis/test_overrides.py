"""lucid_vgg.optvis.overrides (Lucid's module paths): gradients against NumPy references, each in a
tf.function trace and in a tf.compat.v1 graph session; the old lucid.misc paths."""
import subprocess
import sys
import textwrap
import ast
import importlib

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import overrides
from lucid_vgg.optvis.overrides import gradient_override, smoothed_maxpool_grad

MODES = ("tf_function", "v1_graph")


def loss_grad(mode, x, w, build, step=None):
    """d sum(w * build(x)) / dx, the graph built inside a tf.function or a tf.compat.v1 graph.

    In the v1 graph the global step (created by the redirected gradients when missing) is set to
    `step`; in the tf.function the eager global step is.
    """
    w = np.asarray(w, np.float32)
    if mode == "tf_function":
        @tf.function(autograph=False)
        def f(t):
            return tf.gradients(tf.reduce_sum(w * build(t)), [t])[0]
        return f(tf.constant(x)).numpy()
    with tf.Graph().as_default():
        t = tf.compat.v1.placeholder(tf.float32, x.shape)
        g = tf.gradients(tf.reduce_sum(w * build(t)), [t])[0]
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            gs = tf.compat.v1.train.get_global_step()
            if step is not None and gs is not None:
                gs.load(step, sess)
            return sess.run(g, {t: x})


@pytest.fixture
def eager_global_step():
    """The eager global step the redirected gradients read inside a tf.function; reset after."""
    gs = tf.compat.v1.train.get_or_create_global_step()
    gs.assign(0)
    yield gs
    gs.assign(0)


def np_redirected(x, w, low=0.0, high=np.inf):
    """NumPy reference of Lucid's redirected gradient of sum(w * relu(x)) (w: the incoming grad).

    Per batch entry, the plain gradient if it is not all zero, else w except where gradient
    descent on it would push an input below `low` lower (w > 0) or one above `high` higher (w < 0)."""
    alive = (x >= low) & (x <= high)
    plain = np.where(alive, w, 0.0)
    out = plain.copy()
    for b in range(x.shape[0]):
        if not np.any(plain[b]):
            blocked = ((x[b] < low) & (w[b] > 0)) | ((x[b] > high) & (w[b] < 0))
            out[b] = np.where(blocked, 0.0, w[b])
    return out, plain


X = np.array([[[1.5, -2.0], [0.5, -0.1]], [[-1.0, -0.5], [-3.0, -0.2]]], np.float32)  # [2, 2, 2]
W = np.array([[[1.0, -1.0], [2.0, 0.5]], [[-1.0, 1.0], [0.5, -2.0]]], np.float32)


@pytest.mark.parametrize("mode", MODES)
def test_relu_overrides_redirect_until_global_step_passes_16(mode, eager_global_step):
    expected, plain = np_redirected(X, W)
    assert not np.any(plain[1]) and np.any(expected[1])  # entry 1 is dead: redirection matters

    def build(t):
        with overrides.relu_overrides():
            return tf.nn.relu(t)
    np.testing.assert_array_equal(loss_grad(mode, X, W, build, step=16), expected)
    eager_global_step.assign(17)
    np.testing.assert_array_equal(loss_grad(mode, X, W, build, step=17), plain)


@pytest.mark.parametrize("mode", MODES)
def test_redirected_relu6_against_numpy(mode, eager_global_step):
    x = X * 5.0  # entry 0 has 7.5 > 6, entry 1 all negative
    expected, _ = np_redirected(x, W, 0.0, 6.0)

    def build(t):
        with overrides.gradient_override_map({"Relu6": overrides.redirected_relu6_grad}):
            return tf.nn.relu6(t)
    np.testing.assert_array_equal(loss_grad(mode, x, W, build, step=0), expected)


@pytest.mark.parametrize("mode", MODES)
def test_identity_grad_passes_the_gradient_through_relu(mode):
    def build(t):
        with overrides.gradient_override_map({"Relu": overrides.identity_grad}):
            return tf.nn.relu(t)
    np.testing.assert_array_equal(loss_grad(mode, X, W, build), W)


def _maxpool(t, ksize=2, strides=2, padding="VALID"):
    return tf.nn.max_pool2d(t, ksize, strides, padding)


POOL_X = np.random.default_rng(0).normal(size=(2, 4, 6, 3)).astype(np.float32)
POOL_W = np.random.default_rng(1).normal(size=(2, 2, 3, 3)).astype(np.float32)


def _windows(a):
    """[b, 4, 6, c] -> [b, 2, 3, c, 4]: the non-overlapping 2x2 windows."""
    b, h, w, c = a.shape
    return a.reshape(b, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(b, h // 2, w // 2, c, 4)


def _unwindows(a):
    b, h, w, c, _ = a.shape
    return a.reshape(b, h, w, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(b, 2 * h, 2 * w, c)


@pytest.mark.parametrize("mode", MODES)
def test_pooling_overrides_spread_the_gradient_like_an_average_pool(mode):
    def build(t):
        with overrides.pooling_overrides():
            return _maxpool(t)
    expected = _unwindows(np.repeat(POOL_W[..., None], 4, -1) / 4.0)
    np.testing.assert_allclose(loss_grad(mode, POOL_X, POOL_W, build), expected, rtol=1e-6)


def test_pooling_overrides_seen_by_a_gradient_tape_over_a_tf_function():
    """The override also holds when TensorFlow builds the function's backward pass itself."""
    @tf.function(autograph=False)
    def f(t):
        with overrides.pooling_overrides():
            return _maxpool(t)
    x = tf.Variable(POOL_X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(POOL_W * f(x))
    expected = _unwindows(np.repeat(POOL_W[..., None], 4, -1) / 4.0)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_l2_smoothed_maxpool_grad_against_numpy(mode):
    eps = 1e-2
    xw = _windows(POOL_X).astype(np.float64)
    m2, m1 = (xw ** 2).mean(-1, keepdims=True), np.abs(xw).mean(-1, keepdims=True)
    # d/dx_i of mean(x^2) / (eps + mean|x|), times the incoming gradient
    dsmooth = (2 * xw / 4) / (eps + m1) - m2 * (np.sign(xw) / 4) / (eps + m1) ** 2
    expected = _unwindows(dsmooth * POOL_W[..., None])

    def build(t):
        with overrides.gradient_override_map({"MaxPool": overrides.l2_smoothed_maxpool_grad}):
            return _maxpool(t)
    np.testing.assert_allclose(loss_grad(mode, POOL_X, POOL_W, build), expected, rtol=1e-4, atol=1e-5)


def test_avg_smoothed_maxpool_grad_same_padding_matches_avg_pool_gradient():
    x = POOL_X[:, :, :5]  # odd width, overlapping 3x3 windows with stride 2, SAME padding

    def grad_of(pool):
        @tf.function(autograph=False)
        def f(t):
            return tf.gradients(tf.reduce_sum(pool(t) ** 2), [t])[0]
        return f(tf.constant(x)).numpy()

    def smoothed(t):
        with overrides.pooling_overrides():
            out = _maxpool(t, 3, 2, "SAME")
        # the incoming gradient is 2 * maxpool(x): use the same value for the reference
        return out
    reference_in = _maxpool(tf.constant(x), 3, 2, "SAME")

    @tf.function(autograph=False)
    def ref(t):
        avg = tf.nn.avg_pool2d(t, 3, 2, "SAME")
        return tf.gradients(avg, [t], grad_ys=2 * reference_in)[0]
    np.testing.assert_allclose(grad_of(smoothed), ref(tf.constant(x)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_linearization_overrides_give_the_linear_part(mode):
    def build(t):
        with overrides.linearization_overrides():
            return _maxpool(tf.nn.relu(t))
    expected = _unwindows(np.repeat(POOL_W[..., None], 4, -1) / 4.0)  # relu -> identity
    np.testing.assert_allclose(loss_grad(mode, POOL_X, POOL_W, build), expected, rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_default_overrides_map_both(mode, eager_global_step):
    assert set(overrides.default_overrides_map) == {"Relu", "Relu6", "MaxPool"}
    x = -np.abs(POOL_X)  # every ReLU dead: plain gradient zero everywhere

    def build(t):
        with overrides.default_overrides():
            return _maxpool(tf.nn.relu(t))
    g = loss_grad(mode, x, -np.ones_like(POOL_W), build, step=0)
    # a gradient of -1 pushes dead inputs up: redirected through every ReLU, averaged by the pool
    np.testing.assert_allclose(g, np.full(x.shape, -0.25, np.float32), rtol=1e-6)


@pytest.mark.parametrize("mode", ["eager", "tf_function", "v1_graph"])
def test_use_gradient_replaces_a_python_functions_gradient(mode):
    def triple_grad(op, grad):
        return 3.0 * grad * op.inputs[0]

    @overrides.use_gradient(triple_grad)
    def square(x):
        return x ** 2
    x = X.reshape(2, 4)
    w = W.reshape(2, 4)
    if mode == "eager":
        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = square(t)
            loss = tf.reduce_sum(w * y)
        np.testing.assert_allclose(y.numpy(), x ** 2)
        got = tape.gradient(loss, t).numpy()
    else:
        got = loss_grad(mode, x, w, square)
    np.testing.assert_allclose(got, 3.0 * x * w, rtol=1e-6)


def test_gradient_override_map_accepts_registered_names_and_new_functions():
    name = gradient_override.register_to_random_name(overrides.identity_grad)
    assert name.startswith("identity_grad_")
    assert gradient_override.register_to_random_name(overrides.identity_grad) != name

    def build(t):
        with overrides.gradient_override_map({"Relu": name}):
            return tf.nn.relu(t)
    np.testing.assert_array_equal(loss_grad("tf_function", X, W, build), W)


def test_overrides_work_on_an_imported_model_graph(tiny_model):
    """Lucid's use: import the model under an override map. Linearised (ReLU -> identity), the
    gradient of a conv1_1 channel's mean is the same for any image; the plain one is not."""
    images = np.random.default_rng(2).uniform(-100, 100, (2, 1, 16, 16, 3)).astype(np.float32)

    def grad(override, x):
        @tf.function(autograph=False)
        def f(t):
            if override:
                with overrides.linearization_overrides():
                    T = tiny_model.import_graph(t)
            else:
                T = tiny_model.import_graph(t)
            return tf.gradients(tf.reduce_mean(T("conv1_1/conv1_1")[..., 3]), [t])[0]
        return f(tf.constant(x)).numpy()
    linear = [grad(True, x) for x in images]
    plain = [grad(False, x) for x in images]
    assert np.abs(linear[0]).sum() > 0
    np.testing.assert_allclose(linear[0], linear[1], rtol=1e-5, atol=1e-7)
    assert not np.allclose(plain[0], plain[1], rtol=1e-3)


def test_old_misc_paths_are_the_same_objects():
    from lucid_vgg.misc import gradient_override as misc_go
    from lucid_vgg.misc import redirected_relu_grad as misc_rr
    assert misc_go.gradient_override_map is overrides.gradient_override_map
    assert misc_go.use_gradient is overrides.use_gradient
    assert misc_go.register_to_random_name is gradient_override.register_to_random_name
    relu_module = importlib.import_module("lucid_vgg.optvis.overrides.redirected_relu_grad")
    assert misc_rr.redirected_relu_grad is relu_module.redirected_relu_grad is overrides.redirected_relu_grad
    assert misc_rr.redirected_relu6_grad is overrides.redirected_relu6_grad
    assert smoothed_maxpool_grad.avg_smoothed_maxpool_grad is overrides.avg_smoothed_maxpool_grad


def test_unknown_op_type_names_it_and_lists_the_graphs_op_types():
    with tf.Graph().as_default():
        tf.nn.relu(tf.zeros([2]))
        with pytest.raises(ValueError, match=r"no op type 'Reluu'.*'Relu'.*current graph: .*Relu"):
            with overrides.gradient_override_map({"Reluu": overrides.identity_grad}):
                pass


def test_override_map_used_eagerly_says_where_it_works():
    with pytest.raises(RuntimeError, match="inside a tf.function"):
        with overrides.relu_overrides():
            pass


LUCID_SESSION_SNIPPET = textwrap.dedent("""
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    from lucid_vgg.misc.gradient_override import gradient_override_map
    from lucid_vgg.misc.redirected_relu_grad import redirected_relu_grad
    x = np.array([[-1.0, -2.0], [1.0, -1.0]], np.float32)
    with tf.Graph().as_default(), tf.Session() as sess:
        t = tf.placeholder(tf.float32, [2, 2])
        with gradient_override_map({"Relu": redirected_relu_grad}):
            y = tf.nn.relu(t)
        g = tf.gradients(-tf.reduce_sum(y), [t])[0]
        step = tf.train.get_or_create_global_step()
        tf.global_variables_initializer().run()
        before = g.eval({t: x})
        sess.run(tf.assign(step, 17))
        after = g.eval({t: x})
        # the rest of Lucid's overrides in the same session: smoothed max-pool, use_gradient
        from lucid_vgg.optvis import overrides
        p = tf.placeholder(tf.float32, [1, 2, 2, 1])
        with overrides.pooling_overrides():
            pooled = tf.nn.max_pool2d(p, 2, 2, "VALID")
        tripled = overrides.use_gradient(lambda op, grad: 3 * grad)(tf.identity)(p)
        both = tf.gradients(tf.reduce_sum(pooled) + tf.reduce_sum(tripled), [p])[0]
        pool_grad = sess.run(both, {p: np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)}).ravel()
    print(repr([before.tolist(), after.tolist(), pool_grad.tolist()]))
""")


def test_lucid_session_code_under_disable_v2_behavior():
    out = subprocess.run([sys.executable, "-c", LUCID_SESSION_SNIPPET], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    # entry 0 dead: redirected (-1 pushes up) until the global step passes 16; entry 1 alive;
    # pooling: 1/4 to each input (average pool), plus use_gradient's 3
    before, after, pool = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(before, [[-1, -1], [-1, 0]])
    np.testing.assert_array_equal(after, [[0, 0], [-1, 0]])
    np.testing.assert_array_equal(pool, [3.25] * 4)
