"""Tier 4: every notebook's source (notebooks/NAME.pct.py, jupytext) runs headless in quick mode, and
the committed NAME.ipynb is that source with its outputs: same cells, figures as image outputs."""
import importlib.util
import os
import pathlib
import re

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat", reason="install the 'notebooks' extra")
jupytext = pytest.importorskip("jupytext", reason="install the 'notebooks' extra")
from nbclient import NotebookClient  # noqa: E402

FOLDER = pathlib.Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(p.stem for p in FOLDER.glob("*.ipynb"))
IMAGE_TYPES = ("image/png", "image/jpeg")


def _source(name):
    return jupytext.read(FOLDER / f"{name}.pct.py")


def _committed(name):
    return nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.mark.slow
@pytest.mark.weights
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_quick_mode(name, tmp_path, monkeypatch):
    monkeypatch.setenv("LUCID_VGG_QUICK", "1")
    monkeypatch.setenv("LUCID_VGG_OUT", str(tmp_path))
    nb = _source(name)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(FOLDER)}}).execute()
    outputs = _outputs(nb)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    assert any(t in o.get("data", {}) for o in outputs for t in IMAGE_TYPES)
    assert "(QUICK=True)" in outputs[-1]["text"]  # the closing cell ran, in quick mode


def test_every_notebook_has_a_paired_source():
    sources = {p.name[:-len(".pct.py")] for p in FOLDER.glob("*.pct.py")}
    assert NAMES and sources == set(NAMES)
    for name in NAMES:
        assert _committed(name).metadata["jupytext"]["formats"] == "ipynb,.pct.py:percent"


def test_no_notebook_source_shadows_a_package():
    """The kernel runs in notebooks/: a NAME.py there would be imported instead of a package of
    that name (a modelzoo.py once broke every notebook's `import modelzoo...`)."""
    assert not {p.stem for p in FOLDER.glob("*.py")} & {"modelzoo", "lucid_vgg"}


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_its_sources_cells(name):
    """An edit to NAME.pct.py not synced into NAME.ipynb (or the other way round) fails here."""
    cells = lambda nb: [(c.cell_type, c.source) for c in nb.cells]  # noqa: E731
    assert cells(_committed(name)) == cells(_source(name))


@pytest.mark.parametrize("name", NAMES)
def test_first_cell_names_the_source(name):
    first = _committed(name).cells[0]
    assert first.cell_type == "markdown"
    src = f"{name}.pct.py"
    assert f"[`{src}`]({src})" in first.source and f"jupytext --sync {src}" in first.source


@pytest.mark.parametrize("name", NAMES)
def test_figures_are_image_outputs_not_html(name):
    outputs = _outputs(_committed(name))
    assert not [o for o in outputs if "text/html" in o.get("data", {})]
    assert any(t in o.get("data", {}) for o in outputs for t in IMAGE_TYPES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_imports_lucid_vgg_before_tensorflow(name):
    """Only then does lucid_vgg's oneDNN default reach TensorFlow (1.6x on AVX2-only CPUs)."""
    source = "\n".join(c.source for c in _source(name).cells if c.cell_type == "code")
    first_tf = re.search(r"^(import tensorflow|import keras)", source, re.M)
    first_ours = re.search(r"^(import|from) (lucid_vgg|modelzoo)", source, re.M)
    assert first_ours and first_tf and first_ours.start() < first_tf.start()


def _load(path, name):
    """A script of notebooks/ (not part of the package) as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nbsetup_figure_makes_room_for_labels_and_wraps_rows(monkeypatch):
    monkeypatch.setenv("LUCID_VGG_QUICK", "1")
    nbsetup = _load(FOLDER / "nbsetup.py", "nbsetup")
    assert nbsetup.QUICK is True
    images = np.zeros([12, 32, 32, 3], np.float32)
    plain = nbsetup.figure(images, labels=[str(i) for i in range(12)], max_width=200)
    wide = nbsetup.figure(images, labels=["a label much wider than 32 px"] * 12, max_width=200)
    assert plain.shape[1] <= 200 and plain.shape[0] > 2 * 32  # 12 cells of 34 px: 5 a row
    assert wide.shape[1] > 32 * 2 and wide.shape[0] > plain.shape[0]  # wider cells, more rows
    photo = np.full([8, 8, 3], 300, np.float32)  # a single image is shown as it is, clipped
    assert nbsetup.figure(photo).shape == (8, 8, 3) and nbsetup.figure(photo).max() == 1.0


def test_nbsetup_start_notebook_makes_the_output_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LUCID_VGG_OUT", str(tmp_path))
    nbsetup = _load(FOLDER / "nbsetup.py", "nbsetup")
    out = nbsetup.start_notebook("probe")
    assert out == str(tmp_path / "probe") and os.path.isdir(out)
    nbsetup.print_run_time()
    assert re.fullmatch(r"notebook ran in \d+ s \(QUICK=(True|False)\)\n", capsys.readouterr().out)


def load_execute_tool():
    return _load(FOLDER / "tools" / "execute_notebooks.py", "execute_notebooks")


def test_execute_tool_strips_only_tensorflow_log_noise():
    """notebooks/tools/execute_notebooks.py drops TF's start-up lines, keeps real stderr output."""
    module = load_execute_tool()
    v4 = nbformat.v4
    noise = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
             "I0000 00:00:1795635653.560025    7011 port.cc:153] oneDNN custom operations are on.\n")
    warning = "/x.py:3: UserWarning: NMF did not converge\n"
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("text"),
        v4.new_code_cell("a", outputs=[v4.new_output("stream", name="stderr", text=noise),
                                       v4.new_output("stream", name="stdout", text=noise)]),
        v4.new_code_cell("b", outputs=[v4.new_output("stream", name="stderr", text=noise + warning)]),
    ])
    module.strip_log_noise(nb)
    first, second = nb.cells[1].outputs, nb.cells[2].outputs
    assert [o["name"] for o in first] == ["stdout"]  # stdout is the notebook's own, kept whole
    assert [o["text"] for o in second] == [warning]


