"""lucid_vgg.misc.graph_analysis: overlay graphs, filters, the structure parser and data-format
inference, on small graphs built here (branches, residual add, tail heads, split/concat) and on
VGG16_caffe's graph. Edges are checked against TensorFlow's own ancestor walk (extract_sub_graph)."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.misc.graph_analysis import filter_overlay, parse_overlay, property_inference
from lucid_vgg.misc.graph_analysis.overlay_graph import (OverlayGraph, OverlayNode, OverlayStructure,
                                                         UnknownNodeError)

v1 = tf.compat.v1


def conv_relu(x, depth, name, data_format="NHWC"):
    """A 1x1 conv + ReLU named like VGG16_caffe's layers: `name/Conv2D`, `name/name`."""
    channels = x.shape[-1] if data_format == "NHWC" else x.shape[1]
    w = tf.constant(np.ones((1, 1, channels, depth), np.float32), name=f"{name}/weights")
    conv = tf.nn.conv2d(x, w, 1, "SAME", data_format=data_format, name=f"{name}/Conv2D")
    return tf.nn.relu(conv, name=f"{name}/{name}")


def graph_of(build):
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [1, 8, 8, 3], name="input")
        build(x)
    return graph


def branch_concat(x):  # input -> a, b -> cat -> c
    cat = tf.concat([conv_relu(x, 2, "a"), conv_relu(x, 3, "b")], 3, name="cat")
    conv_relu(cat, 4, "c")


def residual(x):  # input -> r -> add(input, r)
    tf.add(x, conv_relu(x, 3, "r"), name="add")


def tail_heads(x):  # input -> t -> (h1, h2), both dead ends
    t = conv_relu(x, 4, "t")
    conv_relu(t, 2, "h1")
    conv_relu(t, 2, "h2")


def split_concat(x):  # input -> split -> (s0 -> a, s1 -> b) -> cat -> c  (AlexNet's groups)
    s0, s1 = tf.split(tf.concat([x, x], 3, name="dup"), 2, axis=3, name="split")
    cat = tf.concat([conv_relu(s0, 2, "a"), conv_relu(s1, 2, "b")], 3, name="cat")
    conv_relu(cat, 2, "c")


def layers(graph):
    """Whitelisted ops with each Conv2D+Relu collapsed to its Relu: one node per layer."""
    overlay = filter_overlay.ops_whitelist(OverlayGraph(graph))
    return filter_overlay.collapse_sequence(overlay, ["Conv2D", "Relu"])


def edges(overlay):
    return {(inp.name, node.name) for node in overlay.nodes for inp in node.inputs}


def node(name):
    return {"type": "Node", "name": name}


def tf_ancestors(graph_def, op_name):
    """TensorFlow's own backward walk: every op `op_name` depends on (itself left out)."""
    sub = v1.graph_util.extract_sub_graph(graph_def, [op_name])
    return {n.name for n in sub.node} - {op_name}


# -- OverlayGraph -----------------------------------------------------------------------------------
def test_full_overlay_edges_are_the_graph_edges_and_extended_inputs_its_ancestors():
    graph = graph_of(branch_concat)
    overlay = OverlayGraph(graph)
    tensors = [t.name for op in graph.get_operations() for t in op.outputs]
    assert [n.name for n in overlay.nodes] == tensors
    assert edges(overlay) == {(i.name, t.name) for op in graph.get_operations()
                              for t in op.outputs for i in op.inputs}
    graph_def = graph.as_graph_def()
    for n in overlay.nodes:
        op_name = n.name.split(":")[0]
        assert {m.name.split(":")[0] for m in n.extended_inputs} == tf_ancestors(graph_def, op_name)
        assert all(n in m.extended_inputs for m in n.extended_consumers)


def test_filtered_overlay_joins_kept_nodes_through_dropped_paths():
    overlay = layers(graph_of(branch_concat))
    assert [n.name for n in overlay.nodes] == ["input:0", "a/a:0", "b/b:0", "cat:0", "c/c:0"]
    assert [n.op for n in overlay.nodes] == ["Placeholder", "Relu", "Relu", "ConcatV2", "Relu"]
    assert edges(overlay) == {("input:0", "a/a:0"), ("input:0", "b/b:0"), ("a/a:0", "cat:0"),
                              ("b/b:0", "cat:0"), ("cat:0", "c/c:0")}
    cat = overlay["cat"]
    assert cat.extended_inputs == {overlay[n] for n in ("input", "a/a", "b/b")}
    assert overlay["input"].extended_consumers == set(overlay.nodes[1:])
    assert cat.gcd is overlay["input:0"] and overlay["input"].lcm is cat
    assert overlay.gcd(["a/a", "b/b"]) is overlay["input"]
    assert overlay.lcm(["a/a:0", overlay["b/b"]]) is cat
    assert overlay.sorted(["c/c:0", "a/a:0", "input:0"]) == ["input:0", "a/a:0", "c/c:0"]
    assert overlay["a/a"].tf_node is overlay.tf_graph.get_tensor_by_name("a/a:0")


