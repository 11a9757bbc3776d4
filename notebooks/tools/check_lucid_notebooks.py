"""Run Lucid's own notebooks cell by cell on this port and write docs/lucid_notebooks.md.

Issue 22 asks: does a Lucid user's notebook run with only the documented edits? This tool reads
the notebooks at run time from a Lucid checkout, a folder of .ipynb files, or Lucid's bare git
directory (nothing of Lucid is copied into the project), applies ONLY the edits in the rewrite
table below (imports, tf.compat.v1 for session-style notebooks, InceptionV1 -> VGG16_caffe layer
names, Colab-only lines dropped), executes every cell with nbclient (continuing after errors)
and records per notebook: code cells, ran, failed (first line of each error), Colab, network.

    python notebooks/tools/check_lucid_notebooks.py /work/.mirror/tensorflow+lucid/repo
    python notebooks/tools/check_lucid_notebooks.py ~/lucid --only tutorial.ipynb --out /tmp/r.md
    python notebooks/tools/check_lucid_notebooks.py LUCID_REPO --timeout 240 --diagnose  # the doc

Kernel-side cap (to fit small CPUs; it does not decide whether a cell runs): a hidden first
cell wraps `render.render_vis` so its thresholds are capped at --max-steps (default 32). Image
sizes are left alone (a smaller param.image breaks notebooks that stack it with a photo), and
session loops (`for i in range(n_steps): sess.run(vis_op)`) are bounded by --timeout per cell.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: The notebooks issue 22 names; alternatives are tried in order (ActivationGrid: the Jupyter
#: version; newest git revision whose blob the checkout holds).
NOTEBOOKS: Tuple[Tuple[str, ...], ...] = (
    ("notebooks/tutorial.ipynb",),
    ("notebooks/modelzoo.ipynb",),
    ("notebooks/feature-visualization/regularization.ipynb",),
    ("notebooks/building-blocks/NeuronGroups.ipynb",),
    ("notebooks/building-blocks/jupyter_versions/ActivationGridJupyter.ipynb",
     "notebooks/building-blocks/ActivationGrid.ipynb"),
    ("notebooks/building-blocks/AttrChannel.ipynb",),
    ("notebooks/building-blocks/AttrSpatial.ipynb",),
    ("notebooks/building-blocks/SemanticDictionary.ipynb",),
    ("notebooks/misc/feature_inversion_caricatures.ipynb",),
    ("notebooks/differentiable-parameterizations/style_transfer_2d.ipynb",),
    ("notebooks/differentiable-parameterizations/transparency.ipynb",),
    ("notebooks/differentiable-parameterizations/xy2rgb.ipynb",),
)

# ---------------------------------------------------------------------------------------------
# The rewrite table: the only edits made to a Lucid notebook.

#: InceptionV1 layer -> VGG16_caffe layer (suffixes such as _pre_relu, _3x3_bottleneck dropped).
LAYER_MAP: Dict[str, str] = {
    "conv2d0": "conv1_2/conv1_2", "conv2d1": "conv2_1/conv2_1", "conv2d2": "conv2_2/conv2_2",
    "maxpool0": "pool1", "maxpool1": "pool2", "maxpool4": "pool4",
    "mixed3a": "conv3_1/conv3_1", "mixed3b": "conv3_3/conv3_3",
    "mixed4a": "conv4_1/conv4_1", "mixed4b": "conv4_2/conv4_2", "mixed4c": "conv4_2/conv4_2",
    "mixed4d": "conv4_3/conv4_3", "mixed4e": "conv4_3/conv4_3",
    "mixed5a": "conv5_1/conv5_1", "mixed5b": "conv5_3/conv5_3",
    "head0": "conv4_3/conv4_3", "head1": "conv4_3/conv4_3",
    "softmax0": "prob", "softmax1": "prob", "softmax2": "prob",
}
#: Channel count of each VGG16_caffe layer: InceptionV1 channel indices are taken modulo it.
VGG_DEPTH: Dict[str, int] = {"conv1": 64, "conv2": 128, "conv3": 256, "conv4": 512,
                             "conv5": 512, "pool1": 64, "pool2": 128, "pool4": 512, "prob": 1000}

_LAYER = r"(?:%s)(?:_\w*)?(?:/\w+)?" % "|".join(sorted(LAYER_MAP, key=len, reverse=True))
#: "mixed4a_pre_relu:476" or "mixed4a" as a whole string literal.
LAYER_LITERAL = re.compile(r"""(?P<q>['"])(?P<layer>%s)(?::(?P<n>\d+))?(?P=q)""" % _LAYER)
#: ("mixed4a_pre_relu", 465): a literal layer followed by a literal channel argument.
LAYER_CHANNEL_ARG = re.compile(r"""(?P<q>['"])(?P<layer>%s)(?P=q)(?P<sep>\s*,\s*)(?P<n>\d+)\b"""
                               % _LAYER)

#: (pattern, replacement, what it does), applied to every line in order.
IMPORT_RULES: Tuple[Tuple[str, str, str], ...] = (
    (r"\blucid\.modelzoo\b", "modelzoo", "lucid.modelzoo.X -> modelzoo.X"),
    (r"\bfrom lucid import modelzoo\b", "import modelzoo", "from lucid import modelzoo"),
    (r"(?<![/\w-])lucid\.(?!git\b)", "lucid_vgg.", "lucid.X -> lucid_vgg.X"),
    (r"\bfrom lucid import\b", "from lucid_vgg import", "from lucid import -> from lucid_vgg"),
    (r"\bInceptionV1\(\)", "VGG16_caffe()", "models.InceptionV1() -> models.VGG16_caffe()"),
)
TF_IMPORT = re.compile(r"^(\s*)import tensorflow as tf\s*$", re.M)
TF_COMPAT = r"\1import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()"
#: What makes a notebook session-style TF1 code (it then gets tensorflow.compat.v1): sessions,
#: graphs, placeholders, TF1 optimizers and the TF1-only names Lucid's notebooks call.
SESSION_STYLE = re.compile(r"tf\.Session\(|create_session\(|make_vis_T\(|tf\.placeholder|"
                           r"tf\.train\.|\.eval\(|tf\.get_collection|tf\.Graph\(\)|tf\.losses\.|"
                           r"tf\.random_crop\(|tf\.log\(|tf\.to_float\(|tf\.contrib\b")
#: Lines that only make sense on Colab; a cell left empty by dropping them counts as Colab. The
#: `assert tf.__version__.startswith('1')` that follows Colab's `%tensorflow_version 1.x` is the
#: same pin (it checks that magic worked) and fails on any TF 2, compat.v1 included: dropped too.
COLAB_LINE = re.compile(r"^\s*(?:!\s*(?:pip|npm|imageio_download_bin|apt)|%tensorflow_version"
                        r"|from google\.colab\b|import google\.colab\b"
                        r"|assert tf\.__version__\.startswith\(['\"]1['\"]\))")
COLAB_CELL = re.compile(r"\bfiles\.(?:upload|download)\(")

#: First-line patterns of errors whose cause is known, to sort the failures for a reader.
KNOWN_CAUSES: Tuple[Tuple[str, str], ...] = (
    (r"DownloadError|Could not download", "network"),
    (r"Missing parentheses in call to 'print'|iteritems|'range' and 'range'|"
     r"unsupported operand type\(s\) for \+: 'range'|arrays to stack must be passed as a "
     r"\"sequence\"|a bytes-like object is required, not 'str'", "Python 2 code"),
    (r"Could not find layer '(?:conv2d\d|mixed\d|maxpool\d|head\d|softmax\d)",
     "InceptionV1 name built at run time"),
    (r"^KeyboardInterrupt", "ran past the per-cell --timeout"),
    (r"tensorflow\.contrib|contrib", "tf.contrib (gone in TF 2)"),
    (r"lucid_vgg\.scratch|html_define_svelte|lucid_svelte", "lucid.scratch (left out, docs)"),
    (r"No module named '(?:moviepy|ipyfilechooser|ipywidgets)", "notebook UI/video package missing"),
    (r"has no attribute '(?:Inception|ResNet|MobilenetV|NasnetLarge|AlexNet|PnasnetLarge)",
     "other Lucid zoo model (not ported)"),
    (r"prob|fc6|fc7", "needs the full VGG16 graph"),
)


def map_layer(name: str) -> str:
    """VGG16_caffe layer for an InceptionV1 layer name such as 'mixed4a_pre_relu'."""
    for key in sorted(LAYER_MAP, key=len, reverse=True):
        if name == key or name.startswith(key + "_") or name.startswith(key + "/"):
            return LAYER_MAP[key]
    raise KeyError(f"no VGG16 layer for {name!r}; known InceptionV1 prefixes: {sorted(LAYER_MAP)}")


def map_channel(vgg_layer: str, n: int) -> int:
    """InceptionV1 channel index `n` taken modulo `vgg_layer`'s channel count."""
    return n % VGG_DEPTH[vgg_layer.split("_")[0].split("/")[0]]


def _literal(m: "re.Match") -> str:
    layer = map_layer(m.group("layer"))
    n = m.group("n")
    tail = "" if n is None else f":{map_channel(layer, int(n))}"
    return f"{m.group('q')}{layer}{tail}{m.group('q')}"


def _channel_arg(m: "re.Match") -> str:
    layer = map_layer(m.group("layer"))
    q = m.group("q")
    return f"{q}{m.group('layer')}{q}{m.group('sep')}{map_channel(layer, int(m.group('n')))}"


def rewrite_source(src: str, session_style: bool) -> str:
    """Apply the rewrite table to one cell's code (Colab-only lines already dropped)."""
    for pattern, repl, _ in IMPORT_RULES:
        src = re.sub(pattern, repl, src)
    if session_style:
        src = TF_IMPORT.sub(TF_COMPAT, src)
    src = LAYER_CHANNEL_ARG.sub(_channel_arg, src)  # channel first: it still sees Inception names
    return LAYER_LITERAL.sub(_literal, src)


def drop_colab_lines(src: str) -> str:
    """The cell's code without Colab-only lines (pip/npm installs, %tensorflow_version, colab)."""
    return "\n".join(line for line in src.splitlines() if not COLAB_LINE.match(line))


def _has_code(src: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in src.splitlines())


def is_colab_cell(src: str) -> bool:
    """True when nothing but Colab-only code is left (or it uses google.colab's files)."""
    return not _has_code(drop_colab_lines(src)) or bool(COLAB_CELL.search(src))


def python2_to_3(src: str) -> str:
    """lib2to3's print/xrange/dict/map fixes on a cell (--diagnose only); cells it cannot parse, such
    as IPython magics, are returned as they are."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lib2to3.refactor import RefactoringTool, get_fixers_from_package
    fixers = [f for f in get_fixers_from_package("lib2to3.fixes")
              if f.rsplit(".", 1)[-1] in ("fix_print", "fix_xrange", "fix_dict", "fix_map")]
    try:
        return str(RefactoringTool(fixers).refactor_string(src + "\n", "cell"))[:-1]
    except Exception:  # pylint: disable=broad-except  # lib2to3's parse errors have no common base
        return src


def is_session_style(sources: Sequence[str]) -> bool:
    """Whether a notebook uses Lucid's TF1 session idioms (and so gets tensorflow.compat.v1)."""
    return any(SESSION_STYLE.search(s) for s in sources)


# ---------------------------------------------------------------------------------------------
# Reading notebooks from a checkout, a folder or a bare git directory.

def _is_bare_git(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(
        os.path.join(path, "objects"))


def _git(gitdir: str, *args: str) -> Optional[str]:
    res = subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, text=True)
    return res.stdout if res.returncode == 0 else None


def read_from_git(gitdir: str, path: str) -> Optional[Tuple[str, str]]:
    """(text, commit) of the newest revision of `path` whose blob `gitdir` holds, else None."""
    commits = (_git(gitdir, "log", "--all", "--format=%h", "--", path) or "").split()
    for commit in ["HEAD"] + commits:
        text = _git(gitdir, "show", f"{commit}:{path}")
        if text:
            return text, commit
    return None


def read_notebook_text(source: str, candidates: Sequence[str]) -> Tuple[str, str, str]:
    """(text, path used, where from) of the first candidate found under `source`."""
    for path in candidates:
        if _is_bare_git(source):
            got = read_from_git(source, path)
            if got:
                return got[0], path, f"git {got[1]}"
            continue
        for full in (os.path.join(source, path), os.path.join(source, os.path.basename(path))):
            if os.path.isfile(full):
                with open(full, encoding="utf-8") as f:
                    return f.read(), path, "file"
    raise FileNotFoundError(f"none of {list(candidates)} found in {source}")


# ---------------------------------------------------------------------------------------------
# Running and reporting.

PREAMBLE = '''\
# check_lucid_notebooks: kernel-side cap (render_vis thresholds <= {steps})
import os, sys
sys.path.insert(0, {repo!r})
import lucid_vgg.optvis.render as _r
_render_vis = _r.render_vis
def _capped_render_vis(model, objective_f, param_f=None, optimizer=None, transforms=None,
                       thresholds=(512,), *a, **k):
    thresholds = sorted(set(min(int(t), {steps}) for t in thresholds))
    return _render_vis(model, objective_f, param_f, optimizer, transforms, thresholds, *a, **k)
_r.render_vis = _capped_render_vis
'''


#: --diagnose: http(s) downloads answered by local stand-ins (scikit-image photos at 224 px, an
#: RGBA one for "rgba" names, the model's labels as Lucid's map_clsloc.txt), through the port's
#: own load/read on those files. Not one of Lucid's edits: it shows what network cells would do.
LOCAL_DATA = '''
import numpy as _np, PIL.Image as _PI, skimage.data as _sd, skimage.transform as _st
import lucid_vgg.misc.io as _io, lucid_vgg.misc.io.loading as _lo, lucid_vgg.misc.io.reading as _rd
from modelzoo.caffe_models import VGG16_caffe as _V
_photos = {"dog_cat": _sd.chelsea, "flowers": _sd.coffee, "sunglasses_tux": _sd.astronaut,
           "pig": _sd.chelsea, "bigben": _sd.rocket, "starry": _sd.coffee, "rgba": _sd.astronaut}
def _stand_in(url):
    name = url.split("?")[0].rstrip("/").split("/")[-1]
    if name.endswith(".txt"):
        with open(name, "w") as f:
            f.write("\\n".join("n%08d %d %s" % (i, i + 1, l.replace(" ", "_"))
                               for i, l in enumerate(_V().labels)))
        return name
    key = next((k for k in _photos if k in url.lower()), "dog_cat")
    img = _photos[key]()
    s = min(img.shape[:2])
    img = _st.resize(img[:s, :s], (224, 224), anti_aliasing=True)
    if key == "rgba":
        img = _np.dstack([img, _np.linspace(0, 1, 224)[None, :].repeat(224, 0)])
    img = (img * 255).astype(_np.uint8)
    name = name if name.lower().endswith((".png", ".jpg", ".jpeg")) else name + ".png"
    _PI.fromarray(img).save(name)
    return name
def _local(f):
    def g(url, *a, **k):
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            url = _stand_in(url)
        return f(url, *a, **k)
    return g
_io.load = _lo.load = _local(_lo.load)
_io.read = _rd.read = _local(_rd.read)
'''


@dataclass
class CellResult:
    """One code cell: its index in the notebook, status and first error line."""
    index: int
    status: str  # ran | failed | colab | network
    error: str = ""
    cause: str = ""


@dataclass
class NotebookResult:
    """All code cells of one notebook and where it was read from."""
    path: str
    origin: str
    session_style: bool
    cells: List[CellResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.cells)


def _first_error_line(out: dict) -> str:
    lines = [f"{out.get('ename', '')}: {out.get('evalue', '')}".strip()]
    return lines[0].splitlines()[0][:200] if lines[0] else "error"


def classify(error: str, failed_src: str, network_src: str = "") -> Tuple[str, str]:
    """(status, cause) for a failed cell's first error line; `failed_src`/`network_src`: the code
    of the earlier cells that failed / stopped on the network (a NameError may come from them)."""
    for pattern, cause in KNOWN_CAUSES:
        if re.search(pattern, error):
            return ("network" if cause == "network" else "failed"), cause
    m = re.match(r"NameError: name '(\w+)'", error)
    if m and re.search(r"\b%s\b" % m.group(1), network_src):
        return "failed", "defined in a network cell"
    if m and re.search(r"\b%s\b" % m.group(1), failed_src):
        return "failed", "defined in a cell that failed"
    if failed_src and re.match(r"FileNotFoundError: No such file: '[^/']+'", error):
        return "failed", "file a failed cell writes"
    return "failed", "to look at"


def prepare(text: str, py3: bool = False) -> Tuple["object", List[int], bool]:
    """Notebook of the code cells (empty ones dropped) rewritten; indices of Colab cells."""
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and _has_code(c.source)]
    session = is_session_style([c.source for c in code])
    colab = []
    for i, cell in enumerate(code):
        cell.outputs, cell.execution_count = [], None
        if is_colab_cell(cell.source):
            colab.append(i)
            cell.source = "pass  # Colab-only cell, skipped"
        else:
            src = drop_colab_lines(cell.source)
            cell.source = rewrite_source(python2_to_3(src) if py3 else src, session)
    nb.cells = code
    return nb, colab, session


def run_notebook(text: str, path: str, origin: str, timeout: int,
                 caps: Optional[int] = 32, local_data: bool = False
                 ) -> NotebookResult:
    """Execute one Lucid notebook's rewritten code cells, continuing after errors; with
    `local_data` (--diagnose), downloads are answered by local stand-ins (LOCAL_DATA) and
    Python 2 code is fixed by lib2to3."""
    import nbformat
    from nbclient import NotebookClient

    nb, colab, session = prepare(text, py3=local_data)
    if caps is not None or local_data:
        pre = PREAMBLE.format(steps=caps or 10 ** 9, repo=REPO)
        nb.cells.insert(0, nbformat.v4.new_code_cell(pre + (LOCAL_DATA if local_data else "")))
    result = NotebookResult(path, origin, session)
    with tempfile.TemporaryDirectory(prefix="lucid_nb_") as cwd:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       interrupt_on_timeout=True, record_timing=False,
                       resources={"metadata": {"path": cwd}}).execute()
    failed_src = network_src = ""
    offset = 0 if caps is None and not local_data else 1
    for i, cell in enumerate(nb.cells[offset:]):
        if i in colab:
            result.cells.append(CellResult(i, "colab"))
            continue
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        if not errors:
            result.cells.append(CellResult(i, "ran"))
            continue
        line = _first_error_line(errors[0])
        status, cause = classify(line, failed_src, network_src)
        if status == "network":
            network_src += "\n" + cell.source
        else:
            failed_src += "\n" + cell.source
        result.cells.append(CellResult(i, status, line, cause))
    return result


