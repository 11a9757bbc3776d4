"""benchmarks/extrapolate_units.py: time for every conv unit of VGG16 from measured ms/step."""
import json

import pytest

from benchmark_scripts import benchmark_module



@pytest.fixture(scope="module")
def ex():
    return benchmark_module("extrapolate_units")


CASES = [{"layer": "conv4_1", "batch": 1, "ms_per_step": 10.0, "build_s": 2.0},
         {"layer": "conv4_1", "batch": 64, "ms_per_step": 100.0, "build_s": 2.0},
         {"layer": "conv5_1", "batch": 64, "ms_per_step": 120.0, "build_s": 2.0},
         {"layer": "conv5_1", "batch": 4, "ms_per_step": 5.0, "build_s": 0.0, "prune": False}]


def test_vgg16_has_13_conv_layers_and_4224_units(ex):
    assert len(ex.VGG16_CONV_UNITS) == 13 and sum(ex.VGG16_CONV_UNITS.values()) == 4224


def test_source_layer_is_the_next_measured_at_or_below(ex):
    measured = ["conv4_1", "conv5_1"]
    assert ex.source_layer("conv1_1", measured) == ("conv4_1", False)
    assert ex.source_layer("conv4_1", measured) == ("conv4_1", False)
    assert ex.source_layer("conv4_2", measured) == ("conv5_1", False)
    assert ex.source_layer("conv5_3", measured) == ("conv5_1", True)


def test_extrapolation_by_hand(ex):
    res = ex.extrapolate(CASES, steps=512)
    rows = {r["layer"]: r for r in res["layers"]}
    # conv1_1: 64 units; batch 64 -> 1 render of 2 + 512*0.1 s = 53.2 s (batch 1: 64*(2+5.12))
    assert rows["conv1_1"]["batch"] == 64 and rows["conv1_1"]["seconds"] == pytest.approx(53.2)
    # conv5_2: 512 units from conv5_1 batch 64 (the unpruned case is not used): 8*(2+61.44)
    assert rows["conv5_2"]["from"] == "conv5_1" and rows["conv5_2"]["beyond_measured"]
    assert rows["conv5_2"]["seconds"] == pytest.approx(8 * (2 + 512 * 0.12))
    assert res["units"] == 4224
    assert res["seconds"] == pytest.approx(sum(r["seconds"] for r in res["layers"]))
    assert res["units_per_hour"] == pytest.approx(4224 / (res["seconds"] / 3600))


def test_batch_1_wins_when_it_is_cheaper(ex):
    res = ex.extrapolate([{"layer": "conv3_1", "batch": 1, "ms_per_step": 1.0},
                          {"layer": "conv3_1", "batch": 32, "ms_per_step": 1000.0}],
                         steps=10, units={"conv1_1": 2})
    assert res["layers"][0]["batch"] == 1 and res["layers"][0]["seconds"] == pytest.approx(0.02)


def test_bad_input(ex):
    with pytest.raises(ValueError, match="steps must be >= 1"):
        ex.extrapolate(CASES, steps=0)
    with pytest.raises(ValueError, match="no usable cases"):
        ex.extrapolate([{"layer": "fc6", "batch": 1, "ms_per_step": 3.0}])
    with pytest.raises(ValueError, match="unknown layer 'conv6_1'"):
        ex.source_layer("conv6_1", ["conv4_1"])


def test_command_line_reads_a_render_bench_record(ex, tmp_path, capsys):
    src, out = tmp_path / "r.json", tmp_path / "x.json"
    src.write_text(json.dumps({"cases": CASES}))
    ex.main([str(src), "--steps", "512", "--json", str(out)])
    text = capsys.readouterr().out
    assert "all 4224 units at 512 steps" in text and "underestimate" in text
    assert json.loads(out.read_text())["units"] == 4224
