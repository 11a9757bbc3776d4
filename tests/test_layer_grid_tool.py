"""notebooks/tools/render_layer_grids.py: its timing summary, which BENCHMARKS.md quotes."""
import importlib.util
import json
import pathlib

TOOL = pathlib.Path(__file__).parent.parent / "notebooks" / "tools" / "render_layer_grids.py"


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
    assert tool.EARLIER_MACHINE in earlier and "| 2 (2) |" in earlier and "| 11.2 s |" in earlier
    # 3 batches rendered, 2 timed: (160 + 170) s / 16 units; the paused batch changes nothing
    assert "AMD EPYC, oneDNN on" in amd_row and "| 3 (2) |" in amd_row
    assert "| 5.5 min |" in amd_row and "| 20.6 s |" in amd_row and "| 2.5 |" in amd_row


def test_summary_of_only_excluded_batches_has_no_per_unit_time(tmp_path):
    tool = _tool()
    (tmp_path / "timings.jsonl").write_text(json.dumps(_record(5.0, excluded="paused")) + "\n")
    (row,) = tool.summary(str(tmp_path)).splitlines()[2:]
    assert "| 1 (0) |" in row and "| nan s |" in row
