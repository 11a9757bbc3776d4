"""Model.show_graph: a text outline in a terminal, an HTML outline in a notebook (no network)."""
import pytest

from modelzoo import graph_outline
from modelzoo.graph_outline import OutlineRow, outline_html, outline_text


def _row_of(text, name):
    return next(line for line in text.splitlines() if line[2:].startswith(name + " "))


def test_text_outline_lists_ops_with_types_and_shapes(tiny_model_fc, capsys, monkeypatch):
    monkeypatch.setattr(graph_outline, "in_notebook", lambda: False)
    tiny_model_fc.show_graph()
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "TinyVGGFC: 29 ops (* = a layer of the model)"
    assert _row_of(text, "input").split() == ["input", "Placeholder", "[1,", "32,", "32,", "3]"]
    assert _row_of(text, "conv1_1/conv1_1").split()[:3] == ["*", "conv1_1/conv1_1", "Relu"]
    assert _row_of(text, "pool1").endswith("MaxPool      [1, 16, 16, 8]")
    assert _row_of(text, "conv3_1/conv3_1").endswith("[1, 8, 8, 32]")
    assert _row_of(text, "fc6/fc6").endswith("[1, 24]") and _row_of(text, "prob").startswith("* prob")
    assert "weights" not in text and "Const" not in text  # constants are not ops of the outline
    marked = [line.split()[1] for line in text.splitlines()[2:] if line.startswith("*")]
    assert marked == tiny_model_fc.layer_names


def test_notebook_gets_html(tiny_model, monkeypatch):
    shown = []
    monkeypatch.setattr(graph_outline, "in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    tiny_model.show_graph()
    (obj,) = shown
    page = obj.data
    assert page.startswith("<style>") and "<script" not in page and "http" not in page
    assert page.count('class="op layer"') == len(tiny_model.layer_names)
    assert ('<span class="n">conv2_1/conv2_1</span><span class="t">Relu</span>'
            '<span class="s">[1, 16, 16, 16]</span>') in page
    assert 'title="inputs: conv2_1/BiasAdd"' in page


def test_html_escapes_names_and_text_aligns_columns():
    rows = [OutlineRow("a<b>&c", "Relu", "[1, ?]", ("x\"y",), True),
            OutlineRow("long_name_here", "MatMul", "?", (), False)]
    page = outline_html(rows, "M<1>")
    assert "a&lt;b&gt;&amp;c" in page and "M&lt;1&gt;" in page and 'title="inputs: x&quot;y"' in page
    lines = outline_text(rows).splitlines()
    # the op column starts at one offset on every line: 2 + the longest name (14) + 2
    assert [lines[0].index("op"), lines[1].index("Relu"), lines[2].index("MatMul")] == [18] * 3


def test_in_notebook_is_false_outside_a_kernel():
    assert graph_outline.in_notebook() is False


@pytest.mark.weights
def test_vgg16_outline_has_the_caffe_layers():
    from modelzoo.caffe_models import VGG16_caffe  # pylint: disable=import-outside-toplevel
    model = VGG16_caffe()
    outline = graph_outline.graph_outline(model.graph_def, model.input_name, model.image_shape,
                                          model.layer_names)
    rows = {r.name: r for r in outline}
    assert rows["conv1_1/conv1_1"].shape == "[1, 224, 224, 64]" and rows["conv1_1/conv1_1"].is_layer
    assert rows["conv5_3/conv5_3"].shape == "[1, 14, 14, 512]"


def test_lucid_show_graph_outlines_a_graph_def_or_graph(tiny_model, capsys, monkeypatch):
    from lucid_vgg.misc.io import showing  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(graph_outline, "in_notebook", lambda: False)
    showing.graph(tiny_model.graph_def)
    text = capsys.readouterr().out
    assert "conv2_1/conv2_1" in text and "Relu" in text and "Const" not in text
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.import_graph_def(tiny_model.graph_def, name="")
    showing.graph(g, max_const_size=8)
    assert capsys.readouterr().out == text
    with pytest.raises(TypeError, match="GraphDef or a tf.Graph, got str"):
        showing.graph("conv1_1")
