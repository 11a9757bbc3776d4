"""Tier 4: every notebook in notebooks/ runs top to bottom, headless, in quick mode."""
import os
import pathlib

import pytest

nbformat = pytest.importorskip("nbformat", reason="install the 'notebooks' extra")
from nbclient import NotebookClient  # noqa: E402

NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path, tmp_path, monkeypatch):
    monkeypatch.setenv("LUCID_VGG_QUICK", "1")
    monkeypatch.setenv("LUCID_VGG_OUT", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb"


def load_execute_tool():
    """notebooks/tools/execute_notebooks.py as a module (it is a script, not part of the package)."""
    import importlib.util

    tool = NOTEBOOKS[0].parent / "tools" / "execute_notebooks.py"
    spec = importlib.util.spec_from_file_location("execute_notebooks", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_execute_tool_resolves_a_relative_out_dir_from_the_callers_directory(tmp_path, monkeypatch):
    """`LUCID_VGG_OUT=docs python notebooks/tools/execute_notebooks.py` must read <cwd>/docs, not
    notebooks/docs (the kernel runs in the notebooks' folder), and say so with a relative path."""
    module = load_execute_tool()
    notebooks, caller = tmp_path / "notebooks", tmp_path / "caller"
    notebooks.mkdir()
    caller.mkdir()
    v4 = nbformat.v4
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell(
        'import os; print(os.environ["LUCID_VGG_OUT"])')]), str(notebooks / "probe.ipynb"))
    monkeypatch.setattr(module, "NOTEBOOKS", str(notebooks))
    monkeypatch.chdir(caller)
    monkeypatch.setenv("LUCID_VGG_OUT", "docs")
    monkeypatch.delenv("LUCID_VGG_QUICK", raising=False)  # main() pops it; restored after
    module.main(["probe"])
    printed = nbformat.read(str(notebooks / "probe.ipynb"), as_version=4).cells[0].outputs
    assert [o["text"].strip() for o in printed] == [os.path.join("..", "caller", "docs")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_imports_lucid_vgg_before_tensorflow(path):
    """Only then does lucid_vgg's oneDNN default reach TensorFlow (1.6x on AVX2-only CPUs)."""
    import re

    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                       if c.cell_type == "code")
    first_tf = re.search(r"^(import tensorflow|import keras)", source, re.M)
    first_ours = re.search(r"^(import|from) (lucid_vgg|modelzoo)", source, re.M)
    assert first_ours and first_tf and first_ours.start() < first_tf.start()
