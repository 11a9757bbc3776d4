"""render_vis / make_vis_T on tiny_model; redirected ReLU; reproducibility; bad inputs; the Lucid
tutorial's first cells (tiny model in the unit tier, real VGG16 in the slow tier)."""
import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import objectives, param, render, transform
from lucid_vgg.optvis.overrides import redirected_relu_override
from lucid_vgg.optvis.param.variables import make_variable, rng

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/: conftest.py
C21, C31 = "conv2_1/conv2_1", "conv3_1/conv3_1"


def small_param(batch=2, size=24):
    """A tiny parameterisation written against the VariableStore contract."""
    def param_f():
        v = make_variable(rng().normal(size=(batch, size, size, 3)).astype(np.float32) * 0.1)
        return tf.sigmoid(v)
    return param_f


def channel_value(model, images, layer, n):
    return float(model.get_activations(images, layer)[..., n].mean())


# -- render_vis --------------------------------------------------------------------------------
def test_render_vis_returns_one_image_batch_per_threshold(tiny_model):
    imgs = render.render_vis(tiny_model, f"{C31}:4", lambda: param.image(32, batch=3),
                             thresholds=(0, 5, 12), verbose=False)
    assert isinstance(imgs, list) and len(imgs) == 3
    for im in imgs:
        assert im.shape == (3, 32, 32, 3) and im.dtype == np.float32
        assert im.min() >= 0.0 and im.max() <= 1.0
    assert not np.array_equal(imgs[0], imgs[-1])


def test_objective_rises(tiny_model):
    imgs = render.render_vis(tiny_model, objectives.channel(C31, 4), lambda: param.image(32),
                             thresholds=(0, 60), verbose=False, use_fixed_seed=True)
    start, end = (channel_value(tiny_model, im, C31, 4) for im in imgs)
    assert end > start + 0.05 and end > 3 * abs(start), (start, end)


def test_step_reports_objective_and_rises_without_transforms(tiny_model):
    vis = render.make_vis_T(tiny_model, objectives.channel(C21, 3), small_param(), transforms=[])
    first = vis("vis_op")()
    for _ in range(30):
        last = vis.step()
    assert last > first
    assert vis("loss") == last and vis("global_step") == 31
    assert vis("input").shape == (2, 24, 24, 3)
    acts = vis(C21)
    assert acts.shape[0] == 2 and acts.shape[-1] == 16


def test_one_trace_per_render(tiny_model, monkeypatch):
    made = []
    real = render.make_vis_T

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]
    monkeypatch.setattr(render, "make_vis_T", spy)
    render.render_vis(tiny_model, f"{C21}:1", small_param(), transforms=transform.standard_transforms,
                      thresholds=(4, 19), verbose=False)
    assert made[0].trace_count == 1 and made[0]("global_step") == 20


