"""notebooks/tools/render_layer_grids.py: its timing summary, which BENCHMARKS.md quotes, and
its settings, which must be the notebook's so the committed units are what the notebook makes."""
import importlib.util
import json
import pathlib
import re

NOTEBOOKS = pathlib.Path(__file__).parent.parent / "notebooks"
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


def test_summary_separates_machines_and_leaves_out_disturbed_batches(tmp_path):
    tool = _tool()
    amd = {"cpu": "AMD EPYC", "onednn": "1"}
    records = [_record(80.0), _record(100.0),                        # earlier, no machine fields
               _record(160.0, **amd), _record(170.0, load_average=2.5, **amd),
               _record(900.0, excluded="paused", **amd)]
    (tmp_path / "timings.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    rows = tool.summary(str(tmp_path)).splitlines()[2:]
    assert len(rows) == 2
    earlier, amd_row = rows
    assert "| 64 px | 512 |" in earlier
    assert tool.EARLIER_MACHINE in earlier and "| 2 (2) |" in earlier and "| 11.2 s |" in earlier
    # 3 batches rendered, 2 timed: (160 + 170) s / 16 units; the paused batch changes nothing
    assert "AMD EPYC, oneDNN on" in amd_row and "| 3 (2) |" in amd_row
    assert "| 5.5 min |" in amd_row and "| 20.6 s |" in amd_row and "| 2.5 |" in amd_row


def test_summary_of_only_excluded_batches_has_no_per_unit_time(tmp_path):
    tool = _tool()
    (tmp_path / "timings.jsonl").write_text(json.dumps(_record(5.0, excluded="paused")) + "\n")
    (row,) = tool.summary(str(tmp_path)).splitlines()[2:]
    assert "| 1 (0) |" in row and "| nan s |" in row


def test_summary_separates_step_counts(tmp_path):
    tool = _tool()
    records = [_record(100.0), _record(50.0, steps=256)]
    (tmp_path / "timings.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    rows = tool.summary(str(tmp_path)).splitlines()[2:]
    assert ["| 512 |" in r for r in rows] == [True, False]
    assert "| 256 |" in rows[1] and "| 6.2 s |" in rows[1]


def test_tool_makes_the_notebooks_full_settings_calls():
    """Each layer's size, steps and batch in layer_grids.ipynb (QUICK off) equal the tool's."""
    tool = _tool()
    cells = ["".join(c["source"]) for c in json.loads(
        (NOTEBOOKS / "layer_grids.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    full = {name: int(value) for cell in cells for name, value in
            re.findall(r"^(\w+) = \w+ if QUICK else (\d+)", cell, re.M)}
    calls = {layer: (full[size], full[steps]) for cell in cells for layer, size, steps in
             re.findall(r'^show_layer\("([\w/]+)", (\w+), (\w+)\)$', cell, re.M)}
    assert calls == {layer: (tool.LAYER_SIZES[layer], tool.LAYER_STEPS[layer])
                     for layer in tool.LAYER_SIZES}
    assert full["BATCH"] == tool.BATCH