def _write_probe(folder, code):
    """A paired notebook probe.pct.py + probe.ipynb in `folder`, as the notebooks/ sources are."""
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# probe"), v4.new_code_cell(code)],
                         metadata={"jupytext": {"formats": "ipynb,.pct.py:percent"}})
    jupytext.write(nb, str(folder / "probe.pct.py"), fmt="py:percent")
    jupytext.write(nb, str(folder / "probe.ipynb"))


def test_execute_tool_runs_the_source_and_writes_the_paired_notebook(tmp_path, monkeypatch):
    """The .pct.py is what gets executed: an edit there reaches the .ipynb with its output (here a
    new source, whose .ipynb does not exist yet, gets one paired with it)."""
    module = load_execute_tool()
    _write_probe(tmp_path, 'print("old")')
    source = (tmp_path / "probe.pct.py").read_text().replace('print("old")', 'print("edited")')
    (tmp_path / "probe.pct.py").write_text(source.replace("formats: ipynb,.pct.py:percent", ""))
    (tmp_path / "probe.ipynb").unlink()
    monkeypatch.setattr(module, "NOTEBOOKS", str(tmp_path))
    monkeypatch.delenv("LUCID_VGG_OUT", raising=False)
    monkeypatch.delenv("LUCID_VGG_QUICK", raising=False)  # main() pops it; restored after
    module.main(["probe"])
    nb = nbformat.read(str(tmp_path / "probe.ipynb"), as_version=4)
    assert [c.id for c in nb.cells] == ["cell-00", "cell-01"]
    assert nb.cells[1].source == 'print("edited")'
    assert [o["text"] for o in nb.cells[1].outputs] == ["edited\n"]
    assert nb.metadata["jupytext"]["formats"] == "ipynb,.pct.py:percent"
    with pytest.raises(SystemExit, match="there are: probe"):
        module.main(["missing"])


def test_execute_tool_resolves_a_relative_out_dir_from_the_callers_directory(tmp_path, monkeypatch):
    """`LUCID_VGG_OUT=docs python notebooks/tools/execute_notebooks.py` must read <cwd>/docs, not
    notebooks/docs (the kernel runs in the notebooks' folder), and say so with a relative path."""
    module = load_execute_tool()
    notebooks, caller = tmp_path / "notebooks", tmp_path / "caller"
    notebooks.mkdir()
    caller.mkdir()
    _write_probe(notebooks, 'import os; print(os.environ["LUCID_VGG_OUT"])')
    monkeypatch.setattr(module, "NOTEBOOKS", str(notebooks))
    monkeypatch.chdir(caller)
    monkeypatch.setenv("LUCID_VGG_OUT", "docs")
    monkeypatch.delenv("LUCID_VGG_QUICK", raising=False)  # main() pops it; restored after
    module.main(["probe"])
    printed = nbformat.read(str(notebooks / "probe.ipynb"), as_version=4).cells[1].outputs
    assert [o["text"].strip() for o in printed] == [os.path.join("..", "caller", "docs")]