def test_verbose_prints_steps_and_print_objectives(tiny_model, capsys):
    render.render_vis(tiny_model, f"{C21}:1", small_param(), transforms=[], thresholds=(0, 3),
                      print_objectives=[objectives.deepdream(C21)], verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("0 ") and out[2].startswith("3 ")
    assert out[1].startswith("01: Deepdream [conv2_1/conv2_1]: ")


def test_progress_bar_and_callback(tiny_model):
    import io
    stream, seen = io.StringIO(), []
    vis = render.make_vis_T(tiny_model, f"{C21}:1", small_param(), transforms=[])
    render.run_vis(vis, (5,), verbose=False, progress=stream, callback=lambda i, loss, v: seen.append(i))
    assert seen == list(range(6))
    assert "6/6" in stream.getvalue() and "ms/step" in stream.getvalue()


def test_keyboard_interrupt_returns_images_reached(tiny_model, monkeypatch):
    real_step = render.Visualization.step
    calls = []

    def step(self):
        calls.append(1)
        if len(calls) == 9:
            raise KeyboardInterrupt
        return real_step(self)
    monkeypatch.setattr(render.Visualization, "step", step)
    imgs = render.render_vis(tiny_model, f"{C21}:1", small_param(), transforms=[],
                             thresholds=(2, 5, 100), verbose=False)
    assert len(imgs) == 2 and imgs[1].shape == (2, 24, 24, 3)


def test_constraints_applied_after_each_step(tiny_model):
    def param_f():
        v = make_variable(np.full((1, 16, 16, 3), 0.5, np.float32),
                          constraint=lambda t: tf.clip_by_value(t, 0.4, 0.6))
        return tf.identity(v)
    vis = render.make_vis_T(tiny_model, f"{C21}:1", param_f, transforms=[])
    for _ in range(10):
        vis.step()
    img = vis.image()
    assert img.min() >= 0.4 - 1e-7 and img.max() <= 0.6 + 1e-7


def test_custom_optimizer_instance_and_factory(tiny_model):
    opt = tf.keras.optimizers.SGD(1.0)
    vis = render.make_vis_T(tiny_model, f"{C21}:1", small_param(), optimizer=opt, transforms=[])
    vis.step()
    assert vis.optimizer is opt
    vis = render.make_vis_T(tiny_model, f"{C21}:1", small_param(),
                            optimizer=lambda: tf.keras.optimizers.Adam(0.1), transforms=[])
    vis.step()
    assert isinstance(vis.optimizer, tf.keras.optimizers.Adam)


# -- reproducibility ---------------------------------------------------------------------------
_SEED_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    sys.path.insert(0, {here!r})
    from conftest import TinyVGG
    from lucid_vgg.optvis import render, param
    imgs = render.render_vis(TinyVGG(), "conv3_1/conv3_1:4", lambda: param.image(40, batch=2),
                             thresholds=(25,), verbose=False, use_fixed_seed={seed})
    print(hashlib.sha256(imgs[0].tobytes()).hexdigest())
""")


def _run_render_subprocess(seed):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run([sys.executable, "-c", _SEED_SCRIPT.format(here=HERE, seed=seed)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_use_fixed_seed_is_bit_identical_across_processes():
    a, b = _run_render_subprocess(True), _run_render_subprocess(True)
    assert a == b


def test_without_fixed_seed_renders_differ(tiny_model):
    run = lambda: render.render_vis(tiny_model, f"{C21}:1", lambda: param.image(24),  # noqa: E731
                                    thresholds=(2,), verbose=False)[0]
    assert hashlib.sha256(run().tobytes()).digest() != hashlib.sha256(run().tobytes()).digest()


# -- redirected ReLU -------------------------------------------------------------------------
def _relu_graph(op="Relu"):
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="input")
        pre = tf.identity(x - 1.0, name="pre")
        (tf.nn.relu6 if op == "Relu6" else tf.nn.relu)(pre, name="act")
    return g.as_graph_def()


def _grads(graph_def, x, step_value, override=True):
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function(autograph=False)
    def f(x):
        if override:
            with redirected_relu_override(step):
                (act,) = tf.graph_util.import_graph_def(graph_def, {"input": x}, ["act:0"], name="m")
        else:
            (act,) = tf.graph_util.import_graph_def(graph_def, {"input": x}, ["act:0"], name="m")
        loss = -tf.reduce_sum(act * tf.constant([1.0, 1.0, -1.0, 0.0]))   # minimised, like render
        return tf.gradients(loss, x)[0]
    out = []
    for s in step_value:
        step.assign(s)
        out.append(f(tf.constant(x)).numpy())
    assert f.experimental_get_tracing_count() == 1
    return out


def test_redirected_relu_gradient_switches_off_after_16_steps():
    gd = _relu_graph()
    # entry 0: every unit dead (inputs < 1) -> plain gradient is all zero;
    # entry 1: unit 0 alive -> plain gradient used for the whole entry
    x = np.array([[0.0, -3.0, 0.5, 0.2], [2.0, 0.0, 0.0, 0.0]], np.float32)
    plain = _grads(gd, x, [0], override=False)[0]
    np.testing.assert_array_equal(plain, [[0, 0, 0, 0], [-1, 0, 0, 0]])
    g0, g16, g17, g100 = _grads(gd, x, [0, 16, 17, 100])
    # redirected: pass gradient that pushes dead inputs up (negative loss gradient), block the rest
    np.testing.assert_array_equal(g0, [[-1, -1, 0, 0], [-1, 0, 0, 0]])
    np.testing.assert_array_equal(g16, g0)            # Lucid: plain only once global_step > 16
    np.testing.assert_array_equal(g17, plain)
    np.testing.assert_array_equal(g100, plain)


def test_redirected_relu6_gradient():
    gd = _relu_graph("Relu6")
    x = np.array([[0.0, 9.0, 9.0, 0.5]], np.float32)   # pre = [-1, 8, 8, -0.5]: all outside [0, 6]
    plain = _grads(gd, x, [0], override=False)[0]
    np.testing.assert_array_equal(plain, np.zeros((1, 4)))
    g0, g20 = _grads(gd, x, [0, 20])
    # unit0 (<0, pushed up) passes; unit1 (>6, pushed up) blocked; unit2 (>6, pushed down) passes
    np.testing.assert_array_equal(g0, [[-1, 0, 1, 0]])
    np.testing.assert_array_equal(g20, plain)


def _lucid_reference_grad(x, grad, op, step):
    """Lucid's redirected ReLU/ReLU6 gradient in NumPy, one batch entry at a time."""
    outside = (x < 0) | (x > 6) if op == "Relu6" else x < 0
    plain = np.where(outside, 0.0, grad)
    if step > 16:
        return np.where(x <= 0, 0.0, grad) if op == "Relu" else plain
    pushed_out = (x < 0) & (grad > 0)
    if op == "Relu6":
        pushed_out |= (x > 6) & (grad < 0)
    redirected = np.where(pushed_out, 0.0, grad)
    return np.stack([p if np.any(p != 0) else r for p, r in zip(plain, redirected)])


@pytest.mark.parametrize("op", ["Relu", "Relu6"])
def test_redirected_gradient_matches_numpy_reference_before_and_after_warm_up(op):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, (4, 5, 5, 3)).astype(np.float32)
    x[1] = -np.abs(x[1]) - 0.1                                 # entry 1: all dead
    if op == "Relu6":
        x[2] = np.abs(x[2]) + 6.5                              # entry 2: all saturated
    upstream = rng.normal(0, 1, x.shape).astype(np.float32)
    step = tf.Variable(0, dtype=tf.int64)
    fn = tf.nn.relu6 if op == "Relu6" else tf.nn.relu

    @tf.function(autograph=False)
    def grad_of(x):
        with redirected_relu_override(step):
            y = fn(x)
        return tf.gradients(y, x, grad_ys=tf.constant(upstream))[0]

    for s in (0, 16, 17, 300):
        step.assign(s)
        got = grad_of(tf.constant(x)).numpy()
        np.testing.assert_array_equal(got, _lucid_reference_grad(x, upstream, op, s), err_msg=f"step {s}")
    assert grad_of.experimental_get_tracing_count() == 1
    # the warm-up really redirects: the dead entry gets a gradient only before step 17
    step.assign(0)
    assert np.any(grad_of(tf.constant(x)).numpy()[1] != 0)
    step.assign(17)
    assert not np.any(grad_of(tf.constant(x)).numpy()[1] != 0)


