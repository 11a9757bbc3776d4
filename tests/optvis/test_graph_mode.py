"""Graph mode (issue 22.5): Lucid's session code on the port, and the shared pieces in both modes.

Every param function, objective and transform is run eagerly (traced in a tf.function, as the
eager render runs it) and in a TF1 graph with a compat.v1 Session; graph results must equal
eager ones. `tf.compat.v1.disable_v2_behavior()` is process-global, so the TF1-behaviour run
(Dimension shapes, reference variables) happens in a subprocess: this file run as a script.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import objectives, param, render, transform
from lucid_vgg.optvis.graph_mode import GraphVisT
from lucid_vgg.optvis.param.variables import VariableStore, make_variable
from lucid_vgg.optvis.seeding import fixed_seed

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
C11, C12, C21 = "conv1_1/conv1_1", "conv1_2/conv1_2", "conv2_1/conv2_1"
v1 = tf.compat.v1

# -- the shared pieces: name -> build() returning a tensor (built under VariableStore(0)) --------
_R = np.random.default_rng(0)
ACTS = {"input": _R.uniform(0, 1, (2, 16, 16, 4)).astype(np.float32),
        "conv": _R.normal(size=(2, 6, 6, 8)).astype(np.float32),
        "fc": _R.normal(size=(2, 10)).astype(np.float32)}
LABELS = [f"class{i}" for i in range(10)]
IMG = _R.uniform(0, 1, (2, 20, 18, 3)).astype(np.float32)
RGBA = _R.uniform(0, 1, (2, 20, 18, 4)).astype(np.float32)

PARAMS = {
    "image": lambda: param.image(16, batch=2),
    "image_pixel": lambda: param.image(12, h=10, fft=False),
    "image_alpha": lambda: param.image(12, alpha=True),
    "image_channels": lambda: param.image(12, channels=2),
    "image_correlated_odd": lambda: param.image(13, decorrelate=False),
    "grayscale_image_rgb": lambda: param.grayscale_image_rgb(12),
    "pixel_image": lambda: param.pixel_image([1, 8, 8, 3], sd=0.1),
    "fft_image_odd": lambda: param.fft_image([2, 9, 11, 3], decay_power=1.5),
    "laplacian_pyramid_image": lambda: param.laplacian_pyramid_image([1, 16, 16, 3], n_levels=3),
    "lowres_tensor_offset": lambda: param.lowres_tensor([1, 16, 16, 3], [1, 4, 4, 3], offset=True),
    "cppn": lambda: param.cppn(12, num_layers=3),
    "cppn_normalize_relu": lambda: param.cppn(12, num_layers=2, normalize=True,
                                              activation_func=param.cppn._relu_normalized_activation),
    "unit_ball_L2": lambda: 3.0 + param.unit_ball_L2([5]),
    "unit_ball_L_inf": lambda: 2.0 + param.unit_ball_L_inf([5]),
    "to_valid_rgb_clip": lambda: param.to_valid_rgb(param.pixel_image([1, 6, 6, 3], sd=0.5),
                                                    decorrelate=True, sigmoid=False),
    "bilinearly_sampled_image": lambda: param.bilinearly_sampled_image(
        param.pixel_image([1, 5, 7, 3], sd=1.0)[0], IMG[0, :6, :6, :2]),
    "image_sample": lambda: param.image_sample([1, 8, 10, 3], seed=1),
    "rand_fft_image": lambda: param.rand_fft_image([2, 7, 9, 3], seed=2),
}



OBJECTIVES = {
    "neuron": objectives.neuron("conv", 3),
    "neuron_xy_batch": objectives.neuron("conv", 1, x=1, y=4, batch=1),
    "channel": objectives.channel("conv", 5),
    "channel_dense": objectives.channel("fc", 2),
    "direction": objectives.direction("conv", np.arange(8.0) - 3),
    "direction_cossim": objectives.direction("conv", np.arange(8.0) - 3, cossim_pow=2),
    "direction_neuron": objectives.direction_neuron("conv", np.ones(8), x=2, y=2, batch=0),
    "tensor_direction": objectives.tensor_direction("conv", ACTS["conv"][0, 1:4, 1:4]),
    "deepdream": objectives.deepdream("conv"),
    "total_variation": objectives.total_variation(),
    "L1": objectives.L1(constant=0.5),
    "L2_batch": objectives.L2("conv", batch=1),
    "blur_input_each_step": objectives.blur_input_each_step(),
    "blur_alpha_each_step": objectives.blur_alpha_each_step(),
    "channel_interpolate": objectives.channel_interpolate("conv", 1, "conv", 6),
    "penalize_boundary_complexity": objectives.penalize_boundary_complexity([2, 16, 16, 4], w=3),
    "alignment": objectives.alignment("conv"),
    "diversity": objectives.diversity("conv"),
    "input_diff": objectives.input_diff(np.full((2, 16, 16, 4), 0.3, np.float32)),
    "class_logit_name": objectives.class_logit("fc", "class7"),
    "as_objective_string": objectives.as_objective("conv:4"),
    "algebra": objectives.channel("conv", 2) - 0.5 * objectives.L1() / 4
    + objectives.Objective.sum([objectives.deepdream("conv"), -objectives.channel("fc", 1)]),
}


def _objective_piece(obj):
    """build(): the objective on a T whose layers are variables holding ACTS (so it has gradients)."""
    def build():
        acts = {k: tf.convert_to_tensor(make_variable(v, name=k)) for k, v in ACTS.items()}
        return obj(lambda name: LABELS if name == "labels" else acts[name])
    return build


def _transform_piece(f, x):
    """build(): the transform applied to a variable holding x."""
    return lambda: f(tf.convert_to_tensor(make_variable(x, name="image")))


OBJECTIVE_PIECES = {f"objective_{k}": _objective_piece(o) for k, o in OBJECTIVES.items()}

TRANSFORMS = {
    "jitter": (transform.jitter(3, seed=1), IMG),
    "pad_reflect": (transform.pad(4), IMG),
    "pad_uniform": (transform.pad(2, mode="constant", constant_value="uniform", seed=2), IMG),
    "random_scale": (transform.random_scale([0.8, 1.2], seed=3), IMG),
    "random_rotate": (transform.random_rotate([-20, 30], seed=4), IMG),
    "normalize_gradient": (transform.normalize_gradient([1.0, 2.0]), IMG),
    "collapse_alpha_random": (transform.collapse_alpha_random(seed=5), RGBA),
    "crop_or_pad_to": (transform.crop_or_pad_to(16, 24), IMG),
    "compose": (transform.compose([transform.pad(2, seed=6), transform.jitter(2, seed=7)]), IMG),
    "standard_transforms": (transform.compose(transform.standard_transforms), IMG),
}
TRANSFORM_PIECES = {f"transform_{k}": _transform_piece(f, x) for k, (f, x) in TRANSFORMS.items()}
IMAGES_IN_0_1 = {f"param_{k}" for k in PARAMS if k.startswith(("image", "grayscale", "cppn", "to_valid"))}
PIECES = {**{f"param_{k}": f for k, f in PARAMS.items()}, **OBJECTIVE_PIECES, **TRANSFORM_PIECES}


def _with_grads(out, store):
    """out, and d sum(out * weights) / d (the store's variables) by tf.gradients (weights fixed)."""
    weights = tf.cos(tf.cast(tf.range(tf.size(out)), tf.float32))
    target = tf.reduce_sum(tf.reshape(tf.cast(out, tf.float32), [-1]) * weights)
    grads = tf.gradients(target, list(store.variables)) if store.variables else []
    return [out] + [g for g in grads if g is not None]


def run_eager(build):
    """build() as the eager render runs it: variables made eagerly, the ops traced in a
    tf.function (with tf.gradients); NumPy outputs."""
    store = VariableStore(0)
    with store:
        build()  # the eager pass makes the variables

    @tf.function(autograph=False)
    def traced():
        with store:
            return _with_grads(build(), store)
    with fixed_seed(0):  # unseeded random ops get op seeds from the graph seed, as in a render
        return [t.numpy() for t in traced()]


def run_graph(build):
    """build() in a TF1 graph and compat.v1 Session (Lucid's way); NumPy outputs."""
    with tf.Graph().as_default(), v1.Session() as sess, fixed_seed(0):
        store = VariableStore(0)
        with store:
            outs = _with_grads(build(), store)
        sess.run(v1.global_variables_initializer())
        return sess.run(outs)


MODES = {"eager": run_eager, "graph": run_graph}


@pytest.fixture(params=sorted(MODES))
def run_in(request):
    """Run a piece in one mode: "eager" (traced tf.function) or "graph" (tf.Graph + Session)."""
    return MODES[request.param]


_EAGER_CACHE = {}


def eager_result(name):
    if name not in _EAGER_CACHE:
        _EAGER_CACHE[name] = run_eager(PIECES[name])
    return _EAGER_CACHE[name]


@pytest.mark.parametrize("name", sorted(PIECES))
def test_shared_piece_in_both_modes(name, run_in):
    """Each param, objective and transform builds and runs in the mode, its value and gradient
    finite and equal to the eager (traced) value within float tolerance."""
    got = run_in(PIECES[name])
    assert all(np.all(np.isfinite(g)) for g in got), name
    if name in IMAGES_IN_0_1:
        assert 0.0 <= got[0].min() and got[0].max() <= 1.0, (name, got[0].min(), got[0].max())
    if name not in ("param_image_sample", "param_rand_fft_image", "objective_as_objective_string"):
        assert len(got) > 1 and any(np.abs(g).max() > 0 for g in got[1:]), f"{name}: no gradient"
    want = eager_result(name)
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=name)


