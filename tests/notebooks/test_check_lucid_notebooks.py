"""notebooks/tools/check_lucid_notebooks.py on a synthetic notebook (no Lucid code in the project):
the rewrite table, Colab lines, reading from a folder and a git directory, running cell by cell
past errors, the per-notebook counts and the report."""
import importlib.util
import pathlib
import subprocess

import pytest

nbformat = pytest.importorskip("nbformat", reason="install the 'notebooks' extra")

TOOL = pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "tools" / "check_lucid_notebooks.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("check_lucid_notebooks", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook(*sources, markdown="# a title"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.writes(nb)


def test_imports_and_model_are_rewritten(tool):
    src = ("import lucid.modelzoo.vision_models as models\nfrom lucid.misc.io import show\n"
           "from lucid.optvis import render\nmodel = models.InceptionV1()\n"
           "url = 'https://storage.googleapis.com/tensorflow-lucid/x.png'\n"
           "# pip install git+https://github.com/tensorflow/lucid.git")
    out = tool.rewrite_source(src, session_style=False)
    assert out.splitlines() == [
        "import modelzoo.vision_models as models", "from lucid_vgg.misc.io import show",
        "from lucid_vgg.optvis import render", "model = models.VGG16_caffe()",
        "url = 'https://storage.googleapis.com/tensorflow-lucid/x.png'",
        "# pip install git+https://github.com/tensorflow/lucid.git"]


def test_tensorflow_compat_v1_only_for_session_style(tool):
    src = "import numpy as np\nimport tensorflow as tf\n"
    assert "import tensorflow as tf" in tool.rewrite_source(src, session_style=False)
    v1 = tool.rewrite_source(src, session_style=True)
    assert "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()" in v1
    assert tool.is_session_style(["x = 1", "with tf.Graph().as_default(), tf.Session():\n  pass"])
    assert tool.is_session_style(["opt = tf.train.AdamOptimizer(0.05)"])
    assert tool.is_session_style(["crop = tf.random_crop(style_image, [8, 8, 3])"])
    assert not tool.is_session_style(["_ = render.render_vis(model, 'mixed4a:1')"])


@pytest.mark.parametrize("before, after", [
    ('"mixed4a_pre_relu:476"', '"conv4_1/conv4_1:476"'),
    ("'mixed5a:830'", "'conv5_1/conv5_1:318'"),  # 830 % 512
    ('"mixed3a_3x3_bottleneck_pre_relu:300"', '"conv3_1/conv3_1:44"'),  # 300 % 256
    ('"softmax2_pre_activation"', '"prob"'),
    ('"softmax0_pre_activation/matmul:316"', '"prob:316"'),
    ('"conv2d0"', '"conv1_2/conv1_2"'),
    ('objectives.channel("mixed4d", 520)', 'objectives.channel("conv4_3/conv4_3", 8)'),
    ('neuron_groups(img, "mixed4d", 6)', 'neuron_groups(img, "conv4_3/conv4_3", 6)'),  # 6 < 512
    ('"mixed4dx"', '"mixed4dx"'),  # not an InceptionV1 layer: untouched
    ('"no_layer:3"', '"no_layer:3"'),
])
def test_layer_names_and_channels_are_mapped(tool, before, after):
    assert tool.rewrite_source(before, session_style=False) == after


def test_map_layer_names_the_known_prefixes(tool):
    with pytest.raises(KeyError, match="known InceptionV1 prefixes"):
        tool.map_layer("inception_4a")


def test_colab_lines_dropped_and_colab_only_cells_recognised(tool):
    mixed = "!pip install --quiet lucid==0.3\n%tensorflow_version 1.x\nimport numpy as np"
    assert tool.drop_colab_lines(mixed) == "import numpy as np"
    assert not tool.is_colab_cell(mixed)
    assert tool.is_colab_cell("!pip install -q moviepy\n!imageio_download_bin ffmpeg")
    assert tool.is_colab_cell("for fn in glob('*.png'):\n  files.download(fn)")
    assert tool.python2_to_3("print x, 2\nr = range(3) + range(2)") == (
        "print(x, 2)\nr = list(range(3)) + list(range(2))")
    assert tool.python2_to_3("v = np.vstack(map(np.hstack, vis))") == (
        "v = np.vstack(list(map(np.hstack, vis)))")
    assert tool.python2_to_3("%%html_define_svelte W\n<div>") == "%%html_define_svelte W\n<div>"
    assert tool.drop_colab_lines("import tensorflow as tf\nassert tf.__version__.startswith('1')"
                                 ) == "import tensorflow as tf"