def test_nodes_given_out_of_order_are_sorted_topologically():
    graph = graph_of(branch_concat)
    overlay = OverlayGraph(graph, nodes=["c/c:0", "cat:0", "b/b:0", "a/a:0", "input:0"])
    # dependencies first; among free nodes the given order (b before a) stays
    assert [n.name for n in overlay.nodes] == ["input:0", "b/b:0", "a/a:0", "cat:0", "c/c:0"]
    assert overlay["cat"].gcd is overlay["input"]


def test_gcd_and_lcm_are_none_when_nothing_is_shared():
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [2], name="x")
        y = v1.placeholder(tf.float32, [2], name="y")
        tf.add(x, y, name="sum")
    overlay = OverlayGraph(graph)
    assert overlay.gcd(["x", "y"]) is None and overlay["sum"].gcd is None
    assert overlay.lcm(["x", "y"]) is overlay["sum"] and overlay["sum"].lcm is None
    assert parse_overlay.parse_overlay(overlay) is None  # two inputs, no common start: no one tree


def test_lookups_accept_names_tensors_ops_and_nodes():
    graph = graph_of(branch_concat)
    overlay = OverlayGraph(graph)
    tensor = graph.get_tensor_by_name("cat:0")
    assert overlay[tensor] is overlay["cat"] is overlay[tensor.op] is overlay[overlay["cat:0"]]
    assert "cat" in overlay and tensor in overlay and "nope" not in overlay
    assert overlay.get_tf_node("a/Conv2D") is graph.get_tensor_by_name("a/Conv2D:0")
    assert repr(overlay["cat"]) == "<cat:0: ConcatV2>" and len(overlay) == len(overlay.nodes)
    assert OverlayNode.as_name(tensor) == "cat:0"


def test_overlay_from_graph_def_and_model_match_the_graph(tiny_model):
    from_model = OverlayGraph(tiny_model)
    from_def = OverlayGraph(tiny_model.graph_def)
    assert [n.name for n in from_model.nodes] == [n.name for n in from_def.nodes]
    assert [f"{n.name}:0" for n in tiny_model.graph_def.node] == [n.name for n in from_model.nodes]
    assert edges(from_model) == edges(from_def)
    assert from_model["conv2_1/conv2_1"].inputs == {from_model["conv2_1/BiasAdd:0"]}


def test_filter_without_pass_through_cuts_paths_through_dropped_nodes():
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [None, 3], name="x")  # unknown size: tf.shape is an op
        z = v1.placeholder(tf.float32, [None], name="z")
        tf.reshape(z, tf.shape(x, name="shape"), name="reshaped")
    overlay = OverlayGraph(graph)
    assert overlay["reshaped"].inputs == {overlay["z"], overlay["shape"]}
    through = overlay.filter(["x", "z", "reshaped"])
    assert through["reshaped"].inputs == {through["z"], through["x"]}
    cut = filter_overlay.cut_shapes(overlay)
    assert [n.name for n in cut.nodes] == ["x:0", "z:0", "reshaped:0"]
    assert cut["reshaped"].inputs == {cut["z"]} and not cut["x"].consumers
    assert cut.filter(["x", "reshaped"])["reshaped"].inputs == set()  # the cut is remembered


def test_collapse_structures_keeps_the_key_node_holding_the_structure():
    overlay = layers(graph_of(branch_concat))
    structure = OverlayStructure("HeadBranch", {"branches": [overlay["a/a"], overlay["b/b"]],
                                                "head": overlay["cat"]})
    collapsed = overlay.collapse_structures({overlay["cat"]: structure})
    assert [n.name for n in collapsed.nodes] == ["input:0", "cat:0", "c/c:0"]
    assert collapsed["cat"].sub_structure is structure
    assert edges(collapsed) == {("input:0", "cat:0"), ("cat:0", "c/c:0")}
    assert "a/a:0" in structure and overlay["b/b"] in structure and "c/c:0" not in structure
    with_edge = OverlayStructure("HeadBranch", {"branches": [None, overlay["a/a"]], "head": overlay["cat"]})
    assert with_edge.children == [None, overlay["a/a"], overlay["cat"]] and "cat" in with_edge


