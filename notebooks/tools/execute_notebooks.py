"""Execute notebooks at full settings in place, the way the committed outputs were made.

Reads each named notebook from its source notebooks/NAME.pct.py (jupytext percent format, the file
a person edits), runs it top to bottom with nbclient (quick mode off), drops TensorFlow's
start-up log lines from the stderr outputs so the pictures are not buried in noise, writes
notebooks/NAME.ipynb atomically and prints how long it took (the number for its settings cell).

    python notebooks/tools/execute_notebooks.py tutorial [NAME ...]
    LUCID_VGG_OUT=docs python notebooks/tools/execute_notebooks.py layer_grids
"""
import argparse
import os
import re
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

NOTEBOOKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Sources are NAME.pct.py, not NAME.py: the kernel runs in notebooks/, where a modelzoo.py would
#: shadow the modelzoo package for every notebook.
SOURCE_SUFFIX = ".pct.py"
FORMATS = "ipynb,.pct.py:percent"

# TensorFlow/absl/oneDNN start-up lines that say nothing about the notebook's results.
LOG_NOISE = re.compile(
    r"oneDNN custom operations|absl::InitializeLog|^[IWE]0000 |WARNING: All log messages"
    r"|Unable to register cu|computation placer|TF-TRT|rebuild TensorFlow with"
    r"|To enable the following instructions|This TensorFlow binary is optimized")


def strip_log_noise(nb):
    """Remove log-noise lines from stderr outputs; drop outputs left empty. Returns nb."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(line for line in out["text"].splitlines(True)
                               if not LOG_NOISE.search(line))
                if not text.strip():
                    continue
                out["text"] = text
            kept.append(out)
        cell["outputs"] = kept
    return nb


def read_source(name: str) -> "nbformat.NotebookNode":
    """notebooks/NAME.pct.py as a notebook paired with NAME.ipynb, its cells numbered cell-00,
    cell-01, ... (stable ids, so re-executing changes only what the outputs change)."""
    import jupytext

    path = os.path.join(NOTEBOOKS, name + SOURCE_SUFFIX)
    if not os.path.exists(path):
        names = sorted(f[:-6] for f in os.listdir(NOTEBOOKS) if f.endswith(".ipynb"))
        raise SystemExit(f"no notebook source {name}{SOURCE_SUFFIX} in {NOTEBOOKS}; "
                         f"there are: {', '.join(names)}")
    nb = jupytext.read(path)
    nb.metadata.setdefault("jupytext", {})["formats"] = FORMATS  # a new source too
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(name: str, timeout: int) -> float:
    """Run notebooks/NAME.pct.py at full settings, save notebooks/NAME.ipynb; seconds taken."""
    import jupytext
    from nbclient import NotebookClient

    nb = read_source(name)
    start = time.time()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": NOTEBOOKS}}).execute()
    seconds = time.time() - start
    path = os.path.join(NOTEBOOKS, name + ".ipynb")
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        jupytext.write(strip_log_noise(nb), handle, fmt="ipynb")
    os.replace(partial, path)  # a crash mid-write leaves the committed notebook whole
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="notebook names, without .ipynb")
    parser.add_argument("--timeout", type=int, default=4 * 3600, help="seconds per cell")
    args = parser.parse_args(argv)
    os.environ.pop("LUCID_VGG_QUICK", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("LUCID_VGG_OUT"):
        # the kernel runs in notebooks/: re-anchor a relative OUT there (kept relative, so the
        # paths the notebook prints say nothing about this machine)
        os.environ["LUCID_VGG_OUT"] = os.path.relpath(os.environ["LUCID_VGG_OUT"], NOTEBOOKS)
    for name in args.names:
        print(f"{name}: executed at full settings in {execute(name, args.timeout):.0f} s",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