def test_reads_a_folder_and_the_newest_git_revision(tool, tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "tutorial.ipynb").write_text("flat copy")
    assert tool.read_notebook_text(str(flat), ["notebooks/tutorial.ipynb"])[0] == "flat copy"
    repo = tmp_path / "lucid"
    (repo / "notebooks").mkdir(parents=True)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    for text in ("old", "new"):
        (repo / "notebooks" / "b.ipynb").write_text(text)
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-qm", text], check=True)
    text, path, origin = tool.read_notebook_text(
        str(repo / ".git"), ["notebooks/missing.ipynb", "notebooks/b.ipynb"])
    assert (text, path, origin) == ("new", "notebooks/b.ipynb", "git HEAD")
    with pytest.raises(FileNotFoundError, match="missing.ipynb"):
        tool.read_notebook_text(str(repo / ".git"), ["notebooks/missing.ipynb"])


SYNTHETIC = (
    "!pip install --quiet lucid",                       # Colab only
    "",                                                  # empty: not a cell to count
    "import math\nx = math.sqrt(16)",                    # runs
    "print x",                                           # Python 2: SyntaxError
    "y = undefined_name + 1",                            # fails: NameError
    "z = y * 2",                                         # fails because the cell above did
    "def load(url):\n  raise OSError(f'Could not download {url}: cannot connect')\n"
    "img = load('https://storage.googleapis.com/a.png')",
    "size = img.shape",                                  # fails because the download did
    "assert x == 4.0\nprint('four')",                    # runs after all those errors
)


@pytest.mark.slow
def test_runs_every_cell_past_errors_and_counts_them(tool):
    result = tool.run_notebook(_notebook(*SYNTHETIC), "notebooks/synthetic.ipynb", "file",
                               timeout=60, caps=None)
    assert [c.status for c in result.cells] == [
        "colab", "ran", "failed", "failed", "failed", "network", "failed", "ran"]
    assert (result.count("ran"), result.count("failed"), result.count("colab"),
            result.count("network")) == (2, 4, 1, 1)
    causes = {c.index: (c.cause, c.error) for c in result.cells if c.error}
    assert causes[2][0] == "Python 2 code" and causes[2][1].startswith("SyntaxError")
    assert causes[3] == ("to look at", "NameError: name 'undefined_name' is not defined")
    assert causes[4][0] == "defined in a cell that failed"
    assert causes[5][0] == "network" and "DownloadError" not in causes[5][1]
    assert causes[6] == ("defined in a network cell", "NameError: name 'img' is not defined")
    md = tool.report([result], caps=None)
    assert "| synthetic.ipynb | file | TF2 | 8 | 2 | 4 | 1 | 1 |" in md
    assert "| **all** | | | 8 | 2 | 4 | 1 | 1 |" in md
    assert "`NameError: name 'undefined_name' is not defined`" in md
    assert "| Python 2 code | 1 |" in md and "| network | 1 |" in md


def test_command_line_rejects_a_missing_source_and_unknown_notebooks(tool, tmp_path, capsys):
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / "nope")])
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path), "--only", "nope.ipynb"])
    assert "matched none of" in capsys.readouterr().err


@pytest.mark.slow
def test_downloads_fail_as_network_and_diagnose_answers_them(tool):
    """The port's real offline error is counted as network; --diagnose's stand-ins go through
    the port's load/read (a 224 px photo, Lucid's label-file layout), its lib2to3 pass fixes
    Python 2 prints, and the report lists both runs."""
    cells = ("from lucid_vgg.misc.io import load\nfrom lucid_vgg.misc.io.reading import read",
             "img = load('https://storage.googleapis.com/lucid-static/examples/dog_cat.png')\n"
             "assert img.shape == (224, 224, 3) and 0 <= img.min() < img.max() <= 1",
             "labels = read('https://gist.githubusercontent.com/a/raw/b/map_clsloc.txt').decode()"
             "\nassert labels.splitlines()[0].split()[1:] == ['1', 'tench']",
             "print 'python', 2")
    text = _notebook(*cells)
    strict = tool.run_notebook(text, "notebooks/dl.ipynb", "file", timeout=120, caps=None)
    local = tool.run_notebook(text, "notebooks/dl.ipynb", "file", timeout=120, caps=None,
                              local_data=True)
    assert [c.status for c in strict.cells] == ["ran", "network", "network", "failed"]
    assert "DownloadError: Could not download" in strict.cells[1].error
    assert [c.status for c in local.cells] == ["ran", "ran", "ran", "ran"]
    md = tool.report([strict], caps=32, local=[local])
    assert "| dl.ipynb | file | TF2 | 4 | 1 | 1 | 0 | 2 |" in md
    assert "| dl.ipynb | file | TF2 | 4 | 4 | 0 | 0 | 0 |" in md
    assert "render_vis thresholds capped at 32 steps" in md


def test_kernel_cells_compile(tool):
    """The hidden first cell (the steps cap) and the --diagnose stand-ins are valid Python."""
    compile(tool.PREAMBLE.format(steps=32, repo="/repo"), "preamble", "exec")
    compile(tool.LOCAL_DATA, "local_data", "exec")
    assert "min(int(t), 32)" in tool.PREAMBLE.format(steps=32, repo="/repo")