def _table(results: Sequence[NotebookResult]) -> List[str]:
    out = ["| notebook | read from | TF | code cells | ran | failed | Colab | network |",
           "|---|---|---|---|---|---|---|---|"]
    for r in results:
        out.append(f"| {os.path.basename(r.path)} | {r.origin} | "
                   f"{'compat.v1' if r.session_style else 'TF2'} | {len(r.cells)} | "
                   f"{r.count('ran')} | {r.count('failed')} | {r.count('colab')} | "
                   f"{r.count('network')} |")
    tot = {s: sum(r.count(s) for r in results) for s in ("ran", "failed", "colab", "network")}
    out.append(f"| **all** | | | {sum(len(r.cells) for r in results)} | {tot['ran']} | "
               f"{tot['failed']} | {tot['colab']} | {tot['network']} |")
    return out


def _by_cause(results: Sequence[NotebookResult]) -> List[str]:
    counts: Dict[str, int] = {}
    for c in (c for r in results for c in r.cells if c.cause):
        counts[c.cause] = counts.get(c.cause, 0) + 1
    out = ["", "| cause of failed/network cells | cells |", "|---|---|"]
    return out + [f"| {k} | {v} |" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]


def _failures(results: Sequence[NotebookResult], level: str) -> List[str]:
    out: List[str] = []
    for r in results:
        bad = [c for c in r.cells if c.status in ("failed", "network")]
        if bad:
            out += ["", f"{level} {r.path}", "", "| cell | cause | first error line |",
                    "|---|---|---|"]
            out += [f"| {c.index} | {c.cause} | `{c.error.replace('|', '/')}` |" for c in bad]
    return out


