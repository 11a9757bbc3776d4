"""benchmarks/time_to_quality.py: the summary of fast-vs-Lucid cases (medians, pairing by seed)."""
import numpy as np
import pytest

from benchmark_scripts import benchmark_module


@pytest.fixture(scope="module")
def ttq():
    return benchmark_module("time_to_quality")


def _case(layer, unit, seed, preset, value):
    return dict(layer=layer, unit=unit, seed=seed, preset=preset, value=value)


def test_summary_pairs_by_seed_and_takes_medians(ttq):
    cases = [_case("conv3_1", 7, 0, "lucid", 10.0), _case("conv3_1", 7, 0, "fast", 12.0),
             _case("conv3_1", 7, 1, "lucid", 20.0), _case("conv3_1", 7, 1, "fast", 10.0),
             _case("conv3_1", 7, 2, "lucid", 10.0),  # no fast case for seed 2: left out
             _case("conv4_1", 0, 0, "lucid", 4.0), _case("conv4_1", 0, 0, "fast", 4.0)]
    rows, median_ratio, n = ttq.summarize(cases)
    assert n == 3 and median_ratio == pytest.approx(1.0)  # ratios 1.2, 0.5, 1.0
    first = rows[0]
    assert (first["layer"], first["seeds"]) == ("conv3_1", 2)
    assert first["lucid"] == pytest.approx(15.0) and first["ratio"] == pytest.approx(0.85)


def test_summary_of_nothing_has_no_ratio(ttq):
    assert ttq.summarize([]) == ([], None, 0)


def test_units_cover_conv3_1_to_conv5_3(ttq):
    layers = [layer for layer, _ in ttq.UNITS]
    assert len(ttq.UNITS) == 8 and layers[0] == "conv3_1" and layers[-1] == "conv5_3"


def test_fast_cases_of_another_setting_are_set_aside_and_rendered_again(ttq):
    setting = ttq.fast_setting()
    cases = [_case("conv3_1", 7, 0, "lucid", 10.0), _case("conv3_1", 7, 0, "fast", 9.0),
             dict(_case("conv3_3", 40, 0, "fast", 8.0), setting=setting)]
    ttq.set_aside_earlier_fast_cases(cases, setting)
    assert [c["preset"] for c in cases] == ["lucid", "fast_earlier", "fast"]
    done = {(c["layer"], c["unit"], c["seed"], c["preset"]) for c in cases}
    todo = ttq.todo(done, seeds=1)
    # the fast half of the pair whose Lucid render exists comes first
    assert todo[0] == ("conv3_1", 7, 0, "fast")
    assert ("conv3_3", 40, 0, "fast") not in todo and ("conv3_3", 40, 0, "lucid") in todo
    assert len(todo) == 2 * len(ttq.UNITS) - 2


def test_transformed_value_is_seeded_and_differs_from_the_untransformed_one(ttq, tiny_model):
    image = np.random.default_rng(0).random((1, 48, 48, 3)).astype(np.float32)
    a = ttq.transformed_value(tiny_model, image, "conv1_1", 0, draws=3)
    b = ttq.transformed_value(tiny_model, image, "conv1_1", 0, draws=3)
    assert a == b and a != ttq.channel_value(tiny_model, image, "conv1_1", 0)


def test_summary_gives_the_transformed_ratio_only_where_both_have_it(ttq):
    cases = [dict(_case("conv3_1", 7, 0, "lucid", 10.0), value_transformed=8.0),
             dict(_case("conv3_1", 7, 0, "fast", 11.0), value_transformed=6.0),
             _case("conv4_1", 0, 0, "lucid", 4.0), _case("conv4_1", 0, 0, "fast", 4.0)]
    rows, _, _ = ttq.summarize(cases)
    assert rows[0]["ratio_transformed"] == pytest.approx(0.75)
    assert rows[1]["ratio_transformed"] is None
