"""lucid_vgg.misc.io: round trips through real files, atomic writes, errors, show and image_grid."""
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lucid_vgg.misc import io
from lucid_vgg.misc.io import image_grid, load, save, show, showing


def _leftovers(directory):
    """Temp files that an interrupted atomic write would leave behind."""
    return [n for n in os.listdir(directory) if n.endswith(".tmp")]


@pytest.fixture
def rgb():
    return np.random.RandomState(0).rand(9, 11, 3).astype(np.float32)


# -- round trips -----------------------------------------------------------------------

def test_png_round_trip_float(tmp_path, rgb):
    path = tmp_path / "img.png"
    result = save(rgb, path)
    assert result["type"] == "image" and result["shape"] == (9, 11, 3)
    back = load(path)
    assert back.dtype == np.float32 and back.shape == (9, 11, 3)
    np.testing.assert_allclose(back, rgb, atol=0.5 / 255 + 1e-6)
    assert _leftovers(tmp_path) == []


def test_png_round_trip_uint8_exact_and_alpha(tmp_path):
    rgba = np.random.RandomState(1).randint(0, 256, (5, 6, 4)).astype(np.uint8)
    save(rgba, str(tmp_path / "a.png"))
    back = load(str(tmp_path / "a.png"))
    assert back.shape == (5, 6, 4)
    np.testing.assert_array_equal(np.rint(back * 255).astype(np.uint8), rgba)


def test_grey_and_batch_of_one_become_rgb(tmp_path):
    grey = np.linspace(0, 1, 20).reshape(4, 5)
    save(grey, tmp_path / "g.png")
    back = load(tmp_path / "g.png")
    assert back.shape == (4, 5, 3)
    np.testing.assert_allclose(back[..., 1], grey, atol=0.5 / 255 + 1e-6)
    save(grey[None, :, :, None], tmp_path / "b.png")
    assert load(tmp_path / "b.png").shape == (4, 5, 3)


@pytest.mark.parametrize("ext", ["jpg", "jpeg"])
def test_jpeg_round_trip(tmp_path, ext):
    smooth = np.tile(np.linspace(0, 1, 16, dtype=np.float32)[None, :, None], (16, 1, 3))
    save(smooth, tmp_path / ("x." + ext), quality=95)
    back = load(tmp_path / ("x." + ext))
    assert back.shape == (16, 16, 3)
    assert np.abs(back - smooth).mean() < 0.02


def test_load_resize(tmp_path, rgb):
    save(rgb, tmp_path / "r.png")
    assert load(tmp_path / "r.png", resize=(7, 4)).shape == (4, 7, 3)  # (w, h)
    assert load(tmp_path / "r.png", resize=5).shape == (5, 5, 3)
    assert load(tmp_path / "r.png", size=(3, 2)).shape == (2, 3, 3)  # Lucid's keyword
    with pytest.raises(ValueError, match="resize"):
        load(tmp_path / "r.png", resize=(0, 3))


def test_npy_npz_round_trip(tmp_path, rgb):
    save(rgb, tmp_path / "a.npy")
    np.testing.assert_array_equal(load(tmp_path / "a.npy"), rgb)
    save({"x": rgb, "y": np.arange(3)}, tmp_path / "d.npz")
    back = load(tmp_path / "d.npz")
    assert set(back) == {"x", "y"}
    np.testing.assert_array_equal(back["x"], rgb)
    save([np.arange(2), np.ones(3)], tmp_path / "l.npz")
    assert sorted(load(tmp_path / "l.npz")) == ["arr_0", "arr_1"]


def test_json_round_trip_with_numpy(tmp_path):
    obj = {"a": np.float32(1.5), "b": np.arange(3), "c": (1, "two"), "d": np.int64(7)}
    save(obj, tmp_path / "o.json")
    assert load(tmp_path / "o.json") == {"a": 1.5, "b": [0, 1, 2], "c": [1, "two"], "d": 7}