def report(results: Sequence[NotebookResult], caps: Optional[int],
           local: Sequence[NotebookResult] = ()) -> str:
    """docs/lucid_notebooks.md: a summary table, then each notebook's failures (and the same
    for the --diagnose run, when there is one)."""
    cap_txt = ("none" if caps is None else
               f"render_vis thresholds capped at {caps} steps (image sizes as in the notebook); "
               "session loops bounded by the per-cell timeout")
    out = ["# Lucid's notebooks on lucid-vgg",
           "",
           "Made by `python notebooks/tools/check_lucid_notebooks.py LUCID_REPO` (do not edit by "
           "hand). Each notebook from Lucid 0.3.10 runs cell by cell with only the edits in the "
           "tool's rewrite table: `lucid.X` -> `lucid_vgg.X`, `lucid.modelzoo.X` -> `modelzoo.X`,"
           " `import tensorflow as tf` -> `tensorflow.compat.v1` + `disable_v2_behavior()` in "
           "session-style notebooks, `InceptionV1()` -> `VGG16_caffe()`, InceptionV1 layer names "
           "-> VGG16's (`LAYER_MAP`; channels modulo the VGG layer's depth), Colab-only lines "
           "dropped, with the `assert tf.__version__.startswith('1')` pin that goes with Colab's "
           "`%tensorflow_version 1.x` (a cell left empty, or using `google.colab.files`, counts "
           "as Colab). "
           f"Kernel-side caps: {cap_txt}. Network cells fail offline with the port's "
           "`DownloadError` and are counted apart.",
           "", "Cell numbers count code cells from 0, empty cells left out.", ""]
    out += _table(results) + _by_cause(results) + _failures(results, "##")
    if local:
        out += ["", "## Diagnostic run: local stand-ins for downloads, Python 2 fixed (`--diagnose`)",
                "", "Not Lucid's edit set: the same run with every http(s) `load`/`read` answered "
                "by a local file (scikit-image photos at 224 px, the model's labels as "
                "`map_clsloc.txt`) through the port's own `load`/`read`, and lib2to3's print/"
                "xrange/dict/map fixes applied, to show what the cells behind network data and "
                "Python 2 syntax do on the port.", ""]
        out += _table(local) + _by_cause(local) + _failures(local, "###")
    return "\n".join(out) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: read, rewrite, run and report Lucid's notebooks."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", help="Lucid checkout, folder of notebooks, or Lucid's bare git dir")
    ap.add_argument("--only", nargs="*", default=None, help="notebook file names to run")
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "lucid_notebooks.md"))
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--max-steps", type=int, default=32)
    ap.add_argument("--no-caps", action="store_true", help="run at the notebooks' own sizes")
    ap.add_argument("--diagnose", action="store_true",
                    help="also run once more with local stand-ins for downloads and Python 2 "
                         "fixed by lib2to3 (a second table)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.source):
        ap.error(f"{args.source} is not a folder (a Lucid checkout, notebooks or bare git dir)")
    wanted = [c for c in NOTEBOOKS
              if args.only is None or any(os.path.basename(p) in args.only for p in c)]
    if not wanted:
        ap.error(f"--only matched none of {[os.path.basename(c[0]) for c in NOTEBOOKS]}")
    caps = None if args.no_caps else args.max_steps
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["PYTHONPATH"] = REPO + os.pathsep + os.environ.get("PYTHONPATH", "")
    runs: Dict[bool, List[NotebookResult]] = {False: [], True: []}
    for local in (False, True) if args.diagnose else (False,):
        for candidates in wanted:
            text, path, origin = read_notebook_text(args.source, candidates)
            print(f"running {path} ({origin}){' (diagnose)' if local else ''}", flush=True)
            r = run_notebook(text, path, origin, args.timeout, caps, local)
            runs[local].append(r)
            print(f"  {len(r.cells)} cells: {r.count('ran')} ran, {r.count('failed')} failed, "
                  f"{r.count('colab')} Colab, {r.count('network')} network", flush=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(report(runs[False], caps, runs[True]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