def test_graphviz_prints_every_edge_and_the_groups(capsys):
    overlay = layers(graph_of(branch_concat))
    overlay.graphviz(groups={overlay["cat"]: [overlay["a/a"], overlay["b/b"]]})
    out = capsys.readouterr().out
    assert out.startswith("digraph G {") and out.rstrip().endswith("}")
    assert sorted(line.strip() for line in out.splitlines() if "->" in line) == sorted(
        f'"{a}" -> "{b}"' for a, b in edges(overlay))
    assert "subgraph cluster_cat_0 {" in out and 'label = "cat:0"' in out and '    "a/a:0"' in out


# -- filter_overlay ---------------------------------------------------------------------------------
def test_ops_whitelist_keeps_only_the_listed_op_types():
    overlay = OverlayGraph(graph_of(residual))
    kept = filter_overlay.ops_whitelist(overlay)
    assert {n.op for n in kept.nodes} == {"Placeholder", "Conv2D", "Relu", "AddV2"}
    assert [n.name for n in filter_overlay.ops_whitelist(overlay, ["Relu"]).nodes] == ["r/r:0"]
    assert "AddV2" in filter_overlay.standard_include_ops and "Add" in filter_overlay.standard_include_ops


def test_is_dynamic_drops_what_the_input_does_not_affect():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.constant([1.0, 2.0], name="w")
        w2 = tf.multiply(w, 2.0, name="w2")
        x = v1.placeholder(tf.float32, [2], name="x")
        tf.multiply(x, w2, name="y")
    dynamic = filter_overlay.is_dynamic(OverlayGraph(graph))
    assert [n.name for n in dynamic.nodes] == ["x:0", "y:0"]
    assert dynamic["y"].inputs == {dynamic["x"]}


def test_collapse_sequence_keeps_the_last_node_of_each_match():
    overlay = filter_overlay.ops_whitelist(OverlayGraph(graph_of(tail_heads)))
    assert len(overlay.nodes) == 7
    collapsed = filter_overlay.collapse_sequence(overlay, ["Conv2D", "Relu"])
    assert [n.name for n in collapsed.nodes] == ["input:0", "t/t:0", "h1/h1:0", "h2/h2:0"]
    # a Relu followed by two Conv2Ds has no single consumer: ["Relu", "Conv2D"] does not match t
    again = filter_overlay.collapse_sequence(overlay, ["Relu", "Conv2D"])
    assert "t/t:0" in again and len(again.nodes) == 7
    assert len(filter_overlay.collapse_sequence(overlay, ["MatMul", "Relu"]).nodes) == 7


# -- parse_overlay ----------------------------------------------------------------------------------
def test_parse_overlay_of_a_branch_and_concat():
    overlay = layers(graph_of(branch_concat))
    assert parse_overlay.parse_overlay(overlay) == {"type": "Sequence", "children": [
        node("input:0"), {"type": "Branch", "children": [node("a/a:0"), node("b/b:0")]},
        node("cat:0"), node("c/c:0")]}


def test_parse_overlay_of_a_residual_add_has_a_direct_edge_branch():
    overlay = layers(graph_of(residual))
    assert parse_overlay.parse_overlay(overlay) == {"type": "Sequence", "children": [
        node("input:0"), {"type": "Branch", "children": [None, node("r/r:0")]}, node("add:0")]}


def test_parse_overlay_of_dead_end_heads_is_an_auxiliary_branch():
    overlay = layers(graph_of(tail_heads))
    assert parse_overlay.parse_overlay(overlay) == {"type": "Sequence", "children": [
        node("input:0"), node("t/t:0"),
        {"type": "Branch", "subtype": "AuxilliaryHeadBranch", "children": [node("h1/h1:0"), node("h2/h2:0")]}]}


def test_collapse_steps_one_at_a_time():
    overlay = layers(graph_of(branch_concat))
    seqs = parse_overlay.collapse_sequences(overlay)
    assert [n.name for n in seqs.nodes] == ["input:0", "a/a:0", "b/b:0", "c/c:0"]
    assert seqs["c/c"].sub_structure.structure_type == "Sequence"
    assert parse_overlay.parse_structure(seqs["c/c"]) == {"type": "Sequence",
                                                         "children": [node("cat:0"), node("c/c:0")]}
    branches = parse_overlay.collapse_branches(seqs)
    assert [n.name for n in branches.nodes] == ["input:0", "c/c:0"]
    assert branches["c/c"].sub_structure.structure["branches"] == [seqs["a/a"], seqs["b/b"]]
    assert parse_overlay.parse_structure(None) is None


def test_flatten_sequences_merges_nested_sequences_only():
    nested = {"type": "Sequence", "children": [node("x"), {"type": "Sequence", "children": [
        node("y"), {"type": "Branch", "children": [{"type": "Sequence", "children": [node("z")]}, None]}]}]}
    assert parse_overlay.flatten_sequences(nested) == {"type": "Sequence", "children": [
        node("x"), node("y"), {"type": "Branch", "children": [{"type": "Sequence", "children": [node("z")]},
                                                           None]}]}
    assert nested["children"][1]["type"] == "Sequence"  # the input is not changed
    assert parse_overlay.flatten_sequences("x") == "x" and parse_overlay.flatten_sequences(None) is None