def test_a_512_step_render_traces_its_step_once(tiny_model):
    vis = render.make_vis_T(tiny_model, f"{C21}:1", small_param(), relu_gradient_override=True)
    render.run_vis(vis, thresholds=(511,), verbose=False)
    assert int(vis.global_step.numpy()) == 512
    assert vis._step.experimental_get_tracing_count() == 1 and vis.trace_count == 1


def test_relu_gradient_override_in_render_reaches_dead_unit(tiny_model):
    """A unit dead for the start image only moves with the override (the reason Lucid has it)."""
    def param_f():
        return tf.identity(make_variable(np.zeros((1, 16, 16, 3), np.float32)))
    acts = tiny_model.get_activations(np.zeros((1, 16, 16, 3), np.float32), C31)
    dead = [c for c in range(32) if acts[..., c].max() == 0]
    assert dead, "fixture has no dead conv3_1 unit for a black image"
    obj = objectives.channel(C31, dead[0])
    moved = {}
    for override in (False, True):
        vis = render.make_vis_T(tiny_model, obj, param_f, transforms=[], relu_gradient_override=override)
        vis.step()
        moved[override] = float(np.abs(vis.image()).max())
    assert moved[False] == 0.0 and moved[True] > 0.0


# -- bad inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize("thresholds", [(-1,), (5, 3), (4, 4), (1.5,), ("8",), (True,), 512, (), None])
def test_bad_thresholds(tiny_model, thresholds):
    with pytest.raises(ValueError, match="thresholds"):
        render.render_vis(tiny_model, f"{C21}:1", small_param(), thresholds=thresholds, verbose=False)


