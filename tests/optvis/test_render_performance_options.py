"""render_vis speed options on the tiny model: one trace per render, precision, pruning."""
import numpy as np
import pytest

from lucid_vgg.optvis import objectives, param, render

OBJ = "conv2_1/conv2_1:3"


def _param():
    return param.image(32, batch=2)


def test_512_step_render_traces_step_once(tiny_model):
    vis = render.make_vis_T(tiny_model, OBJ, _param, seed=0)
    images = render.run_vis(vis, (255, 511), verbose=False)
    assert len(images) == 2
    assert vis.trace_count == 1
    assert int(vis("global_step")) == 512


@pytest.mark.parametrize("precision", ["bfloat16", "auto"])
def test_bfloat16_returns_float32_images_and_close_objective(tiny_model, precision):
    def first_loss(prec):  # no transforms: both see the same image at step 0
        vis = render.make_vis_T(tiny_model, "conv3_1/conv3_1:1", _param, transforms=[], seed=0,
                                precision=prec)
        loss = vis.step()
        return vis, loss

    vis32, loss32 = first_loss("float32")
    vis16, loss16 = first_loss(precision)
    assert np.asarray(loss16).dtype == np.float32
    # same initial image and transforms: the objective differs only by bfloat16 rounding
    assert abs(float(loss16) - float(loss32)) <= 0.02 * abs(float(loss32))
    images = render.run_vis(vis16, (20,), verbose=False)
    img = images[-1]
    assert img.dtype == np.float32 and img.shape == (2, 32, 32, 3)
    assert 0.0 <= img.min() and img.max() <= 1.0
    assert np.all(np.isfinite(img))


def test_bfloat16_graph_computes_in_bfloat16(tiny_model):
    vis = render.make_vis_T(tiny_model, OBJ, _param, precision="bfloat16")
    assert vis.precision == "bfloat16"
    types = {n.attr["T"].type for n in vis.run_model.graph_def.node if n.op == "Conv2D"}
    assert types == {14}  # DT_BFLOAT16
    assert vis.image().dtype == np.float32


def test_pruning_gives_identical_float32_results(tiny_model):
    out = {}
    for prune in (True, False):
        out[prune] = render.render_vis(tiny_model, OBJ, _param, thresholds=(30,), verbose=False,
                                       use_fixed_seed=True, prune=prune)[-1]
    np.testing.assert_allclose(out[True], out[False], rtol=0, atol=1e-6)


def test_pruning_cuts_the_graph_at_the_objective_layer(tiny_model):
    vis = render.make_vis_T(tiny_model, "conv1_2/conv1_2:0", _param)
    names = {n.name for n in vis.run_model.graph_def.node}
    assert "conv1_2/conv1_2" in names
    assert not any(n.startswith(("conv2_", "conv3_")) for n in names)
    assert vis.model is tiny_model  # activations etc. still use the full model
    # the cut graph is cached per model, set of nodes and channels kept
    vis2 = render.make_vis_T(tiny_model, objectives.channel("conv1_2/conv1_2", 0), _param)
    assert vis2.run_model.graph_def is vis.run_model.graph_def
    vis3 = render.make_vis_T(tiny_model, "conv1_2/conv1_2:1", _param)
    assert vis3.run_model.graph_def is not vis.run_model.graph_def


def test_pruning_keeps_every_layer_an_objective_reads(tiny_model):
    obj = objectives.channel("conv1_1/conv1_1", 0) + objectives.channel("conv3_1/conv3_1", 1)
    vis = render.make_vis_T(tiny_model, obj, _param)
    names = {n.name for n in vis.run_model.graph_def.node}
    assert {"conv1_1/conv1_1", "conv3_1/conv3_1"} <= names
    assert np.isfinite(vis.step())


def test_unknown_precision_is_rejected(tiny_model):
    with pytest.raises(ValueError, match="precision"):
        render.make_vis_T(tiny_model, OBJ, _param, precision="float16")


def test_render_vis_bfloat16_with_redirected_relu(tiny_model):
    """render_vis's default redirected-ReLU gradient also works on the bfloat16 graph."""
    out = {}
    for prec in ("float32", "bfloat16"):
        img = render.render_vis(tiny_model, "conv3_1/conv3_1:1", _param, thresholds=(20,),
                                verbose=False, precision=prec, use_fixed_seed=True)[-1]
        assert img.dtype == np.float32 and 0 <= img.min() and img.max() <= 1
        out[prec] = float(tiny_model.get_activations(img, "conv3_1/conv3_1")[..., 1].mean())
    assert abs(out["bfloat16"] - out["float32"]) <= 0.1 * abs(out["float32"])


def test_subgraph_matches_tensorflows_extract_sub_graph(tiny_model):
    import tensorflow as tf

    from modelzoo.util import subgraph

    gd = tf.compat.v1.GraphDef()
    gd.CopyFrom(tiny_model.graph_def)
    # a control input and an output-index input must be followed too
    extra = gd.node.add()
    extra.name, extra.op = "after_conv2", "Identity"
    extra.input.extend(["conv2_1/conv2_1:0", "^conv1_2/conv1_2"])
    extra.attr["T"].type = tf.float32.as_datatype_enum
    for targets in (["conv1_2/conv1_2"], ["after_conv2"], ["conv1_1/conv1_1", "conv3_1/conv3_1"]):
        ours = subgraph(gd, targets)
        theirs = tf.compat.v1.graph_util.extract_sub_graph(gd, targets)
        assert [n.name for n in ours.node] == [n.name for n in theirs.node]
    assert len(subgraph(gd, ["conv1_2/conv1_2"]).node) < len(gd.node)
    with pytest.raises(KeyError, match="nope"):
        subgraph(gd, ["nope"])