def test_txt_round_trip(tmp_path):
    save("héllo\nworld", tmp_path / "t.txt")
    assert load(tmp_path / "t.txt") == "héllo\nworld"
    save(["a", "b"], tmp_path / "lines.txt")
    assert load(tmp_path / "lines.txt", split=True) == ["a", "b"]


def test_pb_round_trip(tmp_path):
    tf = pytest.importorskip("tensorflow")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="input")
        tf.identity(tf.nn.relu(x), name="out")
    graph_def = graph.as_graph_def()
    save(graph_def, tmp_path / "g.pb")
    back = load(tmp_path / "g.pb")
    assert isinstance(back, tf.compat.v1.GraphDef)
    assert [n.name for n in back.node] == [n.name for n in graph_def.node]


# -- atomic writes ---------------------------------------------------------------------

def test_atomic_write_leaves_no_temp_files(tmp_path, rgb):
    for name in ["a.png", "a.npy", "a.npz", "a.json", "a.txt"]:
        thing = {"x": 1} if name.endswith(".json") else "text" if name.endswith(".txt") else rgb
        save(thing, tmp_path / name)
    assert sorted(os.listdir(tmp_path)) == ["a.json", "a.npy", "a.npz", "a.png", "a.txt"]
    # temp files are created 0600; the final file gets the usual umask permissions
    assert os.stat(tmp_path / "a.png").st_mode & 0o777 == 0o666 & ~io.writing.UMASK


def test_failing_serialisation_leaves_no_file(tmp_path):
    # json.dump streams: "a" is written to the temp file before object() fails.
    with pytest.raises(TypeError):
        save({"a": list(range(1000)), "b": object()}, tmp_path / "bad.json")
    assert os.listdir(tmp_path) == []


def test_failing_overwrite_keeps_old_file(tmp_path):
    save({"version": 1}, tmp_path / "keep.json")
    with pytest.raises(TypeError):
        save({"version": 2, "oops": object()}, tmp_path / "keep.json")
    assert load(tmp_path / "keep.json") == {"version": 1}
    assert _leftovers(tmp_path) == []


def test_save_creates_parent_directories(tmp_path):
    save("x", tmp_path / "a" / "b" / "c.txt")
    assert load(tmp_path / "a" / "b" / "c.txt") == "x"


# -- errors ----------------------------------------------------------------------------

def test_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match=r"'\.xyz'.*\.json.*\.npy.*\.png"):
        save(np.zeros(3), tmp_path / "a.xyz")
    with pytest.raises(ValueError, match="no file extension.*Supported"):
        save(np.zeros(3), tmp_path / "noext")
    (tmp_path / "a.xyz").write_text("hi")
    with pytest.raises(ValueError, match=r"Supported extensions: .*\.png"):
        load(tmp_path / "a.xyz")
    assert os.listdir(tmp_path) == ["a.xyz"]


def test_corrupt_png_names_file(tmp_path):
    bad = tmp_path / "corrupt.png"
    bad.write_bytes(np.random.RandomState(0).bytes(500))
    with pytest.raises(ValueError, match="corrupt.png"):
        load(bad)


def test_truncated_png_names_file(tmp_path, rgb):
    path = tmp_path / "trunc.png"
    save(np.random.RandomState(2).rand(64, 64, 3), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"trunc\.png.*truncated"):
        load(path)


