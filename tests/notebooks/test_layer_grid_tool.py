"""notebooks/tools/render_layer_grids.py: its timing summary, which BENCHMARKS.md quotes, and
its settings, which must be the notebook's so the committed units are what the notebook makes."""
import importlib.util
import json
import math
import pathlib
import re
import sys
import types

import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"
TOOL = NOTEBOOKS / "tools" / "render_layer_grids.py"


def _tool():
    spec = importlib.util.spec_from_file_location("render_layer_grids", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record(seconds, **extra):
    return dict({"layer": "conv4_1/conv4_1", "size": 64, "steps": 512, "batch": 8,
                 "units_done": 8, "units_total": 512, "seconds": seconds,
                 "finished": "2026-12-01T18:00:00", "load_average": 2.0}, **extra)


def _write(tmp_path, records):
    (tmp_path / "timings.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _facts(row):
    return {k: row[k] for k in ("size", "steps", "machine", "batches", "timed", "max_load")}


def test_summary_separates_machines_and_leaves_out_disturbed_batches(tmp_path):
    tool = _tool()
    amd = {"cpu": "AMD EPYC", "onednn": "1"}
    _write(tmp_path, [_record(80.0), _record(100.0),                 # earlier, no machine fields
                      _record(160.0, **amd), _record(170.0, load_average=2.5, **amd),
                      _record(900.0, excluded="paused", **amd)])
    earlier, amd_row = tool.summary_rows(str(tmp_path))
    assert _facts(earlier) == {"size": 64, "steps": 512, "machine": tool.EARLIER_MACHINE,
                               "batches": 2, "timed": 2, "max_load": 2.0}
    assert earlier["seconds"] == 180.0 and earlier["per_unit"] == 180.0 / 16
    # 3 batches rendered, 2 timed: (160 + 170) s / 16 units; the paused batch changes nothing
    assert _facts(amd_row) == {"size": 64, "steps": 512, "machine": "AMD EPYC, oneDNN on",
                               "batches": 3, "timed": 2, "max_load": 2.5}
    assert amd_row["seconds"] == 330.0 and amd_row["per_unit"] == 330.0 / 16


def test_summary_of_only_excluded_batches_has_no_per_unit_time(tmp_path):
    tool = _tool()
    _write(tmp_path, [_record(5.0, excluded="paused")])
    (row,) = tool.summary_rows(str(tmp_path))
    assert (row["batches"], row["timed"], row["seconds"]) == (1, 0, 0.0)
    assert math.isnan(row["per_unit"])


def test_summary_separates_step_counts(tmp_path):
    tool = _tool()
    _write(tmp_path, [_record(100.0), _record(50.0, steps=256)])
    rows = tool.summary_rows(str(tmp_path))
    assert [(r["steps"], r["seconds"], r["per_unit"]) for r in rows] == [(512, 100.0, 12.5),
                                                                         (256, 50.0, 6.25)]


def test_markdown_table_holds_the_rows_numbers(tmp_path):
    """Parse the table BENCHMARKS.md and docs/layer_grids/README.md quote back into numbers."""
    tool = _tool()
    _write(tmp_path, [_record(100.0), _record(170.0, load_average=2.5),
                      _record(50.0, steps=256, cpu="AMD EPYC", onednn="0")])
    lines = tool.summary(str(tmp_path)).splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert len(header) == 8 and all(set(c) == {"-"} for c in lines[1].strip("|").split("|"))
    parsed = []
    for line in lines[2:]:
        cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|"))))
        batches, timed = re.fullmatch(r"(\d+) \((\d+)\)", cells["batches of 8 (timed)"]).groups()
        parsed.append((cells["layer"], int(cells["size"].removesuffix(" px")),
                       int(cells["steps"]), cells["machine"], int(batches), int(timed),
                       float(cells["time of the timed"].removesuffix(" min")),
                       float(cells["per unit"].removesuffix(" s")),
                       float(cells["highest load average"])))
    expected = [(r["layer"], r["size"], r["steps"], r["machine"], r["batches"], r["timed"],
                 round(r["seconds"] / 60, 1), round(r["per_unit"], 1), r["max_load"])
                for r in tool.summary_rows(str(tmp_path))]
    assert parsed == expected
    assert parsed[1][3] == "AMD EPYC, oneDNN off" and parsed[0][6] == 4.5


def _render_layer_calls(monkeypatch, tmp_path, quick):
    """Run layer_grids.pct.py's settings, its show_layer and every show_layer cell, with a
    stand-in render_layer that records its arguments instead of rendering."""
    jupytext = pytest.importorskip("jupytext", reason="install the 'notebooks' extra")
    monkeypatch.setenv("LUCID_VGG_OUT", str(tmp_path))
    if quick:
        monkeypatch.setenv("LUCID_VGG_QUICK", "1")
    else:
        monkeypatch.delenv("LUCID_VGG_QUICK", raising=False)
    monkeypatch.syspath_prepend(str(NOTEBOOKS))  # where the kernel imports nbsetup and tools from
    for cached in ("nbsetup", "tools", "tools.render_layer_grids"):
        monkeypatch.delitem(sys.modules, cached, raising=False)
    cells = [c.source for c in jupytext.read(NOTEBOOKS / "layer_grids.pct.py").cells
             if c.cell_type == "code"]
    (settings,) = [c for c in cells if "nbsetup.start_notebook" in c]
    (definition,) = [c for c in cells if "def show_layer(" in c]
    layer_cells = [c for c in cells if c.startswith("show_layer(")]
    namespace = {}
    exec(settings, namespace)
    exec(definition, namespace)
    calls = []

    def render_layer(model, layer, **kwargs):
        calls.append((layer, kwargs["size"], kwargs["steps"], kwargs["batch_size"],
                      kwargs["seed"], len(kwargs["units"])))
        info = types.SimpleNamespace(rendered=[], loaded=kwargs["units"], grid_path="grid.png")
        return None, info

    depths = {"conv1_1": 64, "conv2_1": 128, "conv3_1": 256}
    layer = lambda name: types.SimpleNamespace(depth=depths.get(name[:7], 512))  # noqa: E731
    namespace.update(recipes=types.SimpleNamespace(render_layer=render_layer),
                     model=types.SimpleNamespace(get_layer=layer),
                     overview=lambda images, units: None, show_figure=lambda *a, **k: None)
    for cell in layer_cells:
        exec(cell, namespace)
    return calls


def test_notebook_makes_the_tools_full_settings_calls(monkeypatch, tmp_path):
    """Executed at full settings, layer_grids makes the tool's render_layer calls: the same
    layers in the same order, sizes, steps, batch size and seed, every unit."""
    tool = _tool()
    calls = _render_layer_calls(monkeypatch, tmp_path, quick=False)
    depth = {"conv1_1/conv1_1": 64, "conv2_1/conv2_1": 128, "conv3_1/conv3_1": 256}
    assert calls == [(layer, tool.LAYER_SIZES[layer], tool.LAYER_STEPS[layer], tool.BATCH,
                      tool.SEED, depth.get(layer, 512)) for layer in tool.LAYER_SIZES]


def test_notebook_in_quick_mode_renders_a_few_small_units(monkeypatch, tmp_path):
    calls = _render_layer_calls(monkeypatch, tmp_path, quick=True)
    assert len(calls) == 7
    assert all(size <= 32 and steps <= 8 and units <= 4 for _, size, steps, _, _, units in calls)
