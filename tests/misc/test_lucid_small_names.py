"""Lucid's small helper names that have no other home in the tests: GraphDefHelper,
metadata_node_name, product, JS_ARRAY_TYPES / array_to_jsbuffer."""
import base64
import re

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.misc.io.serialize_array import JS_ARRAY_TYPES, array_to_jsbuffer
from lucid_vgg.optvis.param.resize_bilinear_nd import collapse_shape, product
from modelzoo import util


def _chain_graph_def():
    """x -> a -> b -> c, and x -> d: a small graph whose neighbourhoods are easy to count."""
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
        a = tf.identity(x, name="a")
        b = tf.nn.relu(a, name="b")
        tf.identity(b, name="c")
        tf.nn.relu(x, name="d")
    return g.as_graph_def()


def test_graph_def_helper_indexes_nodes_and_walks_neighbourhoods():
    helper = util.GraphDefHelper(_chain_graph_def())
    assert [n.name for n in helper.by_op["Relu"]] == ["b", "d"]
    assert sorted(n.name for n in helper.by_input["x"]) == ["a", "d"]
    assert {n.name for n in helper.neighborhood(helper.by_name["a"], degree=1)} == {"x", "a", "b"}
    assert {n.name for n in helper.neighborhood("a", degree=2)} == {"x", "a", "b", "c", "d"}
    with pytest.raises(KeyError, match="no node named 'nope'"):
        helper.neighborhood("nope")


def test_graph_def_helper_refuses_duplicate_names():
    gd = _chain_graph_def()
    gd.node.add().CopyFrom(gd.node[1])
    with pytest.raises(util.GraphFileError, match="two nodes named 'a'"):
        util.GraphDefHelper(gd)


def test_metadata_node_name_is_where_infuse_metadata_writes():
    gd = _chain_graph_def()
    util.infuse_metadata(gd, {"input_name": "x"})
    assert util.metadata_node_name in [n.name for n in gd.node]
    assert util.extract_metadata(gd)["input_name"] == "x"


def test_product_and_collapse_shape():
    assert product([]) == 1 and product([2, 3, 4]) == 24 and product(np.array([5, 2])) == 10
    assert collapse_shape([2, 3, 4, 5, 6], 2, 4) == [6, 4, 5, 6]


@pytest.mark.parametrize("dtype", sorted(JS_ARRAY_TYPES))
def test_array_to_jsbuffer_carries_the_exact_bytes_and_typed_array(dtype):
    array = np.arange(-3, 4).astype(dtype) if dtype[0] != "u" else np.arange(7).astype(dtype)
    code = array_to_jsbuffer(array)
    data = re.search(r'atob\("([^"]*)"\)', code).group(1)
    assert np.array_equal(np.frombuffer(base64.b64decode(data), dtype=dtype), array)
    assert f"new {dtype.capitalize()}Array(" in code


@pytest.mark.parametrize("bad, match", [(np.zeros((2, 2), np.float32), "1-d array"),
                                        (np.zeros(3, np.int64), "cannot send dtype int64")])
def test_array_to_jsbuffer_refuses_what_javascript_cannot_hold(bad, match):
    with pytest.raises(TypeError, match=match):
        array_to_jsbuffer(bad)