def test_pb_that_is_not_a_graphdef(tmp_path):
    pytest.importorskip("tensorflow")
    path = tmp_path / "model.pb"
    path.write_bytes(json.dumps({"not": "a graph"}).encode() * 5)
    with pytest.raises(ValueError, match=r"model\.pb.*GraphDef"):
        load(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        load(path)


def test_pb_is_read_by_modelzoos_strict_parser(tmp_path):
    """load() reads .pb files with modelzoo.util's one parser: a graph whose node reads a missing
    node (a cut or truncated file) is refused, as VGG16_caffe(path) and Model.load refuse it."""
    tf = pytest.importorskip("tensorflow")
    graph_def = tf.compat.v1.GraphDef()
    graph_def.node.add(name="relu", op="Relu", input=["gone"])
    path = tmp_path / "cut.pb"
    path.write_bytes(graph_def.SerializeToString())
    with pytest.raises(ValueError, match=r"cut\.pb is incomplete: node 'relu' reads 'gone'"):
        load(path)


def test_save_pb_needs_protobuf(tmp_path):
    with pytest.raises(TypeError, match="protobuf"):
        save({"a": 1}, tmp_path / "x.pb")
    assert os.listdir(tmp_path) == []


def test_pickle_refused_unless_allowed(tmp_path):
    objs = np.array([{"a": 1}, None], dtype=object)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        save(objs, tmp_path / "o.npy")
    assert os.listdir(tmp_path) == []
    save(objs, tmp_path / "o.npy", allow_pickle=True)
    with pytest.raises(ValueError, match=r"o\.npy.*allow_pickle=True"):
        load(tmp_path / "o.npy")
    assert load(tmp_path / "o.npy", allow_pickle=True)[0] == {"a": 1}
    save({"o": objs}, tmp_path / "o.npz", allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        load(tmp_path / "o.npz")
    assert load(tmp_path / "o.npz", allow_pickle=True)["o"][0] == {"a": 1}


@pytest.mark.parametrize("bad, pattern", [
    (np.full((4, 4, 3), 1.5), r"\[0, 1\].*max 1\.5"),
    (np.full((4, 4, 3), -0.1), r"min -0\.1"),
    (np.full((4, 4, 3), np.nan), "NaN"),
    (np.full((4, 4), 300, dtype=np.int32), "0..255"),
    (np.zeros((2, 4, 4, 3)), "batch of 2.*image_grid"),
    (np.zeros((4, 4, 7)), "shape"),
])
def test_bad_images_refused(tmp_path, bad, pattern):
    with pytest.raises(ValueError, match=pattern):
        save(bad, tmp_path / "bad.png")
    assert os.listdir(tmp_path) == []


def test_domain_rescales(tmp_path):
    save(np.full((2, 2, 3), 127.5), tmp_path / "d.png", domain=(0, 255))
    np.testing.assert_allclose(load(tmp_path / "d.png"), 128 / 255)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.png")


# -- show ------------------------------------------------------------------------------

def test_show_text_fallback(capsys, rgb):
    show(rgb)
    out = capsys.readouterr().out
    assert "11x9 RGB image" in out and "float32" in out and "range [" in out
    show(np.stack([rgb, rgb, rgb]))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "<3 images>" and out[1].startswith("  0: 11x9 RGB image")
    show([rgb[None], rgb[None]], labels=["cat", "dog"])  # render_vis-style list of batches
    out = capsys.readouterr().out
    assert "<2 images>" in out and "cat: 11x9" in out and "dog:" in out
    show({"a": 1})
    assert capsys.readouterr().out.strip() == "{'a': 1}"


def test_show_displays_one_png_output_in_a_notebook(monkeypatch, rgb):
    IPython_display = pytest.importorskip("IPython.display")
    shown = []
    monkeypatch.setattr(showing, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython_display, "display", shown.append)
    show(rgb, w=40)
    assert isinstance(shown[-1], IPython_display.Image)
    assert shown[-1].format == "png" and shown[-1].width == 40
    assert np.array_equal(load_png_bytes(shown[-1].data), (rgb * 255).round().astype(np.uint8))
    show(np.stack([rgb, rgb]), labels=["<a>", "b"])  # several: one labelled grid picture
    grid = load_png_bytes(shown[-1].data)
    assert grid.shape[1] > 2 * rgb.shape[1] and grid.shape[0] > rgb.shape[0]
    show(rgb * 2)  # lenient: clipped, not an error
    show(np.stack([rgb * 2, rgb - 1]))
    assert len(shown) == 4 and all(isinstance(o, IPython_display.Image) for o in shown)


def load_png_bytes(data):
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_io_does_not_import_ipython_or_tensorflow(tmp_path):
    """Importing misc.io and saving through its atomic writer pull in neither IPython nor TF."""
    import subprocess
    import sys
    code = ("import sys; import numpy as np; import lucid_vgg.misc.io as io; "
            f"io.save(np.zeros((2, 2, 3)), {str(tmp_path / 'a.png')!r}); "
            "print('IPython' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert (tmp_path / "a.png").stat().st_size > 0


# -- image_grid ------------------------------------------------------------------------

def test_image_grid_shape_and_placement():
    imgs = np.zeros((5, 4, 6, 3), np.float32)
    imgs[3] = 0.5
    grid = image_grid(imgs, n_cols=3, pad=1)
    assert grid.dtype == np.float32 and grid.shape == (2 * 4 + 3, 3 * 6 + 4, 3)
    # image 3 is row 1, col 0
    np.testing.assert_allclose(grid[1 + 4 + 1:1 + 4 + 1 + 4, 1:7], 128 / 255)
    assert grid[0].min() == 1.0  # white padding
    assert image_grid(list(imgs)).shape == (2 * 4 + 3 * 2, 3 * 6 + 4 * 2, 3)  # default sqrt cols


def test_image_grid_uint8_grey_and_alpha():
    grey = np.full((3, 3), 7, np.uint8)
    rgba = np.full((3, 3, 4), 9, np.uint8)
    grid = image_grid([grey, rgba], pad=0)
    assert grid.dtype == np.uint8 and grid.shape == (3, 6, 4)
    assert (grid[:, :3, :3] == 7).all() and (grid[:, :3, 3] == 255).all()


def test_image_grid_labels_drawn():
    imgs = np.ones((4, 20, 30, 3), np.float32)
    plain = image_grid(imgs, n_cols=2)
    labelled = image_grid(imgs, n_cols=2, labels=["unit 0", "unit 1", "unit 2", "unit 3"])
    assert labelled.shape[1] == plain.shape[1] and labelled.shape[0] > plain.shape[0]
    assert labelled.min() < 0.5  # dark text pixels on a white image
    strip = labelled[2 + 20:2 + 20 + (labelled.shape[0] - plain.shape[0]) // 2, 2:32]
    assert strip.min() < 0.5  # text lies under the first cell
    with pytest.raises(ValueError, match="2 labels for 4 images"):
        image_grid(imgs, labels=["a", "b"])


def test_image_grid_errors():
    with pytest.raises(ValueError, match="at least one"):
        image_grid([])
    with pytest.raises(ValueError, match="image 1.*NaN"):
        image_grid([np.zeros((2, 2)), np.full((2, 2), np.nan)])


def test_package_exports():
    for name in ["show", "save", "load", "image_grid", "showing", "saving", "loading"]:
        assert hasattr(io, name)


def test_pil_palette_image_saved_as_colours(tmp_path):
    PIL_Image = pytest.importorskip("PIL.Image")
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[:, :2] = (255, 0, 0)
    save(PIL_Image.fromarray(rgb).convert("P"), tmp_path / "p.png")
    np.testing.assert_array_equal(load(tmp_path / "p.png")[0, 0], [1, 0, 0])


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), c=st.sampled_from([3, 4]), seed=st.integers(0, 99))
def test_png_uint8_round_trip_is_exact(tmp_path_factory, h, w, c, seed):
    pixels = np.random.RandomState(seed).randint(0, 256, (h, w, c)).astype(np.uint8)
    path = tmp_path_factory.mktemp("rt") / "x.png"
    save(pixels, path)
    np.testing.assert_array_equal(np.rint(load(path) * 255).astype(np.uint8), pixels)