@pytest.mark.parametrize("param_f, exc, match", [
    (lambda: np.zeros((1, 8, 8, 3), np.float32), TypeError, "returned ndarray"),
    (lambda: tf.zeros((8, 8, 3)), ValueError, r"returned shape \(8, 8, 3\)"),
    (lambda: tf.zeros((1, 8, 8, 5)), ValueError, r"returned shape \(1, 8, 8, 5\)"),
    (lambda: tf.zeros((1, 8, 8, 3), tf.int32), TypeError, "dtype int32"),
    (lambda: tf.zeros((1, 8, 8, 3)), ValueError, "no trainable variables"),
    (tf.zeros((1, 8, 8, 3)), TypeError, "not a tensor"),
    ("image", TypeError, "Incompatible type for param_f: str"),
])
def test_bad_param_f(tiny_model, param_f, exc, match):
    with pytest.raises(exc, match=match):
        render.render_vis(tiny_model, f"{C21}:1", param_f, thresholds=(1,), verbose=False)


@pytest.mark.parametrize("objective_f", [3, None, ["conv2_1/conv2_1:1"]])
def test_bad_objective_type(tiny_model, objective_f):
    with pytest.raises(TypeError, match="objective must be"):
        render.render_vis(tiny_model, objective_f, small_param(), thresholds=(1,), verbose=False)


def test_bad_optimizer_and_transforms(tiny_model):
    with pytest.raises(TypeError, match="optimizer"):
        render.render_vis(tiny_model, f"{C21}:1", small_param(), optimizer="adam", thresholds=(1,), verbose=False)
    with pytest.raises(TypeError, match="transforms"):
        render.render_vis(tiny_model, f"{C21}:1", small_param(), transforms="jitter", thresholds=(1,), verbose=False)


def test_channel_out_of_range_and_unknown_layer_surface_from_render(tiny_model):
    with pytest.raises(ValueError, match="depth 16: valid channels are 0..15"):
        render.render_vis(tiny_model, f"{C21}:16", small_param(), thresholds=(1,), verbose=False)
    with pytest.raises(KeyError, match="Did you mean"):
        render.render_vis(tiny_model, "conv2_1/conv2_l:1", small_param(), thresholds=(1,), verbose=False)


# -- the Lucid tutorial's first cells (imports changed; tiny model, same call shapes) ---------
def _tutorial_cells(model, size, steps):
    _ = render.render_vis(model, "conv3_1/conv3_1:12" if size < 100 else "conv4_1/conv4_1:12",
                          thresholds=(steps,), verbose=False)
    layer = "conv3_1/conv3_1" if size < 100 else "conv4_1/conv4_1"
    channel = lambda n: objectives.channel(layer, n)  # noqa: E731
    obj = channel(12) + channel(5)
    _ = render.render_vis(model, obj, thresholds=(steps,), verbose=False)
    _ = render.render_vis(model, f"{layer}:12", transforms=[], thresholds=(steps,), verbose=False)
    transforms = [
        transform.pad(16),
        transform.jitter(8),
        transform.random_scale([n / 100. for n in range(80, 120)]),
        transform.random_rotate(list(range(-10, 10)) + list(range(-5, 5)) + 10 * list(range(-2, 2))),
        transform.jitter(2),
    ]
    _ = render.render_vis(model, f"{layer}:12", transforms=transforms, thresholds=(steps,), verbose=False)
    param_f = lambda: param.image(size, fft=False, decorrelate=False)  # noqa: E731
    _ = render.render_vis(model, f"{layer}:2", param_f, thresholds=(steps,), verbose=False)
    param_f = lambda: param.image(size, fft=True, decorrelate=True)  # noqa: E731
    imgs = render.render_vis(model, f"{layer}:2", param_f, thresholds=(steps,), verbose=False)
    return imgs