def test_objectives_match_numpy_in_graph_mode():
    """A few objectives against NumPy oracles, evaluated in a TF1 session."""
    got = {k: run_graph(OBJECTIVE_PIECES[f"objective_{k}"])[0]
           for k in ("channel", "neuron", "deepdream", "L1", "class_logit_name", "direction")}
    a = ACTS["conv"]
    np.testing.assert_allclose(got["channel"], a[..., 5].mean(), rtol=1e-5)
    np.testing.assert_allclose(got["neuron"], a[:, 3, 3, 3].mean(), rtol=1e-5)
    np.testing.assert_allclose(got["deepdream"], (a ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(got["L1"], np.abs(ACTS["input"] - 0.5).sum(), rtol=1e-5)
    np.testing.assert_allclose(got["class_logit_name"], ACTS["fc"][:, 7].sum(), rtol=1e-5)
    np.testing.assert_allclose(got["direction"], (a * (np.arange(8.0) - 3)).sum(-1).mean(), rtol=1e-5)


# -- Lucid's session cells, end to end ---------------------------------------------------------
TRANSFORMS_SMALL = [transform.pad(4), transform.jitter(2), transform.random_scale([0.9, 1.0, 1.1]),
                    transform.random_rotate([-5, 0, 5]), transform.jitter(2)]


def _param24():
    return param.image(24, batch=2)


def _obj():
    return objectives.channel(C21, 3) - 1e-3 * objectives.total_variation()


def _eager_steps(model, n=3, **kw):
    vis = render.make_vis_T(model, _obj(), _param24, transforms=TRANSFORMS_SMALL, seed=0, **kw)
    out = []
    for _ in range(n):
        out.append((vis.step(), vis.image()))
    return out


def test_lucid_session_cell_matches_eager_steps(tiny_model):
    """Lucid's cell (make_vis_T, initializer, sess.run([loss, vis_op]), T("input").eval()) in a
    TF1 graph gives the eager render's loss and image after steps 1..3 (same seed)."""
    want = _eager_steps(tiny_model, relu_gradient_override=True)
    with tf.Graph().as_default() as graph, v1.Session() as sess:
        T = render.make_vis_T(tiny_model, _obj(), _param24, transforms=TRANSFORMS_SMALL, seed=0,
                              optimizer=v1.train.AdamOptimizer(0.05), relu_gradient_override=True)
        assert isinstance(T, GraphVisT) and T("vis_op").graph is graph
        v1.global_variables_initializer().run()
        for i, (loss_want, img_want) in enumerate(want):
            loss, _ = sess.run([T("loss"), T("vis_op")])
            img = T("input").eval()
            np.testing.assert_allclose(loss, loss_want, rtol=1e-4, atol=1e-4, err_msg=f"step {i + 1}")
            np.testing.assert_allclose(img, img_want, atol=1e-4, err_msg=f"step {i + 1}")
        assert T("global_step").eval() == 3
        acts = T(C11).eval()
        assert acts.shape[0] == 2 and acts.shape[-1] == 8
        relu = graph.get_operation_by_name("import/conv1_1/conv1_1")
        assert relu.type == "Relu" and b"override" in relu.get_attr("_gradient_op_type")


def test_interactive_session_vis_op_run_and_default_optimizer(tiny_model):
    """tf.InteractiveSession + T("vis_op").run() (Lucid's docstring idiom), default optimizer:
    the objective rises, T("input") stays an image in [0, 1]."""
    graph = tf.Graph()
    with graph.as_default():
        sess = v1.InteractiveSession(graph=graph)
        try:
            T = render.make_vis_T(tiny_model, f"{C21}:3", lambda: param.image(24), transforms=[],
                                  seed=1)
            v1.global_variables_initializer().run()
            first = T("loss").eval()
            for _ in range(10):
                T("vis_op").run()
            img = T("input").eval()
            assert T("loss").eval() > first + 0.05
            assert img.shape == (1, 24, 24, 3) and 0 <= img.min() and img.max() <= 1
            assert isinstance(T("optimizer"), v1.train.AdamOptimizer)
        finally:
            sess.close()


def test_raw_tf_variable_param_f_and_bfloat16_in_graph_mode(tiny_model):
    """A Lucid param_f making its own tf.Variable trains in graph mode; precision="bfloat16"
    matches float32's loss to bfloat16 accuracy."""
    losses = {}
    for precision in ("float32", "bfloat16"):
        with tf.Graph().as_default(), v1.Session() as sess:
            init = np.random.default_rng(0).normal(0, 0.01, (1, 16, 16, 3)).astype(np.float32)
            T = render.make_vis_T(tiny_model, f"{C21}:2", lambda: tf.sigmoid(tf.Variable(init)),
                                  transforms=[], precision=precision)
            v1.global_variables_initializer().run()
            losses[precision] = [sess.run([T("loss"), T("vis_op")])[0] for _ in range(6)]
            assert T("loss").dtype == tf.float32
    assert losses["float32"][-1] > losses["float32"][0]
    np.testing.assert_allclose(losses["bfloat16"], losses["float32"], rtol=0.05, atol=0.02)


def test_tf1_optimizer_in_eager_mode_steps_like_keras_adam(tiny_model):
    """Lucid's optimizer=tf.train.AdamOptimizer(0.05) also drives the eager render, step for
    step as the default Keras Adam."""
    losses = []
    for opt in (v1.train.AdamOptimizer(0.05), None):
        vis = render.make_vis_T(tiny_model, f"{C21}:2", lambda: param.image(16), transforms=[],
                                optimizer=opt, seed=0)
        losses.append([vis.step() for _ in range(4)])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4, atol=1e-6)
    assert losses[0][-1] > losses[0][0]


def test_placeholder_import_and_gradients_between_layers(tiny_model, rng_images):
    """`tf.placeholder` input, render.import_model and model.import_graph(scope=...), fed with
    sess.run, give get_activations' values; tf.gradients between layers matches an eager tape."""
    want = tiny_model.get_activations(rng_images, C12)
    with tf.Graph().as_default(), v1.Session() as sess:
        t_input = v1.placeholder(tf.float32, [None, None, None, 3])
        T = render.import_model(tiny_model, t_input, t_input)
        T2 = tiny_model.import_graph(t_input, scope="second")
        T3 = tiny_model.import_graph(scope="own_placeholder")  # Lucid's default: a placeholder
        by_name = v1.get_default_graph().get_tensor_by_name(f"own_placeholder/{C12}:0")
        grad = tf.gradients(tf.reduce_sum(T(C12)), [T(C11)])[0]
        a, b, a11, g = sess.run([T(C12), T2(C12), T(C11), grad], {t_input: rng_images})
        c = sess.run(by_name, {T3("input"): rng_images[0]})
    np.testing.assert_allclose(a, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(c, want[:1], rtol=1e-4, atol=1e-4)
    kernel, bias = tiny_model.weights[0]["conv1_2"]
    x = tf.constant(a11)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME") + bias))
    np.testing.assert_allclose(g, tape.gradient(y, x).numpy(), rtol=1e-4, atol=1e-4)


def test_param_outputs_eval_in_a_session():
    """`.eval()` on a param output after tf.global_variables_initializer(), without any store."""
    with tf.Graph().as_default(), v1.Session():
        t = param.image(16, batch=2)
        v1.global_variables_initializer().run()
        img = t.eval()
    assert img.shape == (2, 16, 16, 3) and 0 < img.min() and img.max() < 1 and img.std() > 0


def test_render_vis_in_graph_mode_matches_eager(tiny_model, capsys):
    """render_vis under a default graph runs Lucid's loop in a fresh graph and session (the
    caller's graph gets no ops) and returns the eager render's images for the same seed."""
    kw = dict(transforms=TRANSFORMS_SMALL, thresholds=(0, 2), use_fixed_seed=3)
    want = render.render_vis(tiny_model, _obj(), _param24, verbose=False, **kw)
    outer = tf.Graph()
    with outer.as_default():
        got = render.render_vis(tiny_model, _obj(), _param24, verbose=True,
                                print_objectives=[objectives.deepdream(C11)], **kw)
    assert not outer.get_operations()
    assert len(got) == 2
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-4)
    printed = capsys.readouterr().out
    assert "01: Deepdream [conv1_1/conv1_1]:" in printed


def _vgg16_first_steps(model, transforms, n=3):
    """Images after steps 1..n of an eager and of a graph-mode session render, same seed."""
    obj, pf = "conv3_1/conv3_1:7", lambda: param.image(32)
    vis = render.make_vis_T(model, obj, pf, seed=0, relu_gradient_override=True, transforms=transforms)
    eager = []
    for _ in range(n):
        vis.step()
        eager.append(vis.image())
    graph = []
    with tf.Graph().as_default(), v1.Session() as sess:
        T = render.make_vis_T(model, obj, pf, seed=0, relu_gradient_override=True,
                              transforms=transforms)
        v1.global_variables_initializer().run()
        for _ in range(n):
            sess.run(T("vis_op"))
            graph.append(T("input").eval())
    return eager, graph


@pytest.mark.weights
def test_vgg16_first_steps_equal_in_both_modes():
    """Real VGG16 at 32 px, redirected ReLU, Lucid's standard transforms but with bilinear
    rotation: the images after steps 1..3 of a graph-mode session render equal the eager ones
    within 1e-5. With Lucid's default nearest-neighbour rotation step 1 is equal too, and then
    the two drift apart slowly (measured: 1e-4 after step 2, 7e-4 after step 3, on images in
    [0, 1]); nearest sampling is not smooth, and last-bit differences between the two graphs'
    arithmetic grow through it (the likely amplifier: Adam's normalised steps on near-zero
    gradients)."""
    from modelzoo.vision_models import VGG16_caffe  # pylint: disable=import-outside-toplevel
    model = VGG16_caffe()
    bilinear = list(transform.standard_transforms)
    bilinear[3] = transform.random_rotate(list(range(-10, 11)) + 5 * [0], interpolation="BILINEAR")
    for i, (e, g) in enumerate(zip(*_vgg16_first_steps(model, bilinear))):
        np.testing.assert_allclose(g, e, atol=1e-5, err_msg=f"bilinear rotation, step {i + 1}")
    eager, graph = _vgg16_first_steps(model, None)
    np.testing.assert_allclose(graph[0], eager[0], atol=1e-5, err_msg="nearest rotation, step 1")
    for i, (e, g) in enumerate(zip(eager, graph)):
        np.testing.assert_allclose(g, e, atol=2e-3, err_msg=f"nearest rotation, step {i + 1}")


# -- bad input: the wrong mode -----------------------------------------------------------------
def test_graph_tensor_to_eager_make_vis_T(tiny_model):
    with tf.Graph().as_default():
        t = tf.zeros([1, 16, 16, 3])
    with pytest.raises(TypeError, match="graph-mode tensor.*eager mode"):
        render.make_vis_T(tiny_model, f"{C21}:1", lambda: t, transforms=[])


def test_eager_tensor_or_other_graph_into_graph_make_vis_T(tiny_model):
    eager = tf.zeros([1, 16, 16, 3])
    other = tf.Graph()
    with other.as_default():
        foreign = tf.zeros([1, 16, 16, 3])
    with tf.Graph().as_default(), v1.Session():
        with pytest.raises(TypeError, match="eager tensor.*TF1 graph"):
            render.make_vis_T(tiny_model, f"{C21}:1", lambda: eager, transforms=[])
        with pytest.raises(TypeError, match="another graph"):
            render.make_vis_T(tiny_model, f"{C21}:1", foreign, transforms=[])
        with pytest.raises(TypeError, match="tf.compat.v1.train.Optimizer.*Keras"):
            render.make_vis_T(tiny_model, f"{C21}:1", lambda: param.image(16), transforms=[],
                              optimizer=tf.keras.optimizers.Adam(0.05))


def test_eager_visualization_run_inside_a_graph(tiny_model):
    vis = render.make_vis_T(tiny_model, f"{C21}:1", lambda: param.image(16), transforms=[])
    with tf.Graph().as_default():
        with pytest.raises(RuntimeError, match="built in eager mode.*graph-mode block"):
            render.run_vis(vis, (1,), verbose=False)


def test_graph_T_run_without_its_session(tiny_model):
    with tf.Graph().as_default():
        T = render.make_vis_T(tiny_model, f"{C21}:1", lambda: param.image(16), transforms=[])
    with pytest.raises(RuntimeError, match="built in graph mode.*Session"):
        render.run_vis(T, (1,), verbose=False)


# -- TF1 behaviour (tf.disable_v2_behavior) in a subprocess ------------------------------------
def _v1_main(out_path):
    """Run the pieces and a Lucid session cell under disable_v2_behavior; save the results."""
    v1.disable_v2_behavior()
    sys.path.insert(0, TESTS)
    from conftest import TinyVGG  # pylint: disable=import-outside-toplevel
    model = TinyVGG()
    results = {f"{name}/{i}": a for name in sorted(PIECES) for i, a in enumerate(run_graph(PIECES[name]))}
    with v1.Graph().as_default(), v1.Session() as sess:
        T = render.make_vis_T(model, _obj(), _param24, transforms=TRANSFORMS_SMALL, seed=0,
                              optimizer=v1.train.AdamOptimizer(0.05), relu_gradient_override=True)
        v1.global_variables_initializer().run()
        for i in range(3):
            results[f"cell/loss{i}"], _ = sess.run([T("loss"), T("vis_op")])
            results[f"cell/image{i}"] = T("input").eval()
        t_input = v1.placeholder(tf.float32, [None, None, None, 3])
        T2 = render.import_model(model, t_input, t_input, scope="fed")
        results["cell/acts"] = sess.run(T2(C21), {t_input: np.full((1, 20, 20, 3), 0.4, np.float32)})
    results["render_vis/0"] = render.render_vis(model, _obj(), _param24, transforms=TRANSFORMS_SMALL,
                                                thresholds=(2,), use_fixed_seed=3, verbose=False)[0]
    np.savez(out_path, **results)
    print(json.dumps({"tf_executing_eagerly": tf.executing_eagerly(), "n": len(results)}))


def test_lucid_session_code_under_disable_v2_behavior(tiny_model, tmp_path):
    """Under `tf.compat.v1.disable_v2_behavior()` (a subprocess: it is process-global) every
    shared piece and Lucid's session cell give the eager results."""
    out = tmp_path / "v1.npz"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(TESTS), TESTS]))
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), str(out)], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["tf_executing_eagerly"] is False
    got = dict(np.load(out))
    for name in sorted(PIECES):
        want = eager_result(name)
        for i, w in enumerate(want):
            np.testing.assert_allclose(got[f"{name}/{i}"], w, rtol=1e-5, atol=1e-5, err_msg=name)
    for i, (loss, img) in enumerate(_eager_steps(tiny_model, relu_gradient_override=True)):
        np.testing.assert_allclose(got[f"cell/loss{i}"], loss, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got[f"cell/image{i}"], img, atol=1e-4)
    np.testing.assert_allclose(got["cell/acts"], tiny_model.get_activations(
        np.full((1, 20, 20, 3), 0.4, np.float32), C21), rtol=1e-4, atol=1e-4)
    want = render.render_vis(tiny_model, _obj(), _param24, transforms=TRANSFORMS_SMALL,
                             thresholds=(2,), use_fixed_seed=3, verbose=False)[0]
    np.testing.assert_allclose(got["render_vis/0"], want, atol=1e-4)


if __name__ == "__main__":
    _v1_main(sys.argv[1])