def test_toplevel_group_data_of_split_groups_and_a_concat():
    overlay = layers(graph_of(split_concat))
    groups = parse_overlay.toplevel_group_data(overlay)
    assert groups == {
        "dup:0": {"immediate": ["split:0", "split:1"], "direction": "forward",
                  "all": ["dup:0", "split:0", "split:1", "a/a:0", "b/b:0"]},
        "cat:0": {"immediate": ["a/a:0", "b/b:0"], "direction": "backward",
                  "all": ["split:0", "split:1", "a/a:0", "b/b:0", "cat:0"]}}


# -- property_inference -----------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_infer_data_format_finds_the_conv_upstream(data_format):
    graph = tf.Graph()
    with graph.as_default():
        shape = [1, 8, 8, 3] if data_format == "NHWC" else [1, 3, 8, 8]
        x = v1.placeholder(tf.float32, shape, name="input")
        relu = conv_relu(x, 4, "a", data_format)
        deep = tf.identity(tf.nn.relu(tf.sigmoid(relu)))
    overlay = OverlayGraph(graph)
    assert property_inference.infer_data_format(relu) == data_format
    assert property_inference.infer_data_format(deep) == data_format
    assert property_inference.infer_data_format(deep, max_depth=2) is None  # the conv is 4 ops back
    assert property_inference.infer_data_format(overlay["a/a"]) == data_format
    assert property_inference.infer_data_format(relu.op) == data_format
    assert property_inference.infer_data_format(x) is None  # nothing upstream has a data_format


def test_infer_data_format_is_none_for_non_4d_tensors():
    graph = tf.Graph()
    with graph.as_default():
        flat = v1.placeholder(tf.float32, [2, 5])
        unknown = v1.placeholder(tf.float32, None)
    assert property_inference.infer_data_format(flat) is None
    assert property_inference.infer_data_format(unknown) is None
    assert property_inference.as_tensor(flat.op) is flat and property_inference.as_tensor(flat) is flat


# -- bad input (also rows in tests/test_bad_input_catalogue.py) -----------------------------------------
def test_unknown_node_names_list_close_matches():
    overlay = layers(graph_of(branch_concat))
    with pytest.raises(UnknownNodeError, match=r"'cta' is not a node of this overlay.*'cat:0'"):
        overlay["cta"]
    with pytest.raises(KeyError, match="is not a tensor of the graph.*'a/a:0'"):
        OverlayGraph(overlay.tf_graph, nodes=["a/aa"])
    with pytest.raises(KeyError, match="not a node of this overlay.*'c/c:0'"):
        overlay.filter(["c/cc"])
    with pytest.raises(TypeError, match="list of tensor names, not one string"):
        OverlayGraph(overlay.tf_graph, nodes="input:0")
    with pytest.raises(TypeError, match="list of op type names"):
        filter_overlay.collapse_sequence(overlay, "Conv2D")
    with pytest.raises(ValueError, match="at least one node"):
        overlay.gcd([])
    with pytest.raises(TypeError, match="graph tensor"):
        property_inference.infer_data_format(tf.zeros([1, 2, 2, 3]))


# -- VGG16_caffe ------------------------------------------------------------------------------------
@pytest.mark.weights
def test_vgg16_parses_to_its_layer_sequence_in_nhwc():
    import modelzoo
    model = modelzoo.VGG16_caffe()
    overlay = OverlayGraph(model)
    assert len(overlay.nodes) == len(model.graph_def.node)
    simple = filter_overlay.collapse_sequence(filter_overlay.is_dynamic(filter_overlay.ops_whitelist(overlay)),
                                              ["Conv2D", "Relu"])
    blocks = [[f"conv{b}_{i}/conv{b}_{i}:0" for i in range(1, n + 1)] + [f"pool{b}:0"]
              for b, n in enumerate((2, 2, 3, 3, 3), start=1)]
    expected = ["input:0"] + sum(blocks, [])
    assert [n.name for n in simple.nodes] == expected
    assert parse_overlay.parse_overlay(simple) == {"type": "Sequence", "children": [node(n) for n in expected]}
    assert parse_overlay.toplevel_group_data(simple) == {}
    conv_names = [layer.name for layer in model.layers if "conv" in layer.tags]
    assert len(conv_names) == 13
    assert {property_inference.infer_data_format(overlay[name]) for name in conv_names} == {"NHWC"}
    assert overlay["conv3_1/conv3_1"].extended_inputs >= {overlay["pool2"], overlay["input"]}