def test_lucid_tutorial_cells_tiny(tiny_model):
    imgs = _tutorial_cells(tiny_model, 48, 4)
    assert len(imgs) == 1 and imgs[0].shape == (1, 48, 48, 3)


@pytest.mark.slow
@pytest.mark.weights
def test_lucid_tutorial_cells_vgg16():
    import modelzoo.vision_models as models
    model = models.VGG16_caffe()
    imgs = _tutorial_cells(model, 128, 8)
    assert imgs[0].shape == (1, 128, 128, 3)
    # and the objective really rises on the real network
    vis = render.make_vis_T(model, "conv4_1/conv4_1:12", lambda: param.image(64), relu_gradient_override=True)
    first = vis.step()
    for _ in range(31):
        last = vis.step()
    assert last > first + 1.0 and vis.trace_count == 1


def test_fixed_seed_repeats_in_process_and_does_not_leak(tiny_model):
    from tensorflow.python.eager import context
    tf.random.set_seed(None)
    state = np.random.get_state()[1].copy()
    run = lambda: render.render_vis(tiny_model, f"{C21}:1", lambda: param.image(24),  # noqa: E731
                                    thresholds=(3,), verbose=False, use_fixed_seed=True)[0]
    np.testing.assert_array_equal(run(), run())
    assert context.global_seed() is None
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# -- one meaning of seed: render_vis, make_vis_T, the recipes; global state never changes ----
def _render_with(tiny_model, how, seed):
    """An image rendered by one of the three seeded entry points (standard transforms)."""
    if how == "render_vis":
        return render.render_vis(tiny_model, f"{C21}:1", lambda: param.image(24),
                                 thresholds=(2,), verbose=False, use_fixed_seed=seed)[0]
    if how == "make_vis_T":
        vis = render.make_vis_T(tiny_model, f"{C21}:1", lambda: param.image(24), seed=seed)
        for _ in range(3):
            vis.step()
        return vis.image()
    from lucid_vgg.recipes import _common
    return _common.render(tiny_model, f"{C21}:1", lambda: param.image(24), 2, seed=seed)


def _global_random_state():
    """TF's global seed, its stream of per-op seeds and NumPy's global RNG state."""
    from tensorflow.python.eager import context
    return (context.global_seed(), context.context()._rng.getstate(),  # pylint: disable=protected-access
            np.random.get_state()[1].tolist())


SEEDED = [("render_vis", True), ("render_vis", 7), ("make_vis_T", 7), ("recipe", 7)]


@pytest.fixture
def unseeded():
    """TF's global seed unset before and after the test (whatever a failing test left)."""
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


@pytest.mark.parametrize("how,seed", SEEDED)
def test_seeding_leaves_global_random_state_unchanged(tiny_model, unseeded, how, seed):
    tf.random.set_seed(1234)
    np.random.seed(99)
    tf.random.uniform([2])  # the caller is part-way through its own seeded stream
    before = _global_random_state()
    _render_with(tiny_model, how, seed)
    assert _global_random_state() == before
    after_render = tf.random.uniform([3]).numpy()
    tf.random.set_seed(1234)
    tf.random.uniform([2])
    np.testing.assert_array_equal(after_render, tf.random.uniform([3]).numpy())


@pytest.mark.parametrize("how", ["render_vis", "make_vis_T", "recipe"])
def test_same_int_seed_same_image_other_seed_other_image(tiny_model, unseeded, how):
    a, b = _render_with(tiny_model, how, 5), _render_with(tiny_model, how, 5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _render_with(tiny_model, how, 6))


def test_seed_must_be_bool_or_int(tiny_model):
    with pytest.raises(TypeError, match="seed"):
        render.render_vis(tiny_model, f"{C21}:1", small_param(), thresholds=(1,),
                          verbose=False, use_fixed_seed="0")


def test_make_vis_T_traces_immediately_so_errors_surface_there(tiny_model):
    with pytest.raises(ValueError, match="out of range"):
        render.make_vis_T(tiny_model, f"{C21}:99", small_param(), transforms=[])
    vis = render.make_vis_T(tiny_model, f"{C21}:1", small_param(), transforms=[])
    assert vis.trace_count == 1 and vis("global_step") == 0
    vis.step()
    assert vis.trace_count == 1
